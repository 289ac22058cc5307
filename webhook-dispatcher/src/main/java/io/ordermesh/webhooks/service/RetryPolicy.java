package io.ordermesh.webhooks.service;

import io.ordermesh.webhooks.config.DispatcherConfig;
import jakarta.inject.Singleton;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/** When the next attempt of a failed delivery is due, if any: the configured schedule, jitter, {@code Retry-After}. */
@Singleton
public class RetryPolicy {

    private final List<Duration> schedule;
    private final double jitter;
    private final Duration maxRetryAfter;

    RetryPolicy(DispatcherConfig config) {
        this.schedule = List.copyOf(config.retrySchedule());
        this.jitter = Math.max(0, Math.min(1, config.jitter()));
        this.maxRetryAfter = config.maxRetryAfter();
    }

    public int attempts() {
        return schedule.size();
    }

    public Duration firstDelay() {
        return schedule.get(0);
    }

    /**
     * @param attemptsInRun attempts made since the schedule (re)started, including the one that just failed
     * @param retryAfter    the endpoint's {@code Retry-After}, honoured as a lower bound (capped)
     * @return when to try again, or empty when the schedule is exhausted
     */
    public Optional<Instant> next(int attemptsInRun, Instant now, Duration retryAfter) {
        if (attemptsInRun >= schedule.size()) {
            return Optional.empty();
        }
        Duration base = schedule.get(attemptsInRun);
        long millis = base.toMillis();
        if (millis > 0 && jitter > 0) {
            millis += (long) (millis * jitter * (ThreadLocalRandom.current().nextDouble() * 2 - 1));
        }
        Instant next = now.plusMillis(millis);
        if (retryAfter != null) {
            Duration honoured = retryAfter.compareTo(maxRetryAfter) > 0 ? maxRetryAfter : retryAfter;
            Instant notBefore = now.plus(honoured);
            if (notBefore.isAfter(next)) {
                next = notBefore;
            }
        }
        return Optional.of(next);
    }

    /** {@code Retry-After}: delay-seconds or an HTTP-date; null when absent or unreadable. */
    public static Duration parseRetryAfter(String value, Instant now) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String v = value.trim();
        try {
            long seconds = Long.parseLong(v);
            return seconds < 0 ? null : Duration.ofSeconds(seconds);
        } catch (NumberFormatException notSeconds) {
            try {
                Duration d = Duration.between(now, ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
                return d.isNegative() ? Duration.ZERO : d;
            } catch (DateTimeParseException unreadable) {
                return null;
            }
        }
    }
}
