package io.ordermesh.finalizer.messaging;

import io.ordermesh.common.config.Topics;
import io.ordermesh.finalizer.config.FinalizerConfig;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The {@code order.created} consumers: plain KafkaConsumers, one dedicated thread each, all in group
 * {@code order-finalizer}, so threads and instances share the partitions. Each loop: poll a batch,
 * {@link CreatedBatch#process} it (returns when its effects are durable), then {@code commitSync}
 * the batch's offsets. When processing fails (IMS or MongoDB unavailable) the consumer seeks back to
 * the batch's first offsets and waits with capped exponential backoff before polling the same
 * records again: nothing is committed, nothing skipped, no busy loop.
 * <p>
 * Shutdown (SIGTERM): the loops stop polling, finish the batch in hand and commit it, then close
 * their consumers (leaving the group hands the partitions to the other instances).
 */
@Singleton
public class OrderCreatedConsumer {

    private static final Logger LOG = Logger.getLogger(OrderCreatedConsumer.class);

    private final CreatedBatch batch;
    private final FinalizerConfig config;
    private final Topics topics;
    private final String bootstrap;
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicLong batches = new AtomicLong();
    private final Duration drain;
    private volatile boolean running;

    OrderCreatedConsumer(CreatedBatch batch, FinalizerConfig config, Topics topics,
                         @ConfigProperty(name = "kafka.bootstrap.servers") String bootstrap,
                         @ConfigProperty(name = "ordermesh.shutdown.drain") Duration drain) {
        this.drain = drain;
        this.batch = batch;
        this.config = config;
        this.topics = topics;
        this.bootstrap = bootstrap;
    }

    void start(@Observes StartupEvent event) {
        if (!config.consumer().enabled()) {
            LOG.info("order.created consumer disabled (ordermesh.finalizer.consumer.enabled=false)");
            return;
        }
        running = true;
        for (int i = 0; i < config.consumer().threads(); i++) {
            Thread t = new Thread(new Loop(i), "order-created-consumer-" + i);
            threads.add(t);
            t.start();
        }
    }

    /** SIGTERM: the loops finish and commit the batch in hand, within {@code ordermesh.shutdown.drain} all together. */
    void stop(@Observes ShutdownEvent event) {
        running = false;
        long deadline = System.nanoTime() + drain.toNanos();
        for (Thread t : threads) {
            try {
                t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Batches committed since start (for tests and diagnostics). */
    public long committedBatches() {
        return batches.get();
    }

    private Properties properties(int index) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, config.consumer().group());
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "order-finalizer-" + ProcessHandle.current().pid() + "-" + index);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Integer.toString(config.consumer().maxPollRecords()));
        // A batch may wait out IMS backoff between polls; the cap (30 s) stays far below this.
        p.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, "300000");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        return p;
    }

    private final class Loop implements Runnable {

        private final int index;

        Loop(int index) {
            this.index = index;
        }

        @Override
        public void run() {
            int failures = 0;
            while (running) {
                try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(properties(index))) {
                    consumer.subscribe(List.of(topics.orderCreated()));
                    while (running) {
                        ConsumerRecords<String, String> records = consumer.poll(config.consumer().pollTimeout());
                        if (records.isEmpty()) {
                            continue;
                        }
                        try {
                            batch.process(records);
                        } catch (RuntimeException e) {
                            failures++;
                            Duration wait = backoff(failures);
                            LOG.warnf("batch of %d record(s) not finalized (%s); retrying it in %d ms", records.count(),
                                    e.toString(), wait.toMillis());
                            rewind(consumer, records);
                            pause(wait);
                            continue;
                        }
                        failures = 0;
                        commit(consumer, records);
                    }
                } catch (RuntimeException e) {
                    // Broker trouble outside a batch: start a fresh consumer after a pause; uncommitted records come again.
                    failures++;
                    LOG.errorf(e, "order.created consumer %d failed; restarting it", index);
                    pause(backoff(failures));
                }
            }
            LOG.infof("order.created consumer %d stopped", index);
        }

        private void commit(KafkaConsumer<String, String> consumer, ConsumerRecords<String, String> records) {
            Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
            for (TopicPartition tp : records.partitions()) {
                List<ConsumerRecord<String, String>> rs = records.records(tp);
                offsets.put(tp, new OffsetAndMetadata(rs.get(rs.size() - 1).offset() + 1));
            }
            try {
                consumer.commitSync(offsets);
                batches.incrementAndGet();
            } catch (CommitFailedException | RebalanceInProgressException e) {
                // The partitions moved on; whoever owns them now sees these records again, harmlessly
                // (every effect is idempotent and already durable).
                LOG.infof("offsets of a finished batch not committed (%s); its records will be seen again", e.toString());
            }
        }

        private void rewind(KafkaConsumer<String, String> consumer, ConsumerRecords<String, String> records) {
            for (TopicPartition tp : records.partitions()) {
                if (consumer.assignment().contains(tp)) {
                    consumer.seek(tp, records.records(tp).get(0).offset());
                }
            }
        }
    }

    private Duration backoff(int failures) {
        Duration d = config.ims().backoffInitial().multipliedBy(1L << Math.min(failures - 1, 20));
        return d.compareTo(config.ims().backoffMax()) > 0 ? config.ims().backoffMax() : d;
    }

    /** Sleeps, but wakes early on shutdown. */
    private void pause(Duration d) {
        long end = System.nanoTime() + d.toNanos();
        while (running && System.nanoTime() < end) {
            try {
                Thread.sleep(Math.min(200, Math.max(1, (end - System.nanoTime()) / 1_000_000)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
