package io.ordermesh.common.paging;

import io.ordermesh.common.problem.ProblemException;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/**
 * One page of a list answer: {@code {"items": [...], "next_cursor": "..." | null}}. Cursors are
 * opaque to clients (base64url of the position of the last item); limits default to
 * {@link #DEFAULT_LIMIT} and may not exceed {@link #MAX_LIMIT}.
 */
public record Page<T>(List<T> items, String nextCursor) {

    public static final int DEFAULT_LIMIT = 50;
    public static final int MAX_LIMIT = 1000;

    /** The limit a client asked for, checked: 400 outside 1..MAX_LIMIT. */
    public static int limit(Integer requested) {
        if (requested == null) {
            return DEFAULT_LIMIT;
        }
        if (requested < 1 || requested > MAX_LIMIT) {
            throw ProblemException.badRequest("limit must be between 1 and " + MAX_LIMIT + ", was " + requested);
        }
        return requested;
    }

    /**
     * Builds the page from up to {@code limit + 1} rows fetched: the extra row only tells that
     * there is a next page.
     */
    public static <T> Page<T> of(List<T> rowsPlusOne, int limit, java.util.function.Function<T, String> position) {
        if (rowsPlusOne.size() <= limit) {
            return new Page<>(rowsPlusOne, null);
        }
        List<T> items = rowsPlusOne.subList(0, limit);
        return new Page<>(List.copyOf(items), encode(position.apply(items.get(limit - 1))));
    }

    /** The same page with each item converted (the cursor stays). */
    public <R> Page<R> map(java.util.function.Function<? super T, ? extends R> convert) {
        return new Page<>(items.stream().<R>map(convert).toList(), nextCursor);
    }

    public static String encode(String position) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(position.getBytes(StandardCharsets.UTF_8));
    }

    /** The position inside a cursor; null for no cursor; 400 for one that was not ours. */
    public static String decode(String cursor) {
        if (cursor == null || cursor.isBlank()) {
            return null;
        }
        try {
            return new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest("cursor is not valid; use next_cursor from a previous page");
        }
    }
}
