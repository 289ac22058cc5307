package io.ordermesh.localstack;

import de.bwaldvogel.mongo.MongoCollection;
import de.bwaldvogel.mongo.MongoDatabase;
import de.bwaldvogel.mongo.backend.CollectionOptions;
import de.bwaldvogel.mongo.backend.CursorRegistry;
import de.bwaldvogel.mongo.backend.Index;
import de.bwaldvogel.mongo.backend.IndexKey;
import de.bwaldvogel.mongo.backend.KeyValue;
import de.bwaldvogel.mongo.backend.Missing;
import de.bwaldvogel.mongo.backend.QueryResult;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.backend.h2.H2Collection;
import de.bwaldvogel.mongo.backend.h2.H2Database;
import de.bwaldvogel.mongo.bson.Document;
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
import java.util.Arrays;
import java.util.Collection;
import java.util.ConcurrentModificationException;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * mongo-java-server's H2 backend made cheaper where the suite's load spends its time, in two ways a
 * store is marked with when it is created (a B-tree must be read as it was written):
 *
 * <p><b>Hash-ordered unique indexes.</b> The stock backend keys those indexes by {@link KeyValue},
 * which is not {@link Comparable}, so H2 compares two keys by Java-serialising both: a B-tree
 * search of a 100,000-entry index serialises about 34 objects. Here keys are ordered by hash code
 * first and only by their bytes to break a tie of hashes. Equal keys have equal hashes and equal
 * bytes, so lookups and uniqueness are the same; only the (otherwise unused) order of index
 * entries differs.
 *
 * <p><b>BSON instead of Java serialisation.</b> The stock backend Java-serialises every document,
 * index key and index position into H2's pages; under a million-row upload that (a changed page is
 * written whole, a page read from disk is decoded whole) and its garbage took the largest share of
 * the server's time. Here they are written with the server's own BSON codec, which round-trips
 * every value a client can send.
 *
 * <p>A store written before either existed (unmarked, not empty) is opened with the stock backend;
 * one marked with the hash order only keeps Java serialisation.
 */
final class TunedH2Backend extends H2Backend {

    static final String MARKER_MAP = "ordermesh.index-key-order";
    static final String ORDER = "order";
    static final String HASH_ORDER = "hash-then-serialised";
    private static final String ENCODING = "encoding";
    private static final String BSON = "bson";

    private TunedH2Backend(MVStore store) {
        super(store);
    }

    /** The backend for this store: tuned as the store was created (a new store gets everything). */
    static H2Backend open(MVStore store) {
        boolean fresh = store.getMapNames().isEmpty();
        MVMap<String, String> marker = store.openMap(MARKER_MAP);
        if (fresh) {
            marker.put(ORDER, HASH_ORDER);
            marker.put(ENCODING, BSON);
            store.commit();
        }
        return HASH_ORDER.equals(marker.get(ORDER)) ? new TunedH2Backend(store) : new H2Backend(store);
    }

    /** Read from the store, not a field: the super constructor opens the existing databases before fields are set. */
    private static boolean bson(MVStore store) {
        return BSON.equals(store.<String, String>openMap(MARKER_MAP).get(ENCODING));
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
            String name = getFullCollectionNamespace(collectionName) + "._index_" + indexName;
            if (bson(getMvStore())) {
                getMvStore().openMap(name, new MVMap.Builder<KeyValue, Object>().keyType(new BsonKeyType()).valueType(new BsonValueType()));
            } else {
                getMvStore().openMap(name, new MVMap.Builder<KeyValue, Object>().keyType(new KeyType()));
            }
            return super.openOrCreateUniqueIndex(collectionName, indexName, keys, sparse);
        }

        @Override
        protected MongoCollection<Object> openOrCreateCollection(String collectionName, CollectionOptions options) {
            // The stock method's maps: "databases." + namespace (documents) and "meta." + namespace.
            String namespace = getFullCollectionNamespace(collectionName);
            MVStore store = getMvStore();
            MVMap<Object, Document> data = bson(store)
                    ? store.openMap("databases." + namespace, new MVMap.Builder<Object, Document>().valueType(new BsonDocumentType()))
                    : store.openMap("databases." + namespace);
            return new PinnedScanCollection(this, collectionName, options, data, store.openMap("meta." + namespace),
                    TunedH2Backend.this.getCursorRegistry(), store);
        }
    }

    /**
     * A collection whose scans hold on to the version of the store they read. A scan walks the pages
     * of the version it started on, and H2 may free a chunk of that version while the scan is still
     * on its way to it: the chunk's retention time counts from when the chunk was written, not from
     * when it fell out of use, so under steady writes a chunk older than the retention time is freed
     * the moment its last page is rewritten ("Chunk N not found", h2database#4383). A scan of a
     * million orders takes seconds; registered as a user of its version, it keeps every chunk of that
     * version until it ends, whatever their age. Both scans of the stock collection are covered: a
     * query without a usable index and the search for a document's position in an update.
     */
    private static final class PinnedScanCollection extends H2Collection {

        private final MVStore store;

        PinnedScanCollection(MongoDatabase database, String name, CollectionOptions options, MVMap<Object, Document> data,
                             MVMap<String, Object> meta, CursorRegistry cursors, MVStore store) {
            super(database, name, options, data, meta, cursors);
            this.store = store;
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
                    buffer = encoded(b -> BsonEncoder.encodeDocument(document, b));
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

    /** Index keys as a count and their values; ordered by hash, a tie of hashes broken by the encoded bytes. */
    static final class BsonKeyType extends BasicDataType<KeyValue> {

        @Override
        public int compare(KeyValue a, KeyValue b) {
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
