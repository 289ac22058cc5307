package io.ordermesh.csv.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import de.siegmar.fastcsv.reader.CsvParseException;
import de.siegmar.fastcsv.reader.CsvReader;
import de.siegmar.fastcsv.reader.CsvRecord;
import io.micrometer.core.instrument.MeterRegistry;
import io.ordermesh.common.catalogue.CatalogueReader;
import io.ordermesh.common.config.Topics;
import io.ordermesh.common.events.OrderEvent;
import io.ordermesh.common.orders.Order;
import io.ordermesh.common.orders.OrderDocuments;
import io.ordermesh.common.orders.OrderStatus;
import io.ordermesh.common.outbox.Outbox;
import io.ordermesh.common.outbox.PendingEvent;
import io.ordermesh.common.uploads.UploadDocuments;
import io.ordermesh.common.uploads.UploadMessage;
import io.ordermesh.csv.config.CsvConfig;
import io.ordermesh.csv.repository.ErrorFile;
import io.ordermesh.csv.repository.OrderStore;
import io.ordermesh.csv.repository.ResumableObjectStream;
import io.ordermesh.csv.repository.UploadJobs;
import io.ordermesh.csv.repository.UploadJobs.Counters;
import jakarta.inject.Singleton;
import org.bson.Document;
import org.jboss.logging.Logger;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Turns one uploaded CSV into orders. The object is streamed twice: a first pass reads only the
 * order_id cells and notes where each order's rows end ({@link OrderSpans}); the second handles the
 * rows in batches: one catalogue lookup and one unordered bulk insert per batch, invalid rows
 * streamed to the error file, counters updated after every batch. Memory is bounded by the batch
 * and the fixed table of the first pass, whatever the file's size.
 *
 * <p>Rows without an order_id are orders of their own (id {@code <upload>-<line>}) and are
 * announced at once, and so is an order whose rows all lie in one batch and agree on seller and
 * hub (the usual file, where an order's rows are adjacent). Rows with an order_id may otherwise
 * continue anywhere further down, so such an order is written with {@link Outbox#HOLD}: the relay
 * ignores it until the end of the file, when rows that disagree on seller or hub have been rejected
 * and the rest are released. Each held order is noted (by id, in a small side collection) with the
 * batch of its first row, so the end of the file settles them by primary key, a batch at a time,
 * and never queries the whole collection. Every id is deterministic, so a reprocessed file (crash,
 * redelivered message) finds its orders by primary key and creates nothing twice; both passes read
 * the same version of the object.
 */
@Singleton
public class UploadProcessor {

    private static final Logger LOG = Logger.getLogger(UploadProcessor.class);
    /** Held-order notes read in one query at the end of a file (each lists at most a batch of ids). */
    private static final int NOTES_PER_READ = 50;
    /** Held orders settled in one read, one bulk write and one wait for their events. */
    private static final int SETTLE_CHUNK = 1000;

    public enum Outcome { COMPLETED, REJECTED, UNKNOWN_UPLOAD, ALREADY_DONE, BUSY_ELSEWHERE }

    /** Processing stopped before the end (shutdown, lease lost): the message and the job go back. */
    public static final class HandedBack extends RuntimeException {
        HandedBack(String why) {
            super(why);
        }
    }

    private final S3Client s3;
    private final UploadJobs jobs;
    private final OrderStore orders;
    private final CatalogueReader catalogue;
    private final Outbox outbox;
    private final Topics topics;
    private final CsvConfig config;
    private final ObjectMapper json;
    private final MeterRegistry metrics;

    UploadProcessor(S3Client s3, UploadJobs jobs, OrderStore orders, CatalogueReader catalogue, Outbox outbox, Topics topics,
                    CsvConfig config, ObjectMapper json, MeterRegistry metrics) {
        this.s3 = s3;
        this.jobs = jobs;
        this.orders = orders;
        this.catalogue = catalogue;
        this.outbox = outbox;
        this.topics = topics;
        this.config = config;
        this.json = json;
        this.metrics = metrics;
    }

    /**
     * Processes the upload the message announces. Returns what happened; throws {@link HandedBack}
     * when asked to stop, and any other exception for a transient failure (IMS, MongoDB or S3
     * unavailable) after which the message is retried.
     */
    public Outcome process(UploadMessage message, String owner, Duration lease, BooleanSupplier keepGoing) {
        String uploadId = message.uploadId();
        var claimed = jobs.claim(uploadId, owner, lease);
        if (claimed.isEmpty()) {
            return jobs.find(uploadId).map(job -> {
                String status = job.getString(UploadDocuments.STATUS);
                return UploadDocuments.COMPLETED.equals(status) || UploadDocuments.FAILED.equals(status)
                        ? Outcome.ALREADY_DONE : Outcome.BUSY_ELSEWHERE;
            }).orElse(Outcome.UNKNOWN_UPLOAD);
        }
        Document job = claimed.get();
        try {
            if (!message.tenantId().toString().equals(job.getString(UploadDocuments.TENANT_ID))
                    || !message.key().equals(job.getString(UploadDocuments.KEY))) {
                throw new FileRejected("the message does not match the upload job (tenant or object key differ)");
            }
            if (!catalogue.tenantExists(message.tenantId())) {
                throw new FileRejected("tenant " + message.tenantId() + " does not exist");
            }
            new Run(message, owner, keepGoing).execute();
            return Outcome.COMPLETED;
        } catch (FileRejected e) {
            LOG.infof("upload %s rejected: %s", uploadId, e.getMessage());
            jobs.fail(uploadId, e.getMessage());
            metrics.counter("ordermesh.csv.files", "outcome", "rejected").increment();
            return Outcome.REJECTED;
        } catch (HandedBack e) {
            jobs.release(uploadId, owner);
            throw e;
        }
    }

    /** One pass over one file. */
    private final class Run {
        private final UploadMessage message;
        private final String uploadId;
        private final UUID tenant;
        private final String owner;
        private final BooleanSupplier keepGoing;
        private long total;
        private long valid;
        private long invalid;
        private long inserted;
        /**
         * Orders that exist once their batch is written: a valid row without an order_id, and an
         * order whose rows all lie in the batch. The others are counted at the end of the file.
         */
        private long wholeOrders;
        /** Where each order_id's rows end; learnt by the first pass. */
        private OrderSpans spans;
        private int batches;
        /** The batches whose note lists held orders, in file order: the end of the file reads only those. */
        private final List<Integer> notedBatches = new ArrayList<>();
        /** Valid rows counted in the metrics so far (whole orders at once; held orders' rows at the end). */
        private long validCounted;
        /** The previous batch's order.created sends, awaited after the next batch is written. */
        private List<CompletableFuture<Void>> sending = List.of();

        Run(UploadMessage message, String owner, BooleanSupplier keepGoing) {
            this.message = message;
            this.uploadId = message.uploadId();
            this.tenant = message.tenantId();
            this.owner = owner;
            this.keepGoing = keepGoing;
        }

        void execute() {
            long t0 = System.nanoTime();
            ResumableObjectStream in;
            try (ResumableObjectStream first = open(null)) {
                spans = scanOrderSpans(first);
                in = open(first.etag());
            }
            CsvReader<CsvRecord> reader = reader(in);
            try (reader; in) {
                Iterator<CsvRecord> records = reader.iterator();
                CsvRecord first = next(records);
                if (first == null) {
                    throw new FileRejected("the file is empty");
                }
                OrderCsv.Header header = OrderCsv.Header.of(first.getFields());
                try (ErrorFile errors = new ErrorFile(s3, message.bucket(), UploadDocuments.errorKey(tenant, uploadId),
                        config.errorFilePartBytes(), header.names())) {
                    List<CsvRecord> batch = new ArrayList<>(config.batchSize());
                    for (CsvRecord r = next(records); r != null; r = next(records)) {
                        batch.add(r);
                        if (batch.size() == config.batchSize()) {
                            batch(header, batch, errors);
                            batch.clear();
                        }
                    }
                    if (total == 0 && batch.isEmpty()) {
                        throw new FileRejected("the file has a header but no rows");
                    }
                    batch(header, batch, errors);
                    finish(errors);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("reading " + message.key(), e);
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            LOG.infof("upload %s: %d rows (%d valid, %d invalid) in %.1f s, %.0f rows/s", uploadId, total, valid, invalid,
                    seconds, total / Math.max(seconds, 1e-3));
            metrics.counter("ordermesh.csv.files", "outcome", "completed").increment();
        }

        /** The uploaded object; {@code etag} pins the version an earlier read saw (null: the current one). */
        private ResumableObjectStream open(String etag) {
            try {
                return new ResumableObjectStream(s3, message.bucket(), message.key(), etag);
            } catch (NoSuchKeyException e) {
                throw new FileRejected("the uploaded file " + message.key() + " is no longer in storage");
            }
        }

        private CsvReader<CsvRecord> reader(ResumableObjectStream in) {
            return CsvReader.builder()
                    .detectBomHeader(true)
                    .skipEmptyLines(true)
                    // Rows with too few or too many cells are reported per row, not as a broken file.
                    .allowExtraFields(true)
                    .allowMissingFields(true)
                    .maxBufferSize(config.maxLineChars())
                    .ofCsvRecord(in, StandardCharsets.UTF_8);
        }

        /**
         * The first pass, over the order_id cells only: where each order's rows end. Rows of an order
         * are usually adjacent, so most orders lie whole in one batch and are written and announced
         * with it; only an order that continues into a later batch is held to the end of the file.
         */
        private OrderSpans scanOrderSpans(ResumableObjectStream in) {
            OrderSpans found = new OrderSpans(0);
            try (CsvReader<CsvRecord> reader = reader(in)) {
                Iterator<CsvRecord> records = reader.iterator();
                OrderCsv.Header header = records.hasNext() ? OrderCsv.Header.of(records.next().getFields()) : null;
                if (header == null || header.orderId() < 0) {
                    return found; // no row can name an order, so the table is never asked: no need for its 16 MB
                }
                found = new OrderSpans(config.orderSpanSlots());
                for (long n = 1; records.hasNext(); n++) {
                    CsvRecord r = records.next();
                    String orderId = OrderCsv.orderIdCell(header, r.getFields());
                    if (orderId != null) {
                        found.note(orderId, r.getStartingLineNumber());
                    }
                    if (n % 10_000 == 0 && !keepGoing.getAsBoolean()) {
                        throw new HandedBack("stopping");
                    }
                }
            } catch (CsvParseException e) {
                // The second pass stops at the same place and tells the uploader why.
            } catch (IOException e) {
                throw new UncheckedIOException("reading " + message.key(), e);
            }
            return found;
        }

        /** The next record, or null at the end. */
        private CsvRecord next(Iterator<CsvRecord> records) {
            try {
                return records.hasNext() ? records.next() : null;
            } catch (CsvParseException e) {
                throw new FileRejected("the file cannot be read as CSV after line " + (total + 1) + ": a line is longer than "
                        + config.maxLineChars() + " characters or a quote is never closed");
            }
        }

        private void batch(OrderCsv.Header header, List<CsvRecord> records, ErrorFile errors) {
            if (records.isEmpty()) {
                return;
            }
            if (!keepGoing.getAsBoolean()) {
                throw new HandedBack("stopping");
            }
            long invalidBefore = invalid;
            List<OrderCsv.Row> rows = new ArrayList<>(records.size());
            Set<UUID> sellers = new HashSet<>();
            Set<UUID> hubs = new HashSet<>();
            Set<UUID> skus = new HashSet<>();
            for (CsvRecord r : records) {
                OrderCsv.Row row = OrderCsv.parse(header, r.getStartingLineNumber(), r.getFields(), config.maxCellChars());
                rows.add(row);
                if (row.valid()) {
                    sellers.add(row.seller);
                    hubs.add(row.hub);
                    skus.add(row.sku);
                }
            }
            List<OrderCsv.Row> shapely = rows.stream().filter(OrderCsv.Row::valid).toList();
            if (!shapely.isEmpty()) {
                OrderCsv.check(shapely, catalogue.resolve(tenant, sellers, hubs, skus));
            }
            total += rows.size();
            Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            long firstLine = rows.get(0).line;
            long lastLine = rows.get(rows.size() - 1).line;
            List<Document> singles = new ArrayList<>();
            Map<String, List<OrderCsv.Row>> groups = new LinkedHashMap<>();
            for (OrderCsv.Row row : rows) {
                if (!row.valid()) {
                    errors.add(row.raw, row.reason());
                    invalid++;
                    continue;
                }
                valid++;
                if (row.orderId == null) {
                    singles.add(wholeDocument(uploadId + "-" + row.line, List.of(row), now));
                } else {
                    groups.computeIfAbsent(row.orderId, k -> new ArrayList<>()).add(row);
                }
            }
            // An order whose rows all lie in this batch and agree is written whole; any other is held.
            List<Document> whole = new ArrayList<>(groups.size());
            List<Document> held = new ArrayList<>(groups.size());
            for (var g : groups.entrySet()) {
                OrderCsv.Row first = g.getValue().get(0);
                String conflict = conflict(g.getKey(), first.seller, first.hub, g.getValue());
                if (conflict == null && spans.endsBy(g.getKey(), lastLine)) {
                    whole.add(wholeDocument(g.getKey(), g.getValue(), now));
                } else {
                    held.add(heldDocument(g.getKey(), g.getValue(), conflict, now));
                }
            }
            List<Document> all = new ArrayList<>(singles.size() + whole.size() + held.size());
            all.addAll(singles);
            all.addAll(whole);
            all.addAll(held);
            Set<Object> existing = orders.insertAll(all);
            inserted += all.size() - existing.size();
            List<CompletableFuture<Void>> sends = new ArrayList<>();
            long validAtOnce = singles.size();
            // A single order that exists was written by an earlier run of this file (its id is the line's).
            wholeOrders += singles.size();
            for (Document d : singles) {
                if (!existing.contains(d.get(OrderDocuments.ID))) {
                    sends.add(publishCreated(d));
                }
            }
            List<String> startingHere = new ArrayList<>();
            for (Document d : whole) {
                String id = d.getString(OrderDocuments.ID);
                List<OrderCsv.Row> group = groups.get(d.getString(OrderDocuments.ORDER_ID));
                if (!existing.contains(id)) {
                    wholeOrders++;
                    validAtOnce += group.size();
                    sends.add(publishCreated(d));
                } else if (merge(d, group, errors, now, firstLine, lastLine)) {
                    startingHere.add(id); // an earlier run's, or the end of an order held since an earlier batch
                }
            }
            // Each held order is noted in the batch of its first row, so the end of the file meets it once.
            for (Document d : held) {
                String id = d.getString(OrderDocuments.ID);
                if (!existing.contains(id)
                        || merge(d, groups.get(d.getString(OrderDocuments.ORDER_ID)), errors, now, firstLine, lastLine)) {
                    startingHere.add(id);
                }
            }
            if (!startingHere.isEmpty()) {
                orders.noteHeld(uploadId, batches, startingHere);
                notedBatches.add(batches);
            }
            batches++;
            // The broker acknowledges this batch's events while the next one is read and written; at
            // most two batches' events are ever in flight.
            awaitQuietly(sending);
            sending = sends;
            jobs.progress(uploadId, owner, new Counters(total, valid, invalid, inserted));
            // Rows of held orders count as valid only at the end of the file, when they are accepted.
            countRows(validAtOnce, invalid - invalidBefore);
        }

        private CompletableFuture<Void> publishCreated(Document order) {
            List<PendingEvent> events = order.getList(OrderDocuments.PENDING_EVENTS, Document.class, List.of()).stream()
                    .map(PendingEvent::fromDocument).toList();
            return outbox.publish(orders.collection(), order.get(OrderDocuments.ID), events);
        }

        /**
         * A held order that exists already: a continuation further down, a reprocessed file, or
         * another order of the tenant. Answers whether it is this upload's order and its first row
         * lies in this batch (lines {@code firstLine..lastLine}).
         */
        private boolean merge(Document incoming, List<OrderCsv.Row> rows, ErrorFile errors, Instant now,
                              long firstLine, long lastLine) {
            Document existing = orders.find(incoming.get(OrderDocuments.ID));
            if (existing == null) {
                return orders.insertAll(List.of(incoming)).isEmpty();
            }
            Document source = sourceIfOurs(existing);
            if (source == null) {
                for (OrderCsv.Row r : rows) {
                    errors.add(r.raw, "line " + r.line + ": order_id " + r.orderId + " already exists for this tenant");
                }
                valid -= rows.size();
                invalid += rows.size();
                return false;
            }
            long start = ((Number) source.get("row")).longValue();
            boolean startsHere = start >= firstLine && start <= lastLine;
            if (!Boolean.TRUE.equals(existing.getBoolean(Outbox.HOLD))) {
                return startsHere; // released by an earlier run of this file: complete already
            }
            List<Document> heldRows = new ArrayList<>(existing.getList(OrderStore.HELD_ROWS, Document.class, List.of()));
            Set<Long> present = new HashSet<>();
            heldRows.forEach(h -> present.add(((Number) h.get("row")).longValue()));
            List<OrderCsv.Row> fresh = rows.stream().filter(r -> !present.contains(r.line)).toList();
            if (fresh.isEmpty()) {
                return startsHere; // this batch was written by an earlier run of this file
            }
            fresh.forEach(r -> heldRows.add(new Document("row", r.line).append("raw", r.raw)));
            existing.put(OrderStore.HELD_ROWS, heldRows);
            UUID seller = UUID.fromString(existing.getString(OrderDocuments.SELLER_ID));
            UUID hub = UUID.fromString(existing.getString(OrderDocuments.HUB_ID));
            String conflict = existing.getString(OrderStore.CONFLICT);
            if (conflict == null) {
                conflict = conflict(rows.get(0).orderId, seller, hub, fresh);
            }
            if (conflict != null) {
                existing.put(OrderStore.CONFLICT, conflict);
            } else {
                List<Order.Item> items = new ArrayList<>(OrderDocuments.fromDocument(existing).items());
                fresh.forEach(r -> items.add(new Order.Item(r.sku, r.quantity, r.price)));
                Order prior = OrderDocuments.fromDocument(existing);
                Order merged = new Order(prior.orderId(), tenant, seller, hub, items, Order.totalOf(items), OrderStatus.on_hold,
                        null, null, prior.source(), prior.createdAt(), now);
                Document replacement = OrderDocuments.toDocument(merged, List.of(created(merged)));
                replacement.append(Outbox.HOLD, true).append(OrderStore.HELD_ROWS, heldRows);
                existing = replacement;
            }
            orders.replace(existing);
            return startsHere;
        }

        /**
         * Settles the held orders in file order, by primary key and a thousand at a time (only the
         * batches that noted some are read): those whose rows disagree go to the
         * error file and are deleted, the others are released and announced now rather than at the
         * relay's pace (what is not acknowledged stays for the relay). Orders released by an earlier
         * run of this file are counted and their leftover events sent.
         */
        private void finish(ErrorFile errors) {
            awaitQuietly(sending);
            long created = wholeOrders;
            long invalidBefore = invalid;
            // A few round trips per many notes and orders, not up to four per batch: on a loaded server
            // a million-row file's thousand batches took a minute to settle one by one.
            List<String> ids = new ArrayList<>();
            for (int n = 0; n < notedBatches.size(); n += NOTES_PER_READ) {
                ids.addAll(orders.heldIn(uploadId, notedBatches.subList(n, Math.min(notedBatches.size(), n + NOTES_PER_READ))));
                boolean lastNotes = n + NOTES_PER_READ >= notedBatches.size();
                while (ids.size() >= SETTLE_CHUNK || (lastNotes && !ids.isEmpty())) {
                    List<String> chunk = ids.subList(0, Math.min(ids.size(), SETTLE_CHUNK));
                    created += settle(List.copyOf(chunk), errors);
                    chunk.clear();
                }
            }
            countRows(valid - validCounted, invalid - invalidBefore);
            String errorKey = errors.finish();
            orders.forgetHeld(uploadId);
            jobs.complete(uploadId, owner, new Counters(total, valid, invalid, created), errorKey);
        }

        /** Settles these held orders (in file order) and answers how many of them were created. */
        private long settle(List<String> ids, ErrorFile errors) {
            long created = 0;
            List<Object> rejected = new ArrayList<>();
            List<Object> released = new ArrayList<>();
            List<Document> announce = new ArrayList<>();
            Map<Object, Document> found = orders.findAll(ids);
            for (String id : ids) { // in file order, so the error file lists rejected rows as they came
                Document d = found.get(id);
                if (d == null || sourceIfOurs(d) == null) {
                    continue;
                }
                boolean held = Boolean.TRUE.equals(d.getBoolean(Outbox.HOLD));
                String reason = d.getString(OrderStore.CONFLICT);
                if (held && reason != null) {
                    for (Document h : d.getList(OrderStore.HELD_ROWS, Document.class, List.of())) {
                        errors.add(h.getList("raw", String.class), "line " + h.get("row") + ": " + reason);
                        valid--;
                        invalid++;
                    }
                    rejected.add(d.get(OrderDocuments.ID));
                    continue;
                }
                created++;
                if (held) {
                    released.add(d.get(OrderDocuments.ID));
                }
                announce.add(d);
            }
            orders.settle(rejected, released);
            awaitQuietly(announce.stream().map(this::publishCreated).toList());
            return created;
        }

        /** The order's source when it is an order of this upload, else null (another upload's, or the API's). */
        private Document sourceIfOurs(Document order) {
            Document source = order.get(OrderDocuments.SOURCE, Document.class);
            return source != null && uploadId.equals(source.getString("upload_id")) ? source : null;
        }

        private void countRows(long validRows, long invalidRows) {
            validCounted += validRows;
            metrics.counter("ordermesh.csv.rows", "result", "valid").increment(validRows);
            metrics.counter("ordermesh.csv.rows", "result", "invalid").increment(invalidRows);
        }

        /** An order complete with its order.created, announced as soon as it is written. */
        private Document wholeDocument(String orderId, List<OrderCsv.Row> rows, Instant now) {
            Order order = order(orderId, rows, now);
            return OrderDocuments.toDocument(order, List.of(created(order)));
        }

        /** {@code conflict}: why its rows will be rejected at the end of the file, or null. */
        private Document heldDocument(String orderId, List<OrderCsv.Row> rows, String conflict, Instant now) {
            Document d = wholeDocument(orderId, rows, now);
            d.append(Outbox.HOLD, true);
            d.append(OrderStore.HELD_ROWS, rows.stream().map(r -> new Document("row", r.line).append("raw", r.raw)).toList());
            if (conflict != null) {
                d.append(OrderStore.CONFLICT, conflict);
            }
            return d;
        }

        private Order order(String orderId, List<OrderCsv.Row> rows, Instant now) {
            OrderCsv.Row first = rows.get(0);
            List<Order.Item> items = rows.stream().map(r -> new Order.Item(r.sku, r.quantity, r.price)).toList();
            BigDecimal total = Order.totalOf(items);
            return new Order(orderId, tenant, first.seller, first.hub, items, total, OrderStatus.on_hold, null, null,
                    Order.Source.csv(uploadId, first.line), now, now);
        }

        private PendingEvent created(Order order) {
            return OrderEvent.created(order, order.updatedAt()).pending(topics.orderCreated(), json);
        }
    }

    private static String conflict(String orderId, UUID seller, UUID hub, List<OrderCsv.Row> rows) {
        for (OrderCsv.Row r : rows) {
            if (!r.seller.equals(seller) || !r.hub.equals(hub)) {
                return "the rows of order " + orderId + " disagree on seller_id or hub_id, so none of them was accepted";
            }
        }
        return null;
    }

    private static void awaitQuietly(List<CompletableFuture<Void>> sends) {
        try {
            CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            // Unsent events stay in their documents; the relay sends them.
            LOG.debugf("not every order.created was acknowledged yet (%s); the relay will send the rest", e.toString());
        }
    }
}
