package io.ordermesh.oms.config;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoDatabase;
import io.ordermesh.common.config.WebhookTargets;
import io.ordermesh.common.net.AddressGuard;
import io.ordermesh.common.outbox.Outbox;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.util.List;

/** Wires the plain classes of {@code common} (outbox, SSRF guard) and the MongoDB database. */
@Singleton
public class Infrastructure {

    @Produces
    @Singleton
    MongoDatabase database(MongoClient client, @ConfigProperty(name = "quarkus.mongodb.database") String name) {
        return client.getDatabase(name);
    }

    @Produces
    @Singleton
    Outbox outbox(@ConfigProperty(name = "kafka.bootstrap.servers") String bootstrap, OmsConfig config) {
        return new Outbox(new KafkaProducer<>(Outbox.producerProperties(bootstrap, "oms-api-outbox")),
                config.outbox().maxQueuedSends());
    }

    void closeOutbox(@Disposes Outbox outbox) {
        // Graceful shutdown: what was handed to the producer is flushed; the rest stays pending.
        outbox.close();
    }

    @Produces
    @Singleton
    AddressGuard addressGuard(WebhookTargets targets) {
        return new AddressGuard(targets.allowedHosts().orElse(List.of()));
    }
}
