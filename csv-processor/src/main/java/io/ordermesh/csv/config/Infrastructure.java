package io.ordermesh.csv.config;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoDatabase;
import io.ordermesh.common.catalogue.CatalogueReader;
import io.ordermesh.common.catalogue.CatalogueRefs;
import io.ordermesh.common.outbox.Outbox;
import io.ordermesh.csv.client.ImsClient;
import io.quarkus.redis.datasource.RedisDataSource;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.WebApplicationException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.rest.client.inject.RestClient;


import java.util.Optional;
import java.util.UUID;

/** Wires the plain classes of {@code common} (outbox, catalogue reader) and the MongoDB database. */
@Singleton
public class Infrastructure {

    @Produces
    @Singleton
    MongoDatabase database(MongoClient client, @ConfigProperty(name = "quarkus.mongodb.database") String name) {
        return client.getDatabase(name);
    }

    @Produces
    @Singleton
    Outbox outbox(@ConfigProperty(name = "kafka.bootstrap.servers") String bootstrap) {
        // Room for a whole batch of sends; beyond it events wait in MongoDB for the relay.
        return new Outbox(new KafkaProducer<>(Outbox.producerProperties(bootstrap, "csv-processor-outbox")), 100_000);
    }

    void closeOutbox(@Disposes Outbox outbox) {
        outbox.close();
    }

    @Produces
    @Singleton
    CatalogueReader catalogue(RedisDataSource redis, @RestClient ImsClient ims, ObjectMapper json) {
        var values = redis.value(String.class);
        return new CatalogueReader(keys -> values.mget(keys.toArray(String[]::new)), new CatalogueReader.Ims() {
            @Override
            public Optional<CatalogueRefs.TenantRef> tenant(UUID id) {
                try {
                    return Optional.of(ims.tenant(id));
                } catch (WebApplicationException e) {
                    if (e.getResponse().getStatus() == 404) {
                        return Optional.empty();
                    }
                    throw new CatalogueReader.Unavailable("IMS answered " + e.getResponse().getStatus(), e);
                } catch (ProcessingException e) {
                    throw new CatalogueReader.Unavailable("IMS unreachable: " + e.getMessage(), e);
                }
            }

            @Override
            public CatalogueRefs.LookupResult lookup(UUID tenant, CatalogueRefs.LookupRequest request) {
                try {
                    return ims.lookup(tenant, request);
                } catch (WebApplicationException e) {
                    throw new CatalogueReader.Unavailable("IMS lookup answered " + e.getResponse().getStatus(), e);
                } catch (ProcessingException e) {
                    throw new CatalogueReader.Unavailable("IMS unreachable: " + e.getMessage(), e);
                }
            }
        }, json);
    }

}
