package io.ordermesh.ims.rest;

import io.ordermesh.common.problem.ProblemException;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

/** Query parameters read by hand, so a malformed one is a 400 naming it (JAX-RS would answer 404). */
final class Params {

    private Params() {
    }

    static List<UUID> uuids(String name, String raw) {
        return strings(raw).stream().map(s -> uuid(name, s)).toList();
    }

    static List<String> strings(String raw) {
        if (raw == null || raw.isBlank()) {
            return List.of();
        }
        return Arrays.stream(raw.split(",")).map(String::trim).filter(s -> !s.isEmpty()).distinct().toList();
    }

    static UUID uuid(String name, String raw) {
        if (raw == null || raw.isBlank()) {
            return null;
        }
        try {
            return UUID.fromString(raw.trim());
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest(name + " must be an id (UUID), was '" + raw + "'");
        }
    }

    static Instant instant(String name, String raw) {
        if (raw == null || raw.isBlank()) {
            return null;
        }
        try {
            return Instant.parse(raw.trim());
        } catch (DateTimeParseException e) {
            throw ProblemException.badRequest(name + " must be an ISO-8601 instant such as 2026-01-31T12:00:00Z, was '" + raw + "'");
        }
    }
}
