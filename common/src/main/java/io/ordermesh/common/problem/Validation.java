package io.ordermesh.common.problem;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Collects every field error of a request, then fails once with all of them (422), so a client
 * fixes its input in one round instead of one error at a time.
 */
public final class Validation {

    /** Codes are what people type and sort by: letters, digits and . _ - /, up to 64. */
    private static final Pattern CODE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._/-]{0,63}");

    private final List<Problem.FieldError> errors = new ArrayList<>();

    private Validation() {
    }

    public static Validation of() {
        return new Validation();
    }

    public Validation error(String field, String message) {
        errors.add(new Problem.FieldError(field, message));
        return this;
    }

    public Validation require(String field, Object value) {
        return value == null || (value instanceof String s && s.isBlank()) ? error(field, "is required") : this;
    }

    public Validation code(String field, String value) {
        if (value == null || value.isBlank()) {
            return error(field, "is required");
        }
        return CODE.matcher(value.trim()).matches() ? this
                : error(field, "must be 1-64 letters, digits or . _ - / and start with a letter or digit");
    }

    public Validation name(String field, String value) {
        if (value == null || value.isBlank()) {
            return error(field, "is required");
        }
        return value.length() > 200 ? error(field, "must be at most 200 characters") : this;
    }

    public Validation positive(String field, Number value) {
        if (value == null) {
            return error(field, "is required");
        }
        return value.longValue() > 0 ? this : error(field, "must be greater than 0");
    }

    public Validation notNegative(String field, BigDecimal value) {
        if (value == null) {
            return error(field, "is required");
        }
        return value.signum() >= 0 ? this : error(field, "must not be negative");
    }

    public boolean valid() {
        return errors.isEmpty();
    }

    public List<Problem.FieldError> errors() {
        return List.copyOf(errors);
    }

    public void throwIfInvalid() {
        if (!errors.isEmpty()) {
            String detail = errors.stream().map(e -> e.field() + " " + e.message())
                    .reduce((a, b) -> a + "; " + b).orElse("");
            throw ProblemException.unprocessable(detail, errors);
        }
    }
}
