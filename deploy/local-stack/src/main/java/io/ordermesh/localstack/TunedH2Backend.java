package io.ordermesh.localstack;

import de.bwaldvogel.mongo.MongoCollection;
import de.bwaldvogel.mongo.MongoDatabase;
import de.bwaldvogel.mongo.backend.CollectionOptions;
import de.bwaldvogel.mongo.backend.CursorRegistry;
import de.bwaldvogel.mongo.backend.EmptyIndex;
import de.bwaldvogel.mongo.backend.Index;
import de.bwaldvogel.mongo.backend.IndexKey;
import de.bwaldvogel.mongo.backend.KeyValue;
import de.bwaldvogel.mongo.backend.Missing;
import de.bwaldvogel.mongo.backend.QueryResult;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.backend.h2.H2Collection;
import de.bwaldvogel.mongo.backend.h2.H2Database;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.bson.ObjectId;
import de.bwaldvogel.mongo.exception.KeyConstraintError;
import de.bwaldvogel.mongo.wire.bson.BsonDecoder;
import de.bwaldvogel.mongo.wire.bson.BsonEncoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.WriteBuffer;
import org.h2.mvstore.type.BasicDataType;
import org.h2.mvstore.type.ObjectDataType;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.ConcurrentModificationException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * mongo-java-server's H2 backend made cheaper where the suite's load spends its time: three ways a
 * store is marked with when it is created (a B-tree must be read as it was written), and two that
 * change nothing stored.
 *
 * <p><b>Comparable index keys.</b> The stock backend keys those indexes by {@link KeyValue}, which
 * is not {@link Comparable}, so H2 compares two keys by Java-serialising both: a B-tree search of a
 * 100,000-entry index serialises about 34 objects. Here keys are ordered by their leading string
 * values as strings, then by hash code, and only by their bytes to break a tie of hashes. Equal
 * keys have equal strings, hashes and bytes, so lookups and uniqueness are the same. The suite's
 * keys are strings ({@code tenant/order} ids, tenant and order ids), so the keys of orders written
 * one after another sit side by side, as the documents themselves do in their map: a batch of
 * inserts changes a few pages of each index. Ordered by hash first (stores marked so keep that
 * order) each key went to a page of its own anywhere in the index, and every commit rewrote each
 * of those pages whole.
 *
 * <p><b>BSON instead of Java serialisation.</b> The stock backend Java-serialises every document,
 * index key and index position into H2's pages; under a million-row upload that (a changed page is
 * written whole, a page read from disk is decoded whole) and its garbage took the largest share of
 * the server's time. Here they are written with the server's own BSON codec, which round-trips
 * every value a client can send.
 *
 * <p><b>No entries for a unique index the primary key implies.</b> A unique index whose keys include
 * {@code _id} can never be violated ({@code _id} is unique already), yet the stock backend keeps its
 * entries and computes, looks up and rewrites them on every insert and update. The suite has two
 * ({@code {_id, status}} on orders, {@code {_id, version}} on retry entries) only because the stock
 * server serves a filter from an index of exactly its fields. Here such an index keeps no entries.
 *
 * <p><b>Lookups by key.</b> A filter with an {@code _id} value among other fields, and
 * {@code {_id: {$in: [...]}}}, are served by the primary key ({@link TunedCollection}).
 *
 * <p><b>Updates skip what they do not change.</b> An update that leaves an index's fields as they
 * were leaves the index alone without computing its keys ({@link SkippingUnchangedKeys}), and no
 * collection keeps the stock count of its data size (the size {@code collStats} reports, which
 * nothing of the suite reads): it encoded each inserted document, and each updated one twice, only
 * to count its bytes.
 *
 * <p>A store written before any of this existed (unmarked, not empty) is opened with the stock
 * backend; one marked with the hash order keeps that order, and without the BSON encoding Java
 * serialisation; one marked without the implied indexes keeps their entries.
 */
final class TunedH2Backend extends H2Backend {

