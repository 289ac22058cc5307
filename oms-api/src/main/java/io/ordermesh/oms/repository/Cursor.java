package io.ordermesh.oms.repository;

import com.mongodb.client.model.Filters;
import io.ordermesh.common.problem.ProblemException;
import org.bson.Document;
import org.bson.conversions.Bson;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Date;

/**
 * Opaque keyset cursor over (created_at desc, _id desc): the position after the last item of a
 * page. Stable under inserts, unlike offsets.
 */
public record Cursor(long createdAtMillis, String id) {

    public static Cursor after(Document last) {
        return new Cursor(last.getDate("created_at").getTime(), last.get("_id").toString());
    }

    public String encode() {
        return Base64.getUrlEncoder().withoutPadding()
                .encodeToString((createdAtMillis + "|" + id).getBytes(StandardCharsets.UTF_8));
    }

    public static Cursor decode(String s) {
        try {
            String raw = new String(Base64.getUrlDecoder().decode(s), StandardCharsets.UTF_8);
            int bar = raw.indexOf('|');
            return new Cursor(Long.parseLong(raw.substring(0, bar)), raw.substring(bar + 1));
        } catch (RuntimeException e) {
            throw ProblemException.badRequest("cursor is not one this API handed out");
        }
    }

    public Bson filter() {
        Date at = new Date(createdAtMillis);
        return Filters.or(Filters.lt("created_at", at), Filters.and(Filters.eq("created_at", at), Filters.lt("_id", id)));
    }
}
