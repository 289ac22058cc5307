package io.ordermesh.localstack;

import de.bwaldvogel.mongo.MongoDatabase;
import de.bwaldvogel.mongo.backend.CursorRegistry;
import de.bwaldvogel.mongo.backend.Index;
import de.bwaldvogel.mongo.backend.IndexKey;
import de.bwaldvogel.mongo.backend.KeyValue;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.backend.h2.H2Database;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.type.ObjectDataType;

import java.util.List;

/**
 * mongo-java-server's H2 backend with cheap key comparisons in its unique indexes (every lookup,
 * insert and compare-and-set of the suite goes through at least one, {@code _id}'s).
 *
 * <p>The stock backend keys those indexes by {@link KeyValue}, which is not {@link Comparable}, so
 * H2 compares two keys by Java-serialising both: a B-tree search of a 100,000-entry index
 * serialises about 34 objects. Here keys are ordered by hash code first and only serialised to
 * break a tie of hashes. Equal keys have equal hashes and equal serialisations, so lookups and
 * uniqueness are the same; only the (otherwise unused) order of index entries differs.
 *
 * <p>A B-tree must be read with the order it was written in, so a store is marked when it is
 * created with this order, and a store written before (unmarked, not empty) keeps the stock backend.
 */
final class HashOrderedH2Backend extends H2Backend {

    private static final String MARKER_MAP = "ordermesh.index-key-order";
    private static final String ORDER = "hash-then-serialised";

    private HashOrderedH2Backend(MVStore store) {
        super(store);
    }

    /** The backend for this store: hash-ordered when the store is new or was created so. */
    static H2Backend open(MVStore store) {
        boolean fresh = store.getMapNames().isEmpty();
        MVMap<String, String> marker = store.openMap(MARKER_MAP);
        if (fresh) {
            marker.put("order", ORDER);
            store.commit();
        }
        return ORDER.equals(marker.get("order")) ? new HashOrderedH2Backend(store) : new H2Backend(store);
    }

    @Override
    protected MongoDatabase openOrCreateDatabase(String databaseName) {
        return new Database(databaseName, getMvStore(), getCursorRegistry());
    }

    /** Inner, not static: the super constructor already opens indexes, before a field of its own could be set. */
    private final class Database extends H2Database {

        Database(String name, MVStore store, CursorRegistry cursors) {
            super(name, store, cursors);
        }

        @Override
        protected Index<Object> openOrCreateUniqueIndex(String collectionName, String indexName, List<IndexKey> keys, boolean sparse) {
            // Opened here first with the key type; the stock method then gets this open map by its name.
            getMvStore().openMap(getFullCollectionNamespace(collectionName) + "._index_" + indexName,
                    new MVMap.Builder<KeyValue, Object>().keyType(new KeyType()));
            return super.openOrCreateUniqueIndex(collectionName, indexName, keys, sparse);
        }
    }

    /** H2's object type (same bytes on disk) with {@link KeyValue}s ordered by hash before serialisation. */
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
}
