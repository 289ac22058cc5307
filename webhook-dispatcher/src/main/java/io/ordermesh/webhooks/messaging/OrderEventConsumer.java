package io.ordermesh.webhooks.messaging;

import io.ordermesh.webhooks.service.Dispatcher;
import io.ordermesh.webhooks.service.FanOut;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

import java.util.List;

/**
 * Consumes {@code order.created} and {@code order.updated} in batches (group
 * {@code webhook-dispatcher}). A batch is acknowledged, and so its offsets become committable, only
 * when this method returns, i.e. after its deliveries are in MongoDB. MongoDB trouble is retried
 * here rather than skipped: nothing is committed meanwhile, so nothing is lost.
 */
@ApplicationScoped
public class OrderEventConsumer {

    private static final Logger LOG = Logger.getLogger(OrderEventConsumer.class);

    private final FanOut fanOut;
    private final Dispatcher dispatcher;

    OrderEventConsumer(FanOut fanOut, Dispatcher dispatcher) {
        this.fanOut = fanOut;
        this.dispatcher = dispatcher;
    }

    @Incoming("order-events")
    @Blocking
    public void consume(List<String> values) {
        dispatcher.awaitRoom();
        long backoff = 200;
        while (true) {
            try {
                fanOut.record(values);
                return;
            } catch (RuntimeException e) {
                if (dispatcher.stopping()) {
                    throw e; // not acknowledged: the records are consumed again after restart
                }
                LOG.warnf("recording %d events failed, retrying in %d ms: %s", values.size(), backoff, e.toString());
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
                backoff = Math.min(backoff * 2, 10_000);
            }
        }
    }
}
