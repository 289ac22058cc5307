package io.ordermesh.finalizer.messaging;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.ordermesh.common.config.Topics;
import io.ordermesh.common.outbox.Outbox;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.header.Header;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Parks records that can never be processed on {@code order.created.dlq}: same key and value, plus
 * headers {@code dlq-reason}, {@code dlq-topic}, {@code dlq-partition}, {@code dlq-offset}. Sent
 * synchronously, before the offsets are committed, so a poison record is never simply lost.
 */
@Singleton
public class DeadLetters {

    public static final String REASON = "dlq-reason";

    private static final Logger LOG = Logger.getLogger(DeadLetters.class);

    public record Dead(ConsumerRecord<String, String> record, String reason) {
    }

    private final Producer<String, String> producer;
    private final Topics topics;
    private final Counter counter;

    DeadLetters(@ConfigProperty(name = "kafka.bootstrap.servers") String bootstrap, Topics topics, MeterRegistry metrics) {
        this.producer = new KafkaProducer<>(Outbox.producerProperties(bootstrap, "order-finalizer-dlq"));
        this.topics = topics;
        this.counter = Counter.builder("ordermesh.finalizer.dead_letters").description("Records sent to the dead-letter topic")
                .register(metrics);
    }

    /** Throws when the broker did not acknowledge every record: the caller retries the batch without committing. */
    public void send(List<Dead> dead) {
        if (dead.isEmpty()) {
            return;
        }
        List<Future<?>> sends = new ArrayList<>();
        for (Dead d : dead) {
            ConsumerRecord<String, String> r = d.record();
            LOG.warnf("poison record %s-%d@%d (key %s) to %s: %s", r.topic(), r.partition(), r.offset(), r.key(),
                    topics.orderCreatedDlq(), d.reason());
            ProducerRecord<String, String> out = new ProducerRecord<>(topics.orderCreatedDlq(), r.key(), r.value());
            for (Header h : r.headers()) {
                out.headers().add(h);
            }
            out.headers().add(REASON, bytes(d.reason()));
            out.headers().add("dlq-topic", bytes(r.topic()));
            out.headers().add("dlq-partition", bytes(Integer.toString(r.partition())));
            out.headers().add("dlq-offset", bytes(Long.toString(r.offset())));
            sends.add(producer.send(out));
        }
        try {
            for (Future<?> f : sends) {
                f.get(30, TimeUnit.SECONDS);
            }
        } catch (ExecutionException | TimeoutException e) {
            throw new KafkaException("dead-letter send failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException("interrupted while sending dead letters", e);
        }
        counter.increment(dead.size());
    }

    private static byte[] bytes(String s) {
        return (s == null ? "" : s).getBytes(StandardCharsets.UTF_8);
    }

    @PreDestroy
    void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
