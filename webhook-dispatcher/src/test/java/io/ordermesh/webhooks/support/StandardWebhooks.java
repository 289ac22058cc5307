package io.ordermesh.webhooks.support;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;

/**
 * A receiver's check of a Standard Webhooks signature, written from the spec
 * (https://www.standardwebhooks.com): signed content {@code msg_id.timestamp.body}, HMAC-SHA256 with
 * the base64-decoded part of the secret after {@code whsec_}, header = space-separated
 * {@code v1,<base64>} entries of which any one may match. Deliberately independent of the
 * production signer.
 */
public final class StandardWebhooks {

    private StandardWebhooks() {
    }

    public static boolean verifies(String secret, String msgId, String timestamp, String body, String signatureHeader) {
        if (signatureHeader == null) {
            return false;
        }
        byte[] expected = hmac(secret, msgId + "." + timestamp + "." + body);
        for (String part : signatureHeader.split(" ")) {
            int comma = part.indexOf(',');
            if (comma < 0 || !part.substring(0, comma).equals("v1")) {
                continue;
            }
            byte[] given;
            try {
                given = Base64.getDecoder().decode(part.substring(comma + 1));
            } catch (IllegalArgumentException e) {
                continue;
            }
            if (MessageDigest.isEqual(expected, given)) {
                return true;
            }
        }
        return false;
    }

    private static byte[] hmac(String secret, String content) {
        try {
            byte[] key = Base64.getDecoder().decode(secret.substring("whsec_".length()));
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(content.getBytes(StandardCharsets.UTF_8));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public static String newSecret() {
        byte[] key = new byte[24];
        new java.security.SecureRandom().nextBytes(key);
        return "whsec_" + Base64.getEncoder().encodeToString(key);
    }
}
