package io.ordermesh.oms.service;

import io.ordermesh.common.config.BulkStorage;
import io.ordermesh.common.problem.Problem;
import io.ordermesh.common.problem.ProblemException;
import io.ordermesh.common.uploads.UploadDocuments;
import io.ordermesh.common.uploads.UploadMessage;
import io.ordermesh.oms.client.Catalogue;
import io.ordermesh.oms.config.OmsConfig;
import io.ordermesh.oms.messaging.UploadQueue;
import io.ordermesh.oms.repository.UploadRepository;
import io.quarkus.scheduler.Scheduled;
import jakarta.inject.Singleton;
import org.bson.Document;
import org.jboss.logging.Logger;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Bulk uploads: checks the file is a CSV with the required header, stores it in S3 under the
 * tenant's prefix (streamed from the request's temporary file, never held in memory), records the
 * job as {@code queued} and announces it on SQS. The job is written before the message is sent,
 * so a failed send is retried by {@link #relayUnsentMessages} and the upload is never lost.
 */
@Singleton
public class UploadService {

    private static final Logger LOG = Logger.getLogger(UploadService.class);
    public static final Set<String> REQUIRED_COLUMNS = Set.of("sku_id", "quantity", "seller_id", "hub_id", "price");
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssSSS'Z'").withZone(ZoneOffset.UTC);
    private static final Pattern ERROR_FILE = Pattern.compile("([0-9a-fA-F-]{36})(\\.csv)?");

    /** What the client sees of a job. */
    public record UploadView(String uploadId, String status, String statusUrl, String fileName, Long sizeBytes,
                             Long rowsTotal, Long rowsValid, Long rowsInvalid, Long ordersCreated, String errorFile,
                             String errorFileUrl, String failureReason, Instant createdAt, Instant startedAt,
                             Instant finishedAt) {
    }

    private final Catalogue catalogue;
    private final UploadRepository uploads;
    private final UploadQueue queue;
    private final S3Client s3;
    private final BulkStorage bulk;
    private final OmsConfig config;

    UploadService(Catalogue catalogue, UploadRepository uploads, UploadQueue queue, S3Client s3, BulkStorage bulk, OmsConfig config) {
        this.catalogue = catalogue;
        this.uploads = uploads;
        this.queue = queue;
        this.s3 = s3;
        this.bulk = bulk;
        this.config = config;
    }

    /** Stores an uploaded CSV (a temporary file of the request) and queues it. */
    public UploadView upload(String tenantHeader, Path file, String fileName, String contentType, long size) {
        UUID tenant = catalogue.requireTenant(tenantHeader);
        if (file == null) {
            throw ProblemException.unprocessable("the multipart part 'file' is required",
                    List.of(new Problem.FieldError("file", "is required")));
        }
        if (size > config.uploads().maxBytes()) {
            throw new ProblemException(Problem.of(413, "too-large", "File too large",
                    "the file has " + size + " bytes; at most " + config.uploads().maxBytes() + " are accepted"));
        }
        checkCsv(file, fileName, contentType, size);
        String uploadId = UUID.randomUUID().toString();
        String name = safeName(fileName);
        Instant now = Instant.now();
        String key = UploadDocuments.uploadKeyPrefix(tenant) + STAMP.format(now) + "_" + uploadId + "_" + name;
        try {
            s3.putObject(b -> b.bucket(bulk.bucket()).key(key).contentType("text/csv").contentLength(size)
                    .metadata(java.util.Map.of("tenant-id", tenant.toString(), "upload-id", uploadId)), RequestBody.fromFile(file));
        } catch (RuntimeException e) {
            LOG.warnf("storing upload %s in S3 failed: %s", key, e.toString());
            throw new ProblemException(Problem.of(503, "storage-unavailable", "Storage unavailable",
                    "the file could not be stored; nothing was queued; retry shortly"));
        }
        return queue(tenant, uploadId, bulk.bucket(), key, name, size, now);
    }

    /** Queues a CSV already stored under the tenant's own prefix. */
    public UploadView bulkOrder(String tenantHeader, String s3Path) {
        UUID tenant = catalogue.requireTenant(tenantHeader);
        if (s3Path == null || s3Path.isBlank()) {
            throw ProblemException.unprocessable("s3_path is required", List.of(new Problem.FieldError("s3_path", "is required")));
        }
        String bucket = bulk.bucket();
        String key = s3Path.trim();
        if (key.startsWith("s3://")) {
            String rest = key.substring(5);
            int slash = rest.indexOf('/');
            bucket = slash < 0 ? rest : rest.substring(0, slash);
            key = slash < 0 ? "" : rest.substring(slash + 1);
        }
        String prefix = UploadDocuments.uploadKeyPrefix(tenant);
        if (!bucket.equals(bulk.bucket()) || !key.startsWith(prefix) || key.contains("..") || key.length() == prefix.length()) {
            throw new ProblemException(Problem.of(403, "forbidden-path", "Forbidden",
                    "s3_path must name an object in bucket " + bulk.bucket() + " under " + prefix));
        }
        String k = key;
        long size = readS3("object", s3Path, () -> s3.headObject(b -> b.bucket(bulk.bucket()).key(k)).contentLength());
        if (size == 0) {
            throw ProblemException.unprocessable("the object is empty", List.of(new Problem.FieldError("s3_path", "names an empty object")));
        }
        String name = key.substring(key.lastIndexOf('/') + 1);
        return queue(tenant, UUID.randomUUID().toString(), bulk.bucket(), key, name, size, Instant.now());
    }

    private UploadView queue(UUID tenant, String uploadId, String bucket, String key, String name, long size, Instant now) {
        Document job = new Document(UploadDocuments.ID, uploadId)
                .append(UploadDocuments.TENANT_ID, tenant.toString())
                .append(UploadDocuments.STATUS, UploadDocuments.QUEUED)
                .append(UploadDocuments.FILE_NAME, name)
                .append(UploadDocuments.BUCKET, bucket)
                .append(UploadDocuments.KEY, key)
                .append(UploadDocuments.SIZE_BYTES, size)
                .append(UploadDocuments.CREATED_AT, Date.from(now))
                .append(UploadDocuments.MESSAGE_SENT_AT, null);
        uploads.insert(job);
        send(job);
        return view(job);
    }

    private boolean send(Document job) {
        String uploadId = job.getString(UploadDocuments.ID);
        try {
            queue.send(new UploadMessage(UUID.fromString(job.getString(UploadDocuments.TENANT_ID)), job.getString(UploadDocuments.BUCKET),
                    job.getString(UploadDocuments.KEY), uploadId));
            uploads.markMessageSent(uploadId, Instant.now());
            return true;
        } catch (RuntimeException e) {
            LOG.warnf("upload %s stored but not announced on SQS (%s); the relay will send it", uploadId, e.toString());
            return false;
        }
    }

    @Scheduled(every = "${ordermesh.oms.uploads.relay-every:5s}", delayed = "5s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    public void relayUnsentMessages() {
        try {
            for (Document job : uploads.unsent(Instant.now().minus(config.uploads().relayAfter()), 100)) {
                if (!send(job)) {
                    return; // SQS still away; next run.
                }
            }
        } catch (RuntimeException e) {
            LOG.warnf("upload relay failed, will retry: %s", e.toString());
        }
    }

    public UploadView status(String tenantHeader, String uploadId) {
        UUID tenant = catalogue.requireTenant(tenantHeader);
        return uploads.find(tenant, uploadId).map(UploadService::view).orElseThrow(() -> ProblemException.notFound("upload", uploadId));
    }

    /** The error CSV of one of the tenant's own uploads, as a stream to copy to the client. */
    public InputStream errorFile(String tenantHeader, String file) {
        UUID tenant = catalogue.requireTenant(tenantHeader);
        var m = ERROR_FILE.matcher(file);
        if (!m.matches()) {
            throw ProblemException.notFound("error file", file);
        }
        String uploadId = m.group(1).toLowerCase(Locale.ROOT);
        Document job = uploads.find(tenant, uploadId).orElseThrow(() -> ProblemException.notFound("error file", file));
        String key = job.getString(UploadDocuments.ERROR_KEY) != null ? job.getString(UploadDocuments.ERROR_KEY)
                : UploadDocuments.errorKey(tenant, uploadId);
        if (!key.startsWith("errors/" + tenant + "/")) {
            throw ProblemException.notFound("error file", file);
        }
        return readS3("error file", file, () -> s3.getObject(b -> b.bucket(job.getString(UploadDocuments.BUCKET)).key(key)));
    }

    /** One S3 read: a missing object is a 404 naming {@code what}, any other S3 error 503. */
    private static <T> T readS3(String what, Object id, java.util.function.Supplier<T> read) {
        try {
            return read.get();
        } catch (NoSuchKeyException e) {
            throw ProblemException.notFound(what, id);
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                throw ProblemException.notFound(what, id);
            }
            throw new ProblemException(Problem.of(503, "storage-unavailable", "Storage unavailable", "S3 answered " + e.statusCode()));
        }
    }

    static UploadView view(Document d) {
        String id = d.getString(UploadDocuments.ID);
        boolean hasErrors = d.getString(UploadDocuments.ERROR_KEY) != null;
        return new UploadView(id, d.getString(UploadDocuments.STATUS), "/orders/uploads/" + id, d.getString(UploadDocuments.FILE_NAME),
                number(d.get(UploadDocuments.SIZE_BYTES)), number(d.get(UploadDocuments.ROWS_TOTAL)),
                number(d.get(UploadDocuments.ROWS_VALID)), number(d.get(UploadDocuments.ROWS_INVALID)),
                number(d.get(UploadDocuments.ORDERS_CREATED)), hasErrors ? id + ".csv" : null,
                hasErrors ? "/orders/errors/" + id + ".csv" : null, d.getString(UploadDocuments.FAILURE_REASON),
                instant(d.getDate(UploadDocuments.CREATED_AT)), instant(d.getDate(UploadDocuments.STARTED_AT)),
                instant(d.getDate(UploadDocuments.FINISHED_AT)));
    }

    private static Long number(Object o) {
        return o instanceof Number n ? n.longValue() : null;
    }

    private static Instant instant(Date d) {
        return d == null ? null : d.toInstant();
    }

    /**
     * Cheap checks before anything is stored: not empty, text (UTF-8, no NUL bytes) in the first
     * 64 KiB, a .csv name or a CSV/text content type, and a header naming the required columns.
     * The row-level checks are csv-processor's.
     */
    static void checkCsv(Path file, String fileName, String contentType, long size) {
        if (size == 0) {
            throw ProblemException.unprocessable("the file is empty", List.of(new Problem.FieldError("file", "is empty")));
        }
        String ct = contentType == null ? "" : contentType.toLowerCase(Locale.ROOT);
        boolean csvName = fileName != null && fileName.toLowerCase(Locale.ROOT).endsWith(".csv");
        boolean csvType = ct.startsWith("text/csv") || ct.startsWith("application/csv") || ct.startsWith("application/vnd.ms-excel");
        if (!csvName && !csvType) {
            throw notCsv("must be a .csv file (text/csv)");
        }
        byte[] head = new byte[64 * 1024];
        int n;
        try (InputStream in = Files.newInputStream(file)) {
            n = in.readNBytes(head, 0, head.length);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        for (int i = 0; i < n; i++) {
            if (head[i] == 0) {
                throw notCsv("is binary, not a CSV text file");
            }
        }
        String text;
        try {
            // A multi-byte character cut at the end of the sample is fine; invalid UTF-8 is not.
            int end = n;
            while (end > 0 && n == head.length && (head[end - 1] & 0xC0) == 0x80) {
                end--;
            }
            if (end > 0 && n == head.length && (head[end - 1] & 0xC0) == 0xC0) {
                end--;
            }
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(head, 0, end)).toString();
        } catch (CharacterCodingException e) {
            throw notCsv("is not UTF-8 text");
        }
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1);
        }
        int eol = text.indexOf('\n');
        if (eol < 0 && n == head.length) {
            throw notCsv("has no header line in its first 64 KiB");
        }
        String header = (eol < 0 ? text : text.substring(0, eol)).replace("\r", "");
        Set<String> columns = Arrays.stream(header.split(",", -1))
                .map(c -> c.trim().replace("\"", "").toLowerCase(Locale.ROOT)).collect(Collectors.toSet());
        List<String> missing = REQUIRED_COLUMNS.stream().filter(c -> !columns.contains(c)).sorted().toList();
        if (!missing.isEmpty()) {
            throw ProblemException.unprocessable("the header row lacks the required column(s) " + String.join(", ", missing),
                    List.of(new Problem.FieldError("file", "header must name order_id (optional), sku_id, quantity, seller_id, hub_id, price; missing "
                            + String.join(", ", missing))));
        }
    }

    private static ProblemException notCsv(String why) {
        return new ProblemException(Problem.of(415, "not-csv", "Not a CSV file", "the uploaded file " + why)
                .withErrors(List.of(new Problem.FieldError("file", why))));
    }

    /** Keeps the key readable and safe: letters, digits, dot, dash, underscore. */
    static String safeName(String fileName) {
        String base = fileName == null ? "upload.csv" : fileName.substring(Math.max(fileName.lastIndexOf('/'), fileName.lastIndexOf('\\')) + 1);
        String safe = base.replaceAll("[^A-Za-z0-9._-]", "_");
        if (safe.isEmpty() || safe.startsWith(".")) {
            safe = "upload" + safe;
        }
        return safe.length() > 100 ? safe.substring(safe.length() - 100) : safe;
    }
}
