package io.ordermesh.ims.service;

import java.sql.SQLException;

/** Recognises PostgreSQL errors by SQLSTATE, wherever they are wrapped. */
final class Sql {

    static final String UNIQUE_VIOLATION = "23505";
    static final String FOREIGN_KEY_VIOLATION = "23503";
    static final String CHECK_VIOLATION = "23514";
    static final String DEADLOCK = "40P01";
    static final String SERIALIZATION_FAILURE = "40001";

    private Sql() {
    }

    static boolean is(Throwable t, String state) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof SQLException sql && state.equals(sql.getSQLState())) {
                return true;
            }
        }
        return false;
    }

    static boolean retryable(Throwable t) {
        return is(t, DEADLOCK) || is(t, SERIALIZATION_FAILURE);
    }
}
