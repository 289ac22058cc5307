package io.ordermesh.csv.service;

/**
 * Where the rows of each order_id end in one file, learnt in a first pass over it, in fixed
 * memory whatever the file's size: a table of line numbers in which every id raises two slots to
 * its line (like a count-min sketch, with max for sum). An id's bound is the lower of its two
 * slots. Ids that share a slot only push a bound later than the truth, never earlier, so an order
 * is never taken for complete before its last row has been read: at worst it is held to the end
 * of the file, as if the table did not exist.
 */
final class OrderSpans {

    private final int[] lastLines;
    private final int mask;

    /** {@code slots} is rounded down to a power of two (4 bytes each). */
    OrderSpans(int slots) {
        int size = Integer.highestOneBit(Math.max(slots, 1024));
        this.lastLines = new int[size];
        this.mask = size - 1;
    }

    /** Notes that a row of {@code orderId} is on {@code line}. */
    void note(String orderId, long line) {
        long h = hash(orderId);
        int value = (int) Math.min(line, Integer.MAX_VALUE);
        int a = (int) h & mask;
        int b = (int) (h >>> 32) & mask;
        lastLines[a] = Math.max(lastLines[a], value);
        lastLines[b] = Math.max(lastLines[b], value);
    }

    /** True when no row of {@code orderId} lies after {@code line} (never true while one does). */
    boolean endsBy(String orderId, long line) {
        long h = hash(orderId);
        int bound = Math.min(lastLines[(int) h & mask], lastLines[(int) (h >>> 32) & mask]);
        return bound < Integer.MAX_VALUE && bound <= line;
    }

    /** FNV-1a over the characters, finished with MurmurHash3's mixer so both halves are well spread. */
    private static long hash(String s) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < s.length(); i++) {
            h = (h ^ s.charAt(i)) * 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }
}
