package io.ordermesh.oms.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.function.Predicate;

/** A plain Kafka consumer on one of this run's topics, reading from the beginning. */
public final class EventTap implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final KafkaConsumer<String, String> consumer;
    private final List<ConsumerRecord<String, String>> seen = new ArrayList<>();

    public EventTap(String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9092");
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "oms-test-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.METADATA_MAX_AGE_CONFIG, "1000");
        consumer = new KafkaConsumer<>(p);
        consumer.subscribe(List.of(topic));
    }

    /** Every event (value parsed) matching, waiting until at least {@code count} arrived or the timeout. */
    public List<JsonNode> await(Predicate<JsonNode> match, int count, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        while (true) {
            List<JsonNode> matching = new ArrayList<>();
            for (ConsumerRecord<String, String> r : seen) {
                JsonNode n = parse(r);
                if (match.test(n)) {
                    matching.add(n);
                }
            }
            if (matching.size() >= count || Instant.now().isAfter(deadline)) {
                return matching;
            }
            consumer.poll(Duration.ofMillis(300)).forEach(seen::add);
        }
    }

    /** Record keys of the matching events seen so far (after {@link #await}). */
    public List<String> keys(Predicate<JsonNode> match) {
        return seen.stream().filter(r -> match.test(parse(r))).map(ConsumerRecord::key).toList();
    }

    private static JsonNode parse(ConsumerRecord<String, String> r) {
        try {
            return JSON.readTree(r.value());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        consumer.close();
    }
}
