package io.ordermesh.oms.service;

import java.util.List;

/** A page of a list: {@code next_cursor} is null on the last page. */
public record Page<T>(List<T> items, String nextCursor) {
}
