package io.ordermesh.csv.repository;

import org.jboss.logging.Logger;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

import java.io.IOException;
import java.io.InputStream;

/**
 * An S3 object read as one stream, to its last byte. A long file is read slowly (the reader waits
 * for MongoDB and IMS between batches), and servers close idle responses: the client then sees an
 * early end of stream, which would silently cut the file short. This stream knows the object's
 * length and ETag; when the body ends early or breaks, it asks again from where it stopped (a
 * {@code Range} request, pinned to the same ETag so a replaced object is not mixed in).
 */
public final class ResumableObjectStream extends InputStream {

    private static final Logger LOG = Logger.getLogger(ResumableObjectStream.class);
    private static final int MAX_RESUMES = 20;

    private final S3Client s3;
    private final String bucket;
    private final String key;
    private final long length;
    private final String etag;
    private ResponseInputStream<GetObjectResponse> body;
    private long position;
    private int resumes;

    /**
     * The object as it was when another stream read it ({@code etag} of that stream; null for
     * whatever is stored now): a replaced object fails with a precondition error instead of being read.
     */
    public ResumableObjectStream(S3Client s3, String bucket, String key, String etag) {
        this.s3 = s3;
        this.bucket = bucket;
        this.key = key;
        this.body = s3.getObject(b -> b.bucket(bucket).key(key).ifMatch(etag));
        this.length = body.response().contentLength();
        this.etag = body.response().eTag();
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n == -1 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        while (true) {
            if (position >= length) {
                return -1;
            }
            try {
                int n = body.read(b, off, len);
                if (n > 0) {
                    position += n;
                    return n;
                }
                resume(null);
            } catch (IOException e) {
                resume(e);
            }
        }
    }

    private void resume(IOException cause) throws IOException {
        if (++resumes > MAX_RESUMES) {
            throw new IOException("s3://" + bucket + "/" + key + " ended at byte " + position + " of " + length
                    + " and could not be resumed", cause);
        }
        LOG.infof("s3://%s/%s ended early at byte %d of %d (%s); resuming", bucket, key, position, length,
                cause == null ? "end of stream" : cause.toString());
        closeQuietly();
        long from = position;
        body = s3.getObject(r -> r.bucket(bucket).key(key).range("bytes=" + from + "-").ifMatch(etag));
    }

    public String etag() {
        return etag;
    }

    public long length() {
        return length;
    }

    @Override
    public void close() {
        closeQuietly();
    }

    private void closeQuietly() {
        try {
            body.abort();
            body.close();
        } catch (IOException | RuntimeException ignored) {
            // the connection is discarded either way
        }
    }
}
