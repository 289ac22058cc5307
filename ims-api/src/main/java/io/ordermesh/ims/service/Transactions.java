package io.ordermesh.ims.service;

import io.ordermesh.ims.config.ImsConfig;
import io.ordermesh.ims.repository.InventoryStore;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * Runs JDBC work in a new transaction and runs it again when PostgreSQL aborted it for a deadlock
 * or a serialization failure (the lock ordering avoids them; this is the safety net).
 */
@ApplicationScoped
public class Transactions {

    private static final Logger LOG = Logger.getLogger(Transactions.class);

    private final InventoryStore store;
    private final int maxAttempts;

    Transactions(InventoryStore store, ImsConfig config) {
        this.store = store;
        this.maxAttempts = config.allocation().maxAttempts();
    }

    @FunctionalInterface
    public interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    public <T> T inNew(Work<T> work) {
        for (int attempt = 1; ; attempt++) {
            try {
                return QuarkusTransaction.requiringNew().call(() -> {
                    try (Connection c = store.connection()) {
                        return work.run(c);
                    }
                });
            } catch (RuntimeException e) {
                if (attempt >= maxAttempts || !Sql.retryable(e)) {
                    throw e;
                }
                LOG.debugf("transaction aborted by PostgreSQL (attempt %d), running it again: %s", attempt, e.getMessage());
            }
        }
    }
}
