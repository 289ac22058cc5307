package io.ordermesh.webhooks;

import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URL;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The tests name their own topics, so only this shows what the packaged service subscribes to with
 * nothing set (./ordermesh up, a container without overrides): the product's topics, not a topic
 * named after the channel.
 */
class ProductionTopicsTest {

    private static SmallRyeConfig config(String profile, String... overrides) throws IOException {
        URL properties = ProductionTopicsTest.class.getClassLoader().getResource("application.properties");
        SmallRyeConfigBuilder builder = new SmallRyeConfigBuilder().withProfile(profile).addDefaultInterceptors()
                .withSources(new PropertiesConfigSource(properties, 100));
        for (int i = 0; i < overrides.length; i += 2) {
            builder.withDefaultValue(overrides[i], overrides[i + 1]);
        }
        return builder.build();
    }

    @Test
    void withNothingSetTheDispatcherSubscribesToBothOrderTopics() throws IOException {
        assertEquals("order.created,order.updated",
                config("prod").getRawValue("mp.messaging.incoming.order-events.topics"));
        assertEquals("order.created,order.updated",
                config("prod,local").getRawValue("mp.messaging.incoming.order-events.topics"));
    }

    @Test
    void renamedTopicsAreFollowed() throws IOException {
        assertEquals("a.created,a.updated", config("prod", "ordermesh.topics.order-created", "a.created",
                "ordermesh.topics.order-updated", "a.updated").getRawValue("mp.messaging.incoming.order-events.topics"));
    }
}
