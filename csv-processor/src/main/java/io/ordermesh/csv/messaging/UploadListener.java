package io.ordermesh.csv.messaging;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ordermesh.common.config.BulkStorage;
import io.ordermesh.common.uploads.UploadMessage;
import io.ordermesh.csv.config.CsvConfig;
import io.ordermesh.csv.repository.UploadJobs;
import io.ordermesh.csv.service.UploadProcessor;
import io.ordermesh.csv.service.UploadProcessor.HandedBack;
import io.ordermesh.csv.service.UploadProcessor.Outcome;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Long-polls the bulk-order queue. While a file is processed its message stays invisible (extended
 * every third of the visibility timeout) and the job's lease is renewed; the message is deleted
 * only once the file is done. A failing file is retried with backoff; after {@code max-receives}
 * its job is marked failed and SQS moves the message to the dead-letter queue. On shutdown the
 * file in progress is handed back: the message becomes visible again at once.
 */
@Singleton
public class UploadListener {

    private static final Logger LOG = Logger.getLogger(UploadListener.class);

    private final SqsClient sqs;
    private final BulkStorage bulk;
    private final CsvConfig config;
    private final UploadProcessor processor;
    private final UploadJobs jobs;
    private final ObjectMapper json;
    private final String owner = "csv-processor-" + UUID.randomUUID();
    private final AtomicBoolean running = new AtomicBoolean();
    private final List<Thread> workers = new ArrayList<>();
    private final ScheduledExecutorService heartbeats = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "csv-heartbeat");
        t.setDaemon(true);
        return t;
    });
    private final Duration drain;
    private volatile String queueUrl;

    UploadListener(SqsClient sqs, BulkStorage bulk, CsvConfig config, UploadProcessor processor, UploadJobs jobs, ObjectMapper json,
                   @ConfigProperty(name = "ordermesh.shutdown.drain") Duration drain) {
        this.sqs = sqs;
        this.bulk = bulk;
        this.config = config;
        this.processor = processor;
        this.jobs = jobs;
        this.json = json;
        this.drain = drain;
    }

    void start(@Observes StartupEvent ev) {
        running.set(true);
        for (int i = 0; i < config.workers(); i++) {
            Thread t = new Thread(this::poll, "csv-worker-" + i);
            workers.add(t);
            t.start();
        }
    }

    /**
     * SIGTERM: stop polling; a worker finishes the batch in hand and hands its file back. Bounded by
     * {@code ordermesh.shutdown.drain} (which must cover a long poll plus a batch), the figure the
     * Kubernetes grace period is checked against.
     */
    void stop(@Observes ShutdownEvent ev) {
        running.set(false);
        long deadline = System.nanoTime() + drain.toNanos();
        for (Thread t : workers) {
            try {
                t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        heartbeats.shutdownNow();
    }

    public boolean running() {
        return running.get();
    }

    private void poll() {
        long backoff = 1000;
        while (running.get()) {
            try {
                if (queueUrl == null) {
                    queueUrl = sqs.getQueueUrl(b -> b.queueName(bulk.queue())).queueUrl();
                }
                List<Message> messages = sqs.receiveMessage(b -> b.queueUrl(queueUrl).maxNumberOfMessages(1)
                        .waitTimeSeconds((int) config.pollWait().toSeconds())
                        .visibilityTimeout((int) config.visibilityTimeout().toSeconds())
                        .messageSystemAttributeNames(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT)).messages();
                for (Message m : messages) {
                    handle(m);
                }
                backoff = 1000;
            } catch (RuntimeException e) {
                if (!running.get()) {
                    return;
                }
                LOG.warnf("bulk-order queue unavailable, retrying in %d ms: %s", backoff, e.toString());
                sleep(backoff);
                backoff = Math.min(backoff * 2, 30_000);
            }
        }
    }

    private void handle(Message m) {
        UploadMessage message;
        try {
            message = json.readValue(m.body(), UploadMessage.class);
            if (message.uploadId() == null || message.tenantId() == null || message.key() == null || message.bucket() == null) {
                throw new IllegalArgumentException("missing fields");
            }
        } catch (Exception e) {
            // Not ours to fix: left alone, SQS moves it to the dead-letter queue after max receives.
            LOG.errorf("unreadable bulk-order message %s (%s): %s", m.messageId(), e.getMessage(), abbreviate(m.body()));
            return;
        }
        int receives = Integer.parseInt(m.attributes().getOrDefault(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT, "1"));
        AtomicBoolean leaseHeld = new AtomicBoolean(true);
        Duration visibility = config.visibilityTimeout();
        long every = Math.max(1, visibility.toMillis() / 3);
        ScheduledFuture<?> heartbeat = heartbeats.scheduleAtFixedRate(() -> {
            try {
                sqs.changeMessageVisibility(b -> b.queueUrl(queueUrl).receiptHandle(m.receiptHandle())
                        .visibilityTimeout((int) visibility.toSeconds()));
                if (!jobs.renew(message.uploadId(), owner, visibility)) {
                    leaseHeld.set(false);
                }
            } catch (RuntimeException e) {
                LOG.warnf("could not extend upload %s: %s", message.uploadId(), e.toString());
            }
        }, every, every, TimeUnit.MILLISECONDS);
        try {
            Outcome outcome = processor.process(message, owner, visibility, () -> running.get() && leaseHeld.get());
            switch (outcome) {
                case COMPLETED, REJECTED, ALREADY_DONE, UNKNOWN_UPLOAD -> delete(m);
                case BUSY_ELSEWHERE -> LOG.debugf("upload %s is being processed by another instance", message.uploadId());
            }
            if (outcome == Outcome.UNKNOWN_UPLOAD) {
                LOG.warnf("message for unknown upload %s dropped", message.uploadId());
            }
        } catch (HandedBack e) {
            LOG.infof("upload %s handed back: %s", message.uploadId(), e.getMessage());
            visibleNow(m);
        } catch (RuntimeException e) {
            if (receives >= config.maxReceives()) {
                LOG.errorf(e, "upload %s failed %d times; giving up (the message goes to the dead-letter queue)", message.uploadId(), receives);
                jobs.fail(message.uploadId(), "could not be processed after " + receives + " attempts: " + e.getMessage());
            } else {
                int retryIn = Math.min(900, 5 * (1 << Math.min(receives, 7)));
                LOG.warnf("upload %s failed (attempt %d), retrying in %d s: %s", message.uploadId(), receives, retryIn, e.toString());
                jobs.release(message.uploadId(), owner);
                retryLater(m, retryIn);
            }
        } finally {
            heartbeat.cancel(false);
        }
    }

    private void delete(Message m) {
        sqs.deleteMessage(b -> b.queueUrl(queueUrl).receiptHandle(m.receiptHandle()));
    }

    private void visibleNow(Message m) {
        retryLater(m, 0);
    }

    private void retryLater(Message m, int seconds) {
        try {
            sqs.changeMessageVisibility(b -> b.queueUrl(queueUrl).receiptHandle(m.receiptHandle()).visibilityTimeout(seconds));
        } catch (RuntimeException e) {
            LOG.debugf("could not change visibility (it expires by itself): %s", e.toString());
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String abbreviate(String s) {
        return s == null || s.length() <= 200 ? s : s.substring(0, 200) + "...";
    }
}