    static final String MARKER_MAP = "ordermesh.index-key-order";
    private static final String ID = "_id";
    static final String ORDER = "order";
    static final String HASH_ORDER = "hash-then-serialised";
    static final String STRINGS_ORDER = "strings-then-hash-then-bytes";
    private static final String ENCODING = "encoding";
    private static final String BSON = "bson";
    static final String IMPLIED_INDEXES = "unique-indexes-with-_id";
    private static final String NOT_STORED = "not-stored";

    private TunedH2Backend(MVStore store) {
        super(store);
    }

    /** The backend for this store: tuned as the store was created (a new store gets everything). */
    static H2Backend open(MVStore store) {
        boolean fresh = store.getMapNames().isEmpty();
        MVMap<String, String> marker = store.openMap(MARKER_MAP);
        if (fresh) {
            marker.put(ORDER, STRINGS_ORDER);
            marker.put(ENCODING, BSON);
            marker.put(IMPLIED_INDEXES, NOT_STORED);
            store.commit();
        }
        String order = marker.get(ORDER);
        return HASH_ORDER.equals(order) || STRINGS_ORDER.equals(order) ? new TunedH2Backend(store) : new H2Backend(store);
    }

    /** Read from the store, not a field: the super constructor opens the existing databases before fields are set. */
    private static boolean bson(MVStore store) {
        return BSON.equals(store.<String, String>openMap(MARKER_MAP).get(ENCODING));
    }

    private static boolean stringsInOrder(MVStore store) {
        return STRINGS_ORDER.equals(store.<String, String>openMap(MARKER_MAP).get(ORDER));
    }

    private static boolean impliedIndexesNotStored(MVStore store) {
        return NOT_STORED.equals(store.<String, String>openMap(MARKER_MAP).get(IMPLIED_INDEXES));
    }

    @Override
    protected MongoDatabase openOrCreateDatabase(String databaseName) {
        return new Database(databaseName, getMvStore(), getCursorRegistry());
    }

    /** Inner, not static: the super constructor already opens collections and indexes, before a field of its own could be set. */
    private final class Database extends H2Database {

        Database(String name, MVStore store, CursorRegistry cursors) {
            super(name, store, cursors);
        }

        // Each map is opened here first with its types; the stock method then gets the open map by its name.

        @Override
        protected Index<Object> openOrCreateUniqueIndex(String collectionName, String indexName, List<IndexKey> keys, boolean sparse) {
            if (!sparse && keys.size() > 1 && keys.stream().anyMatch(k -> ID.equals(k.getKey())) && impliedIndexesNotStored(getMvStore())) {
                return new ImpliedUniqueIndex(indexName, keys);
            }
            String name = getFullCollectionNamespace(collectionName) + "._index_" + indexName;
            if (bson(getMvStore())) {
                getMvStore().openMap(name, new MVMap.Builder<KeyValue, Object>()
                        .keyType(new BsonKeyType(stringsInOrder(getMvStore()))).valueType(new BsonValueType()));
            } else {
                getMvStore().openMap(name, new MVMap.Builder<KeyValue, Object>().keyType(new KeyType()));
            }
            Index<Object> index = super.openOrCreateUniqueIndex(collectionName, indexName, keys, sparse);
            return new SkippingUnchangedKeys(index, sparse);
        }

        @Override
        protected MongoCollection<Object> openOrCreateCollection(String collectionName, CollectionOptions options) {
            // The stock method's maps: "databases." + namespace (documents) and "meta." + namespace.
            String namespace = getFullCollectionNamespace(collectionName);
            MVStore store = getMvStore();
            MVMap<Object, Document> data = bson(store)
                    ? store.openMap("databases." + namespace, new MVMap.Builder<Object, Document>().valueType(new BsonDocumentType()))
                    : store.openMap("databases." + namespace);
            return new TunedCollection(this, collectionName, options, data, store.openMap("meta." + namespace),
                    TunedH2Backend.this.getCursorRegistry(), store);
        }
    }

