package io.ordermesh.common.inventory;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * The allocation contract of ims-api ({@code POST /inventory/allocations}, {@code .../batch}),
 * used by order-finalizer. All-or-nothing per order, idempotent on (tenant, order id).
 */
public final class Allocations {

    /** Most orders one batch call may carry. */
    public static final int MAX_BATCH = 500;

    private Allocations() {
    }

    public record Item(UUID skuId, int quantity) {
    }

    public record Request(String orderId, UUID hubId, List<Item> items) {
    }

    public record BatchRequest(List<Request> allocations) {
    }

    public enum Status {
        allocated, insufficient, released, invalid
    }

    public record Shortage(UUID skuId, int requested, int available) {
    }

    /**
     * The outcome for one order. {@code error} explains an {@code invalid} request (unknown hub or
     * SKU, bad quantity) that no retry can fix.
     */
    public record Result(String orderId, Status status, UUID hubId, List<Item> items, List<Shortage> shortages,
                         Instant allocatedAt, @JsonInclude(JsonInclude.Include.NON_NULL) String error) {
    }

    public record BatchResult(List<Result> results) {
    }
}
