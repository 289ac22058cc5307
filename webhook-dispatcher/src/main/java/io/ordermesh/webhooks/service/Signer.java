package io.ordermesh.webhooks.service;

import io.ordermesh.common.webhooks.WebhookDocuments;
import org.bson.Document;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;

/**
 * Standard Webhooks signatures: {@code v1,} + base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}"))
 * where the key is the base64 after {@code whsec_}. While a rotated-out secret has not expired,
 * both signatures are sent, space-separated, so a receiver holding either verifies.
 */
public final class Signer {

    private static final String PREFIX = "whsec_";

    private Signer() {
    }

    public static String signatureHeader(Document subscription, String msgId, long timestamp, String body, Instant now) {
        String header = sign(subscription.getString(WebhookDocuments.SECRET), msgId, timestamp, body);
        String previous = subscription.getString(WebhookDocuments.PREVIOUS_SECRET);
        Date expires = subscription.getDate(WebhookDocuments.PREVIOUS_SECRET_EXPIRES_AT);
        if (previous != null && expires != null && expires.toInstant().isAfter(now)) {
            header = header + " " + sign(previous, msgId, timestamp, body);
        }
        return header;
    }

    public static String sign(String secret, String msgId, long timestamp, String body) {
        String encoded = secret.startsWith(PREFIX) ? secret.substring(PREFIX.length()) : secret;
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(Base64.getDecoder().decode(encoded), "HmacSHA256"));
            byte[] digest = mac.doFinal((msgId + "." + timestamp + "." + body).getBytes(StandardCharsets.UTF_8));
            return "v1," + Base64.getEncoder().encodeToString(digest);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }
}
