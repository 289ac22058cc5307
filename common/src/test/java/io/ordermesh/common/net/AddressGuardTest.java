package io.ordermesh.common.net;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.URI;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AddressGuardTest {

    private static AddressGuard guardResolvingTo(String ip, String... allowed) {
        return new AddressGuard(List.of(allowed), host -> new InetAddress[]{InetAddress.getByName(ip)});
    }

    @Test
    void classifiesInternalAddresses() throws Exception {
        assertEquals(AddressGuard.Kind.METADATA, AddressGuard.classify(InetAddress.getByName("169.254.169.254")));
        assertEquals(AddressGuard.Kind.LINK_LOCAL, AddressGuard.classify(InetAddress.getByName("169.254.1.1")));
        assertEquals(AddressGuard.Kind.PRIVATE, AddressGuard.classify(InetAddress.getByName("10.0.0.1")));
        assertEquals(AddressGuard.Kind.PRIVATE, AddressGuard.classify(InetAddress.getByName("172.20.1.1")));
        assertEquals(AddressGuard.Kind.PRIVATE, AddressGuard.classify(InetAddress.getByName("192.168.0.5")));
        assertEquals(AddressGuard.Kind.LOOPBACK, AddressGuard.classify(InetAddress.getByName("127.0.0.1")));
        assertEquals(AddressGuard.Kind.LOOPBACK, AddressGuard.classify(InetAddress.getByName("::1")));
        assertEquals(AddressGuard.Kind.LOOPBACK, AddressGuard.classify(InetAddress.getByName("::ffff:127.0.0.1")));
        assertEquals(AddressGuard.Kind.PRIVATE, AddressGuard.classify(InetAddress.getByName("fd12::1")));
        assertEquals(AddressGuard.Kind.METADATA, AddressGuard.classify(InetAddress.getByName("fd00:ec2::254")));
        assertEquals(AddressGuard.Kind.LINK_LOCAL, AddressGuard.classify(InetAddress.getByName("fe80::1")));
        assertEquals(AddressGuard.Kind.UNSPECIFIED, AddressGuard.classify(InetAddress.getByName("0.0.0.0")));
        assertEquals(AddressGuard.Kind.PUBLIC, AddressGuard.classify(InetAddress.getByName("93.184.216.34")));
        assertEquals(AddressGuard.Kind.PUBLIC, AddressGuard.classify(InetAddress.getByName("2606:4700::1111")));
    }

    @Test
    void refusesHostsResolvingToMetadataOrPrivateAddresses() {
        assertFalse(guardResolvingTo("169.254.169.254").check(URI.create("https://evil.example/cb")).allowed());
        assertFalse(guardResolvingTo("10.0.0.1").check(URI.create("https://intranet.example/cb")).allowed());
        assertTrue(guardResolvingTo("93.184.216.34").check(URI.create("https://example.com/cb")).allowed());
    }

    @Test
    void httpAndLoopbackOnlyForAllowListedHosts() {
        assertFalse(guardResolvingTo("93.184.216.34").check(URI.create("http://example.com/cb")).allowed());
        assertFalse(guardResolvingTo("127.0.0.1").check(URI.create("http://127.0.0.1:9/cb")).allowed());
        assertTrue(guardResolvingTo("127.0.0.1", "127.0.0.1").check(URI.create("http://127.0.0.1:9/cb")).allowed());
        assertFalse(guardResolvingTo("93.184.216.34").check(URI.create("ftp://example.com/cb")).allowed());
        assertFalse(guardResolvingTo("93.184.216.34").check(URI.create("https://user:pw@example.com/cb")).allowed());
    }
}
