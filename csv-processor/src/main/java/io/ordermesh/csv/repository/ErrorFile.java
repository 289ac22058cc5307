package io.ordermesh.csv.repository;

import de.siegmar.fastcsv.writer.CsvWriter;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The error CSV of one upload, streamed to S3 as a multipart upload: at most one part is held in
 * memory. Nothing is created until the first invalid row. Cells that a spreadsheet would run as a
 * formula are neutralised with a leading apostrophe.
 */
public final class ErrorFile implements AutoCloseable {

    private final S3Client s3;
    private final String bucket;
    private final String key;
    private final int partBytes;
    private final List<String> header;
    private PartStream parts;
    private CsvWriter csv;
    private long rows;

    public ErrorFile(S3Client s3, String bucket, String key, int partBytes, List<String> header) {
        this.s3 = s3;
        this.bucket = bucket;
        this.key = key;
        this.partBytes = partBytes;
        this.header = header;
    }

    /** The row as uploaded plus the reason. */
    public void add(List<String> raw, String reason) {
        if (csv == null) {
            parts = new PartStream();
            csv = CsvWriter.builder().build(new OutputStreamWriter(parts, StandardCharsets.UTF_8));
            List<String> head = new ArrayList<>(header);
            head.add("error");
            csv.writeRecord(head);
        }
        List<String> cells = new ArrayList<>(raw.size() + 1);
        raw.forEach(c -> cells.add(neutralise(c)));
        cells.add(neutralise(reason));
        csv.writeRecord(cells);
        rows++;
    }

    public long rows() {
        return rows;
    }

    /** Completes the object; answers its key, or null when there was no invalid row. */
    public String finish() {
        if (csv == null) {
            return null;
        }
        try {
            csv.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        parts.complete();
        csv = null;
        return key;
    }

    /** Drops a half-written file (the run failed; the next one writes it again). */
    @Override
    public void close() {
        if (parts != null && !parts.completed) {
            parts.abort();
        }
    }

    static String neutralise(String cell) {
        if (cell == null || cell.isEmpty()) {
            return cell;
        }
        char c = cell.charAt(0);
        return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r' ? "'" + cell : cell;
    }

    /** Buffers one part and uploads it when full; the multipart upload starts with the first part. */
    private final class PartStream extends OutputStream {
        private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        private final List<CompletedPart> done = new ArrayList<>();
        private String uploadId;
        private boolean completed;

        @Override
        public void write(int b) {
            buffer.write(b);
            maybeFlushPart();
        }

        @Override
        public void write(byte[] b, int off, int len) {
            buffer.write(b, off, len);
            maybeFlushPart();
        }

        private void maybeFlushPart() {
            if (buffer.size() >= partBytes) {
                uploadPart();
            }
        }

        private void uploadPart() {
            if (uploadId == null) {
                uploadId = s3.createMultipartUpload(b -> b.bucket(bucket).key(key).contentType("text/csv; charset=utf-8")).uploadId();
            }
            int number = done.size() + 1;
            String etag = s3.uploadPart(b -> b.bucket(bucket).key(key).uploadId(uploadId).partNumber(number),
                    RequestBody.fromBytes(buffer.toByteArray())).eTag();
            done.add(CompletedPart.builder().partNumber(number).eTag(etag).build());
            buffer.reset();
        }

        void complete() {
            if (uploadId == null) {
                // Small enough for one request.
                s3.putObject(b -> b.bucket(bucket).key(key).contentType("text/csv; charset=utf-8"),
                        RequestBody.fromBytes(buffer.toByteArray()));
            } else {
                if (buffer.size() > 0) {
                    uploadPart();
                }
                s3.completeMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId)
                        .multipartUpload(m -> m.parts(done)));
            }
            completed = true;
        }

        void abort() {
            if (uploadId != null) {
                try {
                    s3.abortMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId));
                } catch (RuntimeException ignored) {
                    // S3 expires abandoned multipart uploads by lifecycle rule; nothing else to do.
                }
            }
        }
    }
}
