package io.ordermesh.oms.service;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.Size;

import java.util.List;

/** Body of {@code POST /webhooks} and {@code PUT /webhooks/{id}} (PUT replaces every field). */
public record WebhookRequest(
        @NotBlank @Size(max = 2048) String url,
        @NotEmpty List<@NotBlank String> events,
        Boolean active,
        @Size(max = 500) String description) {
}