    /**
     * A collection that serves a filter with an {@code _id} value by the primary key, keeps no count
     * of its data size (see the class comment), and whose scans hold on to the version of the store
     * they read. A scan walks the pages
     * of the version it started on, and H2 may free a chunk of that version while the scan is still
     * on its way to it: the chunk's retention time counts from when the chunk was written, not from
     * when it fell out of use, so under steady writes a chunk older than the retention time is freed
     * the moment its last page is rewritten ("Chunk N not found", h2database#4383). A scan of a
     * million orders takes seconds; registered as a user of its version, it keeps every chunk of that
     * version until it ends, whatever their age. Both scans of the stock collection are covered: a
     * query without a usable index and the search for a document's position in an update.
     */
    private static final class TunedCollection extends H2Collection {

        private final MVStore store;

        TunedCollection(MongoDatabase database, String name, CollectionOptions options, MVMap<Object, Document> data,
                        MVMap<String, Object> meta, CursorRegistry cursors, MVStore store) {
            super(database, name, options, data, meta, cursors);
            this.store = store;
        }

        /**
         * Two shapes of filter go by the primary key: an {@code _id} value with other fields (only
         * the document with that {@code _id} can match, and the stock server would scan without an
         * index of exactly those fields), and {@code {_id: {$in: [...]}}} (each document found by its
         * key matches; the stock matcher compares every one with the whole list).
         */
        @Override
        protected QueryResult queryDocuments(Document query, Document orderBy, int numberToSkip, int numberToReturn, int batchSize,
                                             Document fieldSelector) {
            Object id = query.get(ID);
            // Most filters name no _id: they go straight to the stock plan, without a walk over the indexes.
            Index<Object> primaryKey = id == null ? null : primaryKey();
            if (primaryKey != null && query.size() > 1 && isKey(id)) {
                return matchDocuments(query, positions(primaryKey, List.of(id)), orderBy, numberToSkip, numberToReturn, batchSize,
                        fieldSelector);
            }
            if (primaryKey != null && query.size() == 1 && id instanceof Document in && in.size() == 1
                    && in.get("$in") instanceof Collection<?> ids && ids.stream().allMatch(TunedCollection::isKey)) {
                return matchDocumentsFromStream(positions(primaryKey, ids).stream().map(this::getDocument), new Document(), orderBy,
                        numberToSkip, numberToReturn, batchSize, fieldSelector);
            }
            return super.queryDocuments(query, orderBy, numberToSkip, numberToReturn, batchSize, fieldSelector);
        }

        private Index<Object> primaryKey() {
            for (Index<Object> index : getIndexes()) {
                if (index.isUnique() && index.getKeys().size() == 1 && ID.equals(index.getKeys().get(0).getKey())) {
                    return index;
                }
            }
            return null;
        }

        /** An {@code _id} value equal only to itself (numbers are not: 1 equals 1.0 in a filter, not as a key). */
        private static boolean isKey(Object value) {
            return value instanceof String || value instanceof ObjectId || value instanceof UUID;
        }

        /** The positions of the documents with these {@code _id}s that exist, each once. */
        private static List<Object> positions(Index<Object> primaryKey, Collection<?> ids) {
            List<Object> positions = new ArrayList<>(ids.size());
            for (Object id : new LinkedHashSet<>(ids)) {
                Object position = primaryKey.getPosition(new Document(ID, id));
                if (position != null) {
                    positions.add(position);
                }
            }
            return positions;
        }

        @Override
        protected boolean tracksDataSize() {
            return false;
        }

        @Override
        protected QueryResult matchDocuments(Document query, Document orderBy, int numberToSkip, int numberToReturn, int batchSize,
                                             Document fieldSelector) {
            // Materialises what it matched before it returns, so the pin covers the whole walk.
            return pinned(() -> super.matchDocuments(query, orderBy, numberToSkip, numberToReturn, batchSize, fieldSelector));
        }

        @Override
        protected Object findDocumentPosition(Document document) {
            return pinned(() -> super.findDocumentPosition(document));
        }

