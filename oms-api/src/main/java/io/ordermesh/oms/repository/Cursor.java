package io.ordermesh.oms.repository;

import com.mongodb.client.model.Filters;
import io.ordermesh.common.paging.Page;
import io.ordermesh.common.problem.ProblemException;
import org.bson.Document;
import org.bson.conversions.Bson;

import java.util.Date;

/**
 * Keyset position over (created_at desc, _id desc): the position after the last item of a page.
 * Stable under inserts, unlike offsets. The opaque cursor around it is {@link Page}'s.
 */
public record Cursor(long createdAtMillis, String id) {

    public static Cursor after(Document last) {
        return new Cursor(last.getDate("created_at").getTime(), last.get("_id").toString());
    }

    /** The position {@link Page#of} puts into the next cursor. */
    public static String position(Document last) {
        Cursor c = after(last);
        return c.createdAtMillis + "|" + c.id;
    }

    /** The position inside a client's cursor; null for none; 400 for one this API did not hand out. */
    public static Cursor decode(String cursor) {
        String raw = Page.decode(cursor);
        if (raw == null) {
            return null;
        }
        try {
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
