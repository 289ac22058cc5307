package io.ordermesh.common.net;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The SSRF guard for tenant-supplied callback URLs, used when a subscription is saved (oms-api)
 * and again at send time (webhook-dispatcher), because DNS may answer differently later. A target
 * is refused when any address its host resolves to is loopback, private, link-local, unique-local,
 * carrier-grade NAT, multicast, unspecified or a cloud metadata address, unless the host (name or
 * literal address) is in the operator's allow-list. Plain {@code http} is only accepted for
 * allow-listed hosts.
 */
public final class AddressGuard {

    public enum Kind { PUBLIC, LOOPBACK, PRIVATE, LINK_LOCAL, METADATA, MULTICAST, UNSPECIFIED }

    /** The verdict on one URL: {@code reason} is null when it may be called, and the addresses checked. */
    public record Verdict(String reason, List<InetAddress> addresses) {
        public boolean allowed() {
            return reason == null;
        }
    }

    @FunctionalInterface
    public interface Resolver {
        InetAddress[] resolve(String host) throws UnknownHostException;
    }

    private final Set<String> allowedHosts;
    private final Resolver resolver;

    public AddressGuard(Collection<String> allowedHosts) {
        this(allowedHosts, InetAddress::getAllByName);
    }

    public AddressGuard(Collection<String> allowedHosts, Resolver resolver) {
        this.allowedHosts = allowedHosts.stream().map(h -> h.trim().toLowerCase(Locale.ROOT)).filter(h -> !h.isEmpty())
                .collect(Collectors.toUnmodifiableSet());
        this.resolver = resolver;
    }

    public Verdict check(URI url) {
        if (url == null || !url.isAbsolute() || url.getHost() == null) {
            return new Verdict("must be an absolute URL with a host", List.of());
        }
        String scheme = url.getScheme().toLowerCase(Locale.ROOT);
        String host = url.getHost().toLowerCase(Locale.ROOT);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        if (url.getUserInfo() != null) {
            return new Verdict("must not carry credentials", List.of());
        }
        boolean allowListed = allowedHosts.contains(host);
        if (!scheme.equals("https") && !(scheme.equals("http") && allowListed)) {
            return new Verdict(scheme.equals("http") ? "must use https (http only for hosts the operator allows)"
                    : "must use https", List.of());
        }
        InetAddress[] addresses;
        try {
            addresses = resolver.resolve(host);
        } catch (UnknownHostException e) {
            return new Verdict("host " + host + " does not resolve", List.of());
        }
        if (allowListed) {
            return new Verdict(null, List.of(addresses));
        }
        for (InetAddress a : addresses) {
            Kind kind = classify(a);
            if (kind != Kind.PUBLIC) {
                return new Verdict("resolves to a " + kind.name().toLowerCase(Locale.ROOT).replace('_', '-')
                        + " address (" + a.getHostAddress() + "), which is not allowed", List.of(addresses));
            }
        }
        return new Verdict(null, List.of(addresses));
    }

    public static Kind classify(InetAddress a) {
        if (a instanceof Inet6Address v6) {
            byte[] b = v6.getAddress();
            // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible addresses are judged as IPv4.
            if (isMapped(b)) {
                try {
                    return classify(InetAddress.getByAddress(new byte[]{b[12], b[13], b[14], b[15]}));
                } catch (UnknownHostException e) {
                    return Kind.UNSPECIFIED;
                }
            }
            if (a.isAnyLocalAddress()) {
                return Kind.UNSPECIFIED;
            }
            if (a.isLoopbackAddress()) {
                return Kind.LOOPBACK;
            }
            if (a.isLinkLocalAddress()) {
                return Kind.LINK_LOCAL;
            }
            if (a.isMulticastAddress()) {
                return Kind.MULTICAST;
            }
            // fd00:ec2::254 is the AWS IMDS IPv6 endpoint; fc00::/7 unique-local covers it anyway.
            if ((b[0] & 0xfe) == 0xfc || a.isSiteLocalAddress()) {
                return (b[0] & 0xff) == 0xfd && (b[1] & 0xff) == 0x00 && (b[2] & 0xff) == 0x0e && (b[3] & 0xff) == 0xc2
                        ? Kind.METADATA : Kind.PRIVATE;
            }
            return Kind.PUBLIC;
        }
        byte[] b = ((Inet4Address) a).getAddress();
        int b0 = b[0] & 0xff;
        int b1 = b[1] & 0xff;
        if (b0 == 169 && b1 == 254) {
            // 169.254.169.254 (AWS, GCP, Azure, OpenStack metadata) and the rest of link-local.
            return (b[2] & 0xff) == 169 && (b[3] & 0xff) == 254 ? Kind.METADATA : Kind.LINK_LOCAL;
        }
        if (b0 == 100 && b1 == 100 && (b[2] & 0xff) == 100 && (b[3] & 0xff) == 200) {
            return Kind.METADATA; // Alibaba Cloud metadata
        }
        if (b0 == 0) {
            return Kind.UNSPECIFIED;
        }
        if (b0 == 127) {
            return Kind.LOOPBACK;
        }
        if (b0 == 10 || (b0 == 172 && b1 >= 16 && b1 <= 31) || (b0 == 192 && b1 == 168)
                || (b0 == 100 && b1 >= 64 && b1 <= 127) // carrier-grade NAT
                || (b0 == 198 && (b1 == 18 || b1 == 19)) // benchmarking networks
                || (b0 == 192 && b1 == 0 && (b[2] & 0xff) == 0)) { // IETF protocol assignments
            return Kind.PRIVATE;
        }
        if (b0 >= 224) {
            return b0 < 240 ? Kind.MULTICAST : Kind.UNSPECIFIED; // 240/4 reserved, 255.255.255.255 broadcast
        }
        return Kind.PUBLIC;
    }

    private static boolean isMapped(byte[] b) {
        for (int i = 0; i < 10; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return (b[10] == (byte) 0xff && b[11] == (byte) 0xff) || (b[10] == 0 && b[11] == 0 && (b[12] != 0 || b[13] != 0));
    }
}
