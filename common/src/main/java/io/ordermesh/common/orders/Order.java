package io.ordermesh.common.orders;

import io.ordermesh.common.inventory.Allocations;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * An order as the REST contract and the events show it (snake_case JSON). {@code holdDetails}
 * lists the shortages while an order waits for stock (order-finalizer fills it).
 */
public record Order(String orderId, UUID tenantId, UUID sellerId, UUID hubId, List<Item> items, BigDecimal total,
                    OrderStatus status, String holdReason, List<Allocations.Shortage> holdDetails, Source source,
                    Instant createdAt, Instant updatedAt) {

    public record Item(UUID skuId, int quantity, BigDecimal price) {
    }

    /** Where the order came from: {@code api}, or {@code csv} with the upload and the row number. */
    public record Source(String type, String uploadId, Long row) {
        public static Source api() {
            return new Source("api", null, null);
        }

        public static Source csv(String uploadId, long row) {
            return new Source("csv", uploadId, row);
        }
    }

    public static BigDecimal totalOf(List<Item> items) {
        return items.stream().map(i -> i.price().multiply(BigDecimal.valueOf(i.quantity())))
                .reduce(BigDecimal.ZERO, BigDecimal::add);
    }
}
