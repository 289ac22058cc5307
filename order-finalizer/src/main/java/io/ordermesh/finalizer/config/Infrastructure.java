package io.ordermesh.finalizer.config;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoDatabase;
import io.ordermesh.common.outbox.Outbox;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** Wires the plain outbox of {@code common} and the MongoDB database. */
@Singleton
public class Infrastructure {

    @Produces
    @Singleton
    MongoDatabase database(MongoClient client, @ConfigProperty(name = "quarkus.mongodb.database") String name) {
        return client.getDatabase(name);
    }

    @Produces
    @Singleton
    Outbox outbox(@ConfigProperty(name = "kafka.bootstrap.servers") String bootstrap, FinalizerConfig config) {
        return new Outbox(new KafkaProducer<>(Outbox.producerProperties(bootstrap, "order-finalizer-outbox")),
                config.outbox().maxQueuedSends());
    }

    void closeOutbox(@Disposes Outbox outbox) {
        // Runs after the consumers stopped (ShutdownEvent): sends handed over are flushed; the rest stays pending.
        outbox.close();
    }
}
