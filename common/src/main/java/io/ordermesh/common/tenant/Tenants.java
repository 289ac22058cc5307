package io.ordermesh.common.tenant;

/** How a tenant is named on the wire. Every tenant-scoped endpoint requires the header. */
public final class Tenants {

    public static final String HEADER = "X-Tenant-ID";

    private Tenants() {
    }
}