        private <T> T pinned(Supplier<T> scan) {
            MVStore.TxCounter pin = store.registerVersionUsage();
            try {
                return scan.get();
            } finally {
                store.deregisterVersionUsage(pin);
            }
        }
    }

    /**
     * A unique index with {@code _id} among its keys: satisfied by every document the primary key
     * admits, so it keeps no entries (and serves no query: {@link TunedCollection} sends those to
     * the primary key). Reported as unique, as it was created.
     */
    private static final class ImpliedUniqueIndex extends EmptyIndex<Object> {

        ImpliedUniqueIndex(String name, List<IndexKey> keys) {
            super(name, keys);
        }

        @Override
        public boolean isUnique() {
            return true;
        }
    }

    /**
     * A stock unique index that lets an update whose document keeps this index's fields as they were
     * pass without computing its keys. The stock index computes the old and the new document's keys
     * (a path walk per field) twice per update to find out, for every index, on every update; the
     * suite's updates (statuses, outbox events, retry leases) never change an indexed field.
     */
    private static final class SkippingUnchangedKeys extends Index<Object> {

        private final Index<Object> stock;

        SkippingUnchangedKeys(Index<Object> stock, boolean sparse) {
            super(stock.getName(), stock.getKeys(), sparse);
            this.stock = stock;
        }

