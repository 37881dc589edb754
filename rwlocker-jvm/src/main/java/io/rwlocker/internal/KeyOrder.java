package io.rwlocker.internal;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/*
 * Implementation notes
 *
 * The one global order in which multi-key acquisitions (readAll/writeAll) take their locks, so
 * that two of them can never wait for each other in a cycle (the ABBA deadlock of locking in
 * argument order).
 *
 * The order is over entries, not keys: by `hash` (the key's hashCode()), then, among distinct
 * entries with the same hash, by `tieBreaker`, a number each such entry draws once from the
 * table's counter (KeyEntry). It needs nothing from the key type beyond equals/hashCode (keys
 * need not be Comparable), and it separates distinct keys with equal hash codes.
 *
 * Why it is one order for everybody: an acquisition first retains an entry for every key (each
 * entry then stays live, and stays the table's entry for its key, until that acquisition releases
 * it: an entry is removed only after its last user left), then sorts, then locks. So all
 * acquisitions that overlap in time and share a key hold the very same entry for it, whose hash
 * and tie-breaker never change while it lives. Any two entries live at the same time compare
 * the same way for every thread, and every thread locks in ascending order: a cycle of waits
 * would need some thread to wait for a smaller entry than one it holds. (An acquisition that
 * retains an entry only later, after it died and was replaced, gets a new entry with a new
 * tie-breaker; nobody holds the old one by then.)
 *
 * Duplicates: equal keys find the same entry, so after sorting they are adjacent (two distinct
 * entries never compare equal: equal hashes are broken by distinct tie-breakers). Each extra
 * occurrence gives back the user count it took; the first occurrence still holds the entry, so
 * that release is never the last.
 */

/** Sorting and de-duplication of retained entries in the global lock order. Internal API. */
final class KeyOrder {
    /** Below this many entries an insertion sort beats {@link Arrays#sort} (and allocates nothing). */
    private static final int INSERTION_SORT_MAX = 16;

    private KeyOrder() {
    }

    /** The global order: hash, then the tie-breaker; 0 only for the same entry. */
    static int compare(KeyEntry a, KeyEntry b, AtomicLong ties) {
        if (a == b) {
            return 0;
        }
        int byHash = Integer.compare(a.hash, b.hash);
        if (byHash != 0) {
            return byHash;
        }
        return Long.compare(a.tieBreaker(ties), b.tieBreaker(ties));
    }

    /**
     * Sorts {@code entries} (each retained by the caller) in the global order, moves each entry
     * that occurs more than once to a single slot and gives back the extra retains. Returns the
     * number of distinct entries, which now fill {@code entries[0 .. result)}.
     */
    static int sortDistinct(KeyEntry[] entries, AtomicLong ties) {
        int n = entries.length;
        if (n <= INSERTION_SORT_MAX) {
            for (int i = 1; i < n; i++) {
                KeyEntry next = entries[i];
                int j = i - 1;
                while (j >= 0 && compare(entries[j], next, ties) > 0) {
                    entries[j + 1] = entries[j];
                    j--;
                }
                entries[j + 1] = next;
            }
        } else {
            Arrays.sort(entries, (a, b) -> compare(a, b, ties));
        }
        int distinct = 0;
        for (int i = 0; i < n; i++) {
            KeyEntry entry = entries[i];
            if (distinct > 0 && entries[distinct - 1] == entry) {
                entry.release(); // never the last: the kept occurrence still holds it
            } else {
                entries[distinct++] = entry;
            }
        }
        for (int i = distinct; i < n; i++) {
            entries[i] = null;
        }
        return distinct;
    }
}
