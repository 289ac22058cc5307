package io.ordermesh.ims.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ordermesh.ims.config.ImsConfig;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Read-through Redis cache of catalogue entries (keys in {@code CatalogueCacheKeys}, shared with the
 * services that validate orders). Reads and writes are pipelined: one round trip for a whole batch.
 * Redis being unavailable slows lookups down to the database; it never fails them.
 */
@ApplicationScoped
public class CatalogueCache {

    private static final Logger LOG = Logger.getLogger(CatalogueCache.class);

    private final Redis redis;
    private final ObjectMapper json;
    private final long ttlSeconds;

    CatalogueCache(Redis redis, ObjectMapper json, ImsConfig config) {
        this.redis = redis;
        this.json = json;
        this.ttlSeconds = config.cache().ttl().toSeconds();
    }

    /**
     * The values for {@code ids}: cached ones from Redis, the rest from {@code loader} (one call for
     * all misses), which are then cached. Ids the loader does not know are absent from the answer.
     */
    public <K, T> Map<K, T> readThrough(Collection<K> ids, Function<K, String> key, Class<T> type,
                                        Function<Collection<K>, Map<K, T>> loader) {
        List<K> wanted = ids.stream().distinct().toList();
        Map<K, T> found = new LinkedHashMap<>();
        if (wanted.isEmpty()) {
            return found;
        }
        List<K> misses = new ArrayList<>();
        try {
            Request mget = Request.cmd(Command.MGET);
            wanted.forEach(id -> mget.arg(key.apply(id)));
            Response values = redis.sendAndAwait(mget);
            for (int i = 0; i < wanted.size(); i++) {
                Response v = values.get(i);
                if (v == null) {
                    misses.add(wanted.get(i));
                } else {
                    found.put(wanted.get(i), json.readValue(v.toString(), type));
                }
            }
        } catch (RuntimeException | JsonProcessingException e) {
            LOG.warnf("catalogue cache read failed, reading the database: %s", e.getMessage());
            found.clear();
            misses = wanted;
        }
        if (!misses.isEmpty()) {
            Map<K, T> loaded = loader.apply(misses);
            found.putAll(loaded);
            write(loaded, key);
        }
        return found;
    }

    private <K, T> void write(Map<K, T> values, Function<K, String> key) {
        if (values.isEmpty()) {
            return;
        }
        try {
            List<Request> batch = new ArrayList<>(values.size());
            for (var e : values.entrySet()) {
                batch.add(Request.cmd(Command.SETEX).arg(key.apply(e.getKey())).arg(ttlSeconds)
                        .arg(json.writeValueAsString(e.getValue())));
            }
            redis.batchAndAwait(batch);
        } catch (RuntimeException | JsonProcessingException e) {
            LOG.warnf("catalogue cache write failed: %s", e.getMessage());
        }
    }

    /** Removes entries after a change; failures are logged, the TTL bounds how stale a survivor gets. */
    public void evict(Collection<String> keys) {
        if (keys.isEmpty()) {
            return;
        }
        try {
            Request del = Request.cmd(Command.DEL);
            keys.forEach(del::arg);
            redis.sendAndAwait(del);
        } catch (RuntimeException e) {
            LOG.warnf("catalogue cache eviction of %s failed: %s", keys, e.getMessage());
        }
    }

}