        /** Same keys when each top-level field is present in both or neither, with equal values; else the stock index decides. */
        private boolean unchanged(Document before, Document after) {
            for (IndexKey key : getKeys()) {
                String field = key.getKey();
                if (field.indexOf('.') >= 0 || before.containsKey(field) != after.containsKey(field)
                        || !Objects.equals(before.get(field), after.get(field))) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public void checkUpdate(Document before, Document after, MongoCollection<Object> collection) {
            if (!unchanged(before, after)) {
                stock.checkUpdate(before, after, collection);
            }
        }

        @Override
        public void updateInPlace(Document before, Document after, Object position, MongoCollection<Object> collection)
                throws KeyConstraintError {
            if (!unchanged(before, after)) {
                stock.updateInPlace(before, after, position, collection);
            }
        }

        @Override
        public Object getPosition(Document document) {
            return stock.getPosition(document);
        }

        @Override
        public void checkAdd(Document document, MongoCollection<Object> collection) {
            stock.checkAdd(document, collection);
        }

        @Override
        public void add(Document document, Object position, MongoCollection<Object> collection) {
            stock.add(document, position, collection);
        }

        @Override
        public Object remove(Document document) {
            return stock.remove(document);
        }

        @Override
        public boolean canHandle(Document query) {
            return stock.canHandle(query);
        }

        @Override
        public Iterable<Object> getPositions(Document query) {
            return stock.getPositions(query);
        }

        @Override
        public long getCount() {
            return stock.getCount();
        }

        @Override
        public boolean isEmpty() {
            return stock.isEmpty();
        }

        @Override
        public long getDataSize() {
            return stock.getDataSize();
        }

        @Override
        public boolean isUnique() {
            return true;
        }

        @Override
        public void drop() {
            stock.drop();
        }
    }

    /** For stores marked with the hash order only: H2's object type (Java serialisation) with {@link KeyValue}s ordered by hash first. */
    static final class KeyType extends ObjectDataType {
        @Override
        public int compare(Object a, Object b) {
            if (a instanceof KeyValue ka && b instanceof KeyValue kb) {
                int byHash = Integer.compare(ka.hashCode(), kb.hashCode());
                if (byHash != 0) {
                    return byHash;
                }
                if (ka.equals(kb)) {
                    return 0;
                }
            }
            return super.compare(a, b);
        }
    }

    /** A document as BSON (its length leads, so a read knows where it ends). */
    static final class BsonDocumentType extends BasicDataType<Document> {

        private static final byte ARRAY = 0x04;

        /**
         * The server changes some stored documents in place while H2 may be writing their page;
         * Java serialisation walked such a map without noticing, this encoder's iterator notices, so
         * the encoding is made again until it saw the document whole.
         */
        @Override
        public void write(WriteBuffer out, Document document) {
            ByteBuf buffer;
            while (true) {
                try {
                    buffer = encoded(b -> writeDocument(b, document));
                    break;
                } catch (ConcurrentModificationException e) {
                    // A failed page write closes the whole store; a change in place is over in microseconds.
                    Thread.yield();
                }
            }
            out.put(buffer.nioBuffer());
        }

        @Override
        public Document read(ByteBuffer in) {
            return TunedH2Backend.read(in, BsonDecoder::decodeBson);
        }

        /**
         * What the server's {@link BsonEncoder#encodeDocument} writes, walking each document's and
         * list's entries instead of looking every field up by its name (a page of documents at every
         * commit made those lookups the page writers' largest cost); other values are its own.
         */
        private static void writeDocument(ByteBuf out, Map<String, ?> document) {
            int start = beginDocument(out);
            for (Map.Entry<String, ?> field : document.entrySet()) {
                writeElement(out, field.getKey(), field.getValue());
            }
            endDocument(out, start);
        }

        private static void writeElement(ByteBuf out, String name, Object value) {
            byte type = BsonEncoder.determineType(value);
            out.writeByte(type);
            out.writeBytes(name.getBytes(StandardCharsets.UTF_8));
            out.writeByte(0);
            if (value instanceof Document nested) {
                writeDocument(out, nested);
            } else if (value instanceof List<?> list && type == ARRAY) {
                // A BSON array is a document whose field names are the indexes.
                int start = beginDocument(out);
                int i = 0;
                for (Object element : list) {
                    writeElement(out, Integer.toString(i++), element);
                }
                endDocument(out, start);
            } else {
                BsonEncoder.encodeValue(type, value, out);
            }
        }

        /**
         * What H2's page cache counts a document as: its size on the heap, estimated by walking it.
         * Not its encoded size: BSON is several times smaller than the decoded document, so a cache
         * counted in it holds several times its budget (the server ran out of its 2 GB heap ten
         * minutes into a million-row upload that way).
         */
        @Override
        public int getMemory(Document document) {
            try {
                return (int) Math.min(Integer.MAX_VALUE, heapSize(document));
            } catch (ConcurrentModificationException changedInPlace) {
                return 4096; // see write: an estimate may be rough, it must not fail
            }
        }

        private static long heapSize(Object value) {
            if (value instanceof String s) {
                return 48 + s.length();
            }
            if (value instanceof Map<?, ?> map) {
                long n = 64 + 8L * map.size();
                for (Map.Entry<?, ?> e : map.entrySet()) {
                    n += 40 + heapSize(e.getKey()) + heapSize(e.getValue());
                }
                return n;
            }
            if (value instanceof Collection<?> list) {
                long n = 40;
                for (Object element : list) {
                    n += 8 + heapSize(element);
                }
                return n;
            }
            return 24;
        }

        @Override
        public Document[] createStorage(int size) {
            return new Document[size];
        }
    }

    /** Where the document's length goes, once its end is known. */
    private static int beginDocument(ByteBuf out) {
        int start = out.writerIndex();
        out.writeIntLE(0);
        return start;
    }

    private static void endDocument(ByteBuf out, int start) {
        out.writeByte(0);
        out.setIntLE(start, out.writerIndex() - start);
    }

    /**
     * Index keys as a count and their values. Ordered by their leading string values (a key whose
     * strings end sooner, at a value of another type, first), then by hash, a tie of hashes broken
     * by the encoded bytes; or, for stores marked with the hash order, by hash and bytes alone.
     */
    static final class BsonKeyType extends BasicDataType<KeyValue> {

        private final boolean stringsInOrder;

        BsonKeyType(boolean stringsInOrder) {
            this.stringsInOrder = stringsInOrder;
        }

        @Override
        public int compare(KeyValue a, KeyValue b) {
            if (stringsInOrder) {
                for (int i = 0, n = Math.min(a.size(), b.size()); i < n; i++) {
                    Object x = a.get(i);
                    Object y = b.get(i);
                    if (x instanceof String s && y instanceof String t) {
                        int byString = s.compareTo(t);
                        if (byString != 0) {
                            return byString;
                        }
                    } else if (x instanceof String || y instanceof String) {
                        return x instanceof String ? 1 : -1;
                    } else {
                        break;
                    }
                }
            }
            int byHash = Integer.compare(a.hashCode(), b.hashCode());
            if (byHash != 0 || a.equals(b)) {
                return byHash;
            }
            byte[] left = bytes(a);
            return Arrays.compare(left, bytes(b));
        }

        private static byte[] bytes(KeyValue key) {
            ByteBuf buffer = encoded(b -> write(b, key));
            byte[] bytes = new byte[buffer.readableBytes()];
            buffer.readBytes(bytes);
            return bytes;
        }

        private static void write(ByteBuf out, KeyValue key) {
            out.writeIntLE(key.size());
            for (Object value : key) {
                writeValue(out, value);
            }
        }

        @Override
        public void write(WriteBuffer out, KeyValue key) {
            out.put(encoded(b -> write(b, key)).nioBuffer());
        }

        @Override
        public KeyValue read(ByteBuffer in) {
            return TunedH2Backend.read(in, b -> {
                Object[] values = new Object[b.readIntLE()];
                for (int i = 0; i < values.length; i++) {
                    values[i] = readValue(b);
                }
                return new KeyValue(values);
            });
        }

        @Override
        public int getMemory(KeyValue key) {
            return 48 + 32 * key.size();
        }

        @Override
        public KeyValue[] createStorage(int size) {
            return new KeyValue[size];
        }
    }

    /** An index entry's position (the document's key in the data map) as one value. */
    static final class BsonValueType extends BasicDataType<Object> {

        @Override
        public void write(WriteBuffer out, Object position) {
            out.put(encoded(b -> writeValue(b, position)).nioBuffer());
        }

        @Override
        public Object read(ByteBuffer in) {
            return TunedH2Backend.read(in, TunedH2Backend::readValue);
        }

        @Override
        public int getMemory(Object position) {
            return 48;
        }

        @Override
        public Object[] createStorage(int size) {
            return new Object[size];
        }
    }

    /** Each thread (H2's page writers, the server's workers) reuses its buffer instead of allocating per value. */
    private static final ThreadLocal<ByteBuf> BUFFER = ThreadLocal.withInitial(() -> Unpooled.buffer(4096));

    /** What {@code writer} writes, in this thread's buffer (valid until the thread's next call). */
    private static ByteBuf encoded(Consumer<ByteBuf> writer) {
        ByteBuf buffer = BUFFER.get();
        if (buffer.capacity() > 1 << 20) {
            buffer = Unpooled.buffer(4096); // a very large document once must not pin its buffer for good
            BUFFER.set(buffer);
        }
        writer.accept(buffer.clear());
        return buffer;
    }

    /** Decodes with {@code reader} at {@code in}'s position and moves {@code in} past what was read. */
    private static <T> T read(ByteBuffer in, Function<ByteBuf, T> reader) {
        ByteBuf view = Unpooled.wrappedBuffer(in);
        T value = reader.apply(view);
        in.position(in.position() + view.readerIndex());
        return value;
    }

    /**
     * One value as a tag byte and its BSON encoding: 0 stands for {@link Missing} (a field a
     * document lacks, which BSON cannot express), otherwise the tag is the BSON type.
     */
    private static void writeValue(ByteBuf out, Object value) {
        if (value instanceof Missing) {
            out.writeByte(0);
            return;
        }
        byte type = BsonEncoder.determineType(value);
        out.writeByte(type);
        BsonEncoder.encodeValue(type, value, out);
    }

    private static Object readValue(ByteBuf in) {
        byte type = in.readByte();
        return type == 0 ? Missing.getInstance() : BsonDecoder.decodeValue(type, in);
    }
}
