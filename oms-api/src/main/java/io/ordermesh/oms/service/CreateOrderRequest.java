package io.ordermesh.oms.service;

import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Digits;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

import java.math.BigDecimal;
import java.util.List;
import java.util.UUID;

/** Body of {@code POST /orders}. {@code order_id} is optional; the service generates one when absent. */
public record CreateOrderRequest(
        @Pattern(regexp = "[A-Za-z0-9][A-Za-z0-9._:-]{0,63}", message = "must be 1-64 letters, digits, '.', '_', ':' or '-'")
        String orderId,
        @NotNull UUID sellerId,
        @NotNull UUID hubId,
        @NotEmpty @Size(max = 500) List<@NotNull @Valid Item> items) {

    public record Item(
            @NotNull UUID skuId,
            @NotNull @Min(1) @Max(1_000_000) Integer quantity,
            @NotNull @DecimalMin("0") @Digits(integer = 12, fraction = 4) BigDecimal price) {
    }
}
