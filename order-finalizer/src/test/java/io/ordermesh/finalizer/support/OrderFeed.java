package io.ordermesh.finalizer.support;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.mongodb.client.MongoCollection;
import io.ordermesh.common.events.OrderEvent;
import io.ordermesh.common.orders.Order;
import io.ordermesh.common.orders.OrderDocuments;
import io.ordermesh.common.orders.OrderStatus;
import io.ordermesh.common.outbox.Outbox;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.bson.Document;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/**
 * Produces orders the way oms-api does: the order document saved {@code on_hold} (the outbox's
 * event already published, so {@code pending_events} is empty) and its {@code order.created}
 * event on the run's topic, keyed by order id. Also reads topics back for assertions.
 */
public final class OrderFeed implements AutoCloseable {

    public static final String BOOTSTRAP = "127.0.0.1:9092";

    private final MongoCollection<Document> orders;
    private final ObjectMapper json;
    private final String topic;
    private final KafkaProducer<String, String> producer;

    public OrderFeed(MongoCollection<Document> orders, ObjectMapper json, String topic) {
        this.orders = orders;
        this.json = json;
        this.topic = topic;
        this.producer = new KafkaProducer<>(Outbox.producerProperties(BOOTSTRAP, "test-feed-" + UUID.randomUUID()));
    }

    public static Order order(ImsData.Tenant t, String orderId, Map<UUID, Integer> items) {
        return order(t.id(), t.seller(), t.hub(), orderId, items);
    }

    public static Order order(UUID tenant, UUID seller, UUID hub, String orderId, Map<UUID, Integer> items) {
        List<Order.Item> list = items.entrySet().stream()
                .map(e -> new Order.Item(e.getKey(), e.getValue(), new BigDecimal("5.00"))).toList();
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        return new Order(orderId, tenant, seller, hub, list, Order.totalOf(list), OrderStatus.on_hold, null, null,
                Order.Source.api(), now, now);
    }

    /** Saves the orders (as oms-api's create does) in batches of 1,000. */
    public void insert(List<Order> list) {
        for (int i = 0; i < list.size(); i += 1000) {
            orders.insertMany(list.subList(i, Math.min(list.size(), i + 1000)).stream()
                    .map(o -> OrderDocuments.toDocument(o, List.of())).toList());
        }
    }

    /** Sends one order.created per order (a fresh event id each) and waits for the broker's acknowledgements. */
    public void publish(List<Order> list) {
        // All in flight at once: waiting for each acknowledgement would cap the feed at a few hundred a second.
        List<Future<RecordMetadata>> acks = new ArrayList<>(list.size());
        list.forEach(o -> acks.add(producer.send(new ProducerRecord<>(topic, o.orderId(), value(OrderEvent.created(o, o.createdAt()))))));
        producer.flush();
        try {
            for (Future<RecordMetadata> ack : acks) {
                ack.get();
            }
        } catch (InterruptedException | ExecutionException e) {
            throw new IllegalStateException(e);
        }
    }

    public void insertAndPublish(List<Order> list) {
        insert(list);
        publish(list);
    }

    public String value(OrderEvent event) {
        try {
            return json.writeValueAsString(event);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Sends a raw record (optionally to a given partition) and waits for its acknowledgement. */
    public void send(Integer partition, String key, String value) {
        try {
            producer.send(new ProducerRecord<>(topic, partition, key, value)).get();
        } catch (InterruptedException | ExecutionException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Every record now on the topic (all partitions, from the beginning up to the current end). */
    public static List<ConsumerRecord<String, String>> readAll(String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, BOOTSTRAP);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
        List<ConsumerRecord<String, String>> all = new ArrayList<>();
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p)) {
            List<TopicPartition> parts = c.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                    .map(i -> new TopicPartition(topic, i.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp)) && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(500)).forEach(all::add);
            }
        }
        return all;
    }

    /** The order.updated events on the topic for these order ids, parsed. */
    public static List<OrderEvent> events(ObjectMapper json, String topic, java.util.Collection<String> orderIds) {
        java.util.Set<String> ids = new java.util.HashSet<>(orderIds);
        List<OrderEvent> out = new ArrayList<>();
        for (ConsumerRecord<String, String> r : readAll(topic)) {
            if (ids.contains(r.key())) {
                try {
                    out.add(json.readValue(r.value(), OrderEvent.class));
                } catch (JsonProcessingException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return out;
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
