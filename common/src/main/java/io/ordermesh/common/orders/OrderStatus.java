package io.ordermesh.common.orders;

import java.util.Set;

/** Order lifecycle. Names are the wire values (snake_case). */
public enum OrderStatus {
    on_hold, new_order, cancelled, packed, dispatched, delivered;

    /** Statuses from which a tenant may still cancel: nothing has left the hub yet. */
    public static final Set<OrderStatus> CANCELLABLE = Set.of(on_hold, new_order);
}
