package io.ordermesh.webhooks.support;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import io.ordermesh.common.events.OrderEvent;
import io.ordermesh.common.orders.Order;
import io.ordermesh.common.orders.OrderStatus;
import io.ordermesh.testsupport.TestStack;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.bson.Document;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.List;
import java.util.Properties;
import java.util.UUID;

/**
 * What the other services would do, done directly: subscription documents in the shape oms-api
 * writes, order events on this run's topics as the outbox publishes them.
 */
public final class Fixtures implements AutoCloseable {

    public static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    private final String runId;
    private final MongoClient mongo = MongoClients.create("mongodb://127.0.0.1:27017");
    private final KafkaProducer<String, String> producer;

    public Fixtures() {
        this(TestStack.RUN_ID);
    }

    public Fixtures(String runId) {
        this.runId = runId;
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9092");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        producer = new KafkaProducer<>(p);
    }

    public MongoDatabase db() {
        return mongo.getDatabase("oms_" + runId);
    }

    /** Inserts an active subscription as oms-api would and answers its id. */
    public String subscribe(UUID tenant, String url, String secret, List<String> events) {
        return subscribe(tenant, url, secret, events, null, null);
    }

    public String subscribe(UUID tenant, String url, String secret, List<String> events, String previousSecret, Instant previousExpires) {
        String id = UUID.randomUUID().toString();
        Date now = new Date();
        Document d = new Document("_id", id).append("tenant_id", tenant.toString()).append("url", url)
                .append("events", events).append("active", true).append("description", "test").append("secret", secret)
                .append("created_at", now).append("updated_at", now);
        if (previousSecret != null) {
            d.append("previous_secret", previousSecret).append("previous_secret_expires_at", Date.from(previousExpires));
        }
        db().getCollection("webhooks").insertOne(d);
        return id;
    }

    public static Order order(UUID tenant, String orderId) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        return new Order(orderId, tenant, UUID.randomUUID(), UUID.randomUUID(),
                List.of(new Order.Item(UUID.randomUUID(), 2, new BigDecimal("9.99"))), new BigDecimal("19.98"),
                OrderStatus.on_hold, null, null, Order.Source.api(), now, now);
    }

    public OrderEvent created(UUID tenant, String orderId) {
        return OrderEvent.created(order(tenant, orderId), Instant.now());
    }

    /** Publishes an event on this run's topic for its type, keyed by order id, and waits for the broker. */
    public void publish(OrderEvent event) {
        String topic = (event.type().equals(OrderEvent.CREATED) ? "order.created." : "order.updated.") + runId;
        try {
            producer.send(new ProducerRecord<>(topic, event.order().orderId(), JSON.writeValueAsString(event))).get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public void publishAsync(OrderEvent event) {
        String topic = (event.type().equals(OrderEvent.CREATED) ? "order.created." : "order.updated.") + runId;
        try {
            producer.send(new ProducerRecord<>(topic, event.order().orderId(), JSON.writeValueAsString(event)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public void flush() {
        producer.flush();
    }

    public Document delivery(String id) {
        return db().getCollection("webhook_deliveries").find(new Document("_id", id)).first();
    }

    public List<Document> deliveriesOf(String subscriptionId) {
        return db().getCollection("webhook_deliveries").find(new Document("subscription_id", subscriptionId)).into(new java.util.ArrayList<>());
    }

    public Document subscription(String id) {
        return db().getCollection("webhooks").find(new Document("_id", id)).first();
    }

    public Document log(String id) {
        return db().getCollection("webhook_logs").find(new Document("_id", id)).first();
    }

    @Override
    public void close() {
        producer.close();
        mongo.close();
    }
}
