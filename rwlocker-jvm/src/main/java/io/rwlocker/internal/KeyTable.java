package io.rwlocker.internal;

import io.rwlocker.Policy;
import io.rwlocker.RWLock;
import java.util.Collection;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/*
 * Implementation notes
 *
 * The table behind KeyedLocks (blocking face) and KeyedReadWriteMutex (suspending face): a
 * ConcurrentHashMap from key to KeyEntry, where each entry holds the key's RWLock and counts its
 * users (holders and waiters). Both faces use the same table and the same entries, so threads and
 * coroutines lock the same keys against each other. The per-key locks are plain RWLocks (the
 * engine is composed, not copied): the table decides only which lock a key uses and how long that
 * lock stays in the table.
 *
 * Protocol of one acquisition of key k:
 *   enter(k)   find the entry and retain it (users + 1), or create it: a fresh entry is born with
 *              users == 1 and published with putIfAbsent. If the entry found is DEAD (its last
 *              user just left and is about to remove it), help remove it and try again: a DEAD
 *              entry is never revived, so two live locks for one key cannot exist.
 *   ...        lock, use and unlock the entry's lock (the faces do this);
 *   leave(e)   release (users - 1); the last user turns the entry DEAD in the same CAS and
 *              removes it from the map (remove(k, e): only that entry, never a successor).
 * Every user retains before it touches the lock and releases after it is done with it, on every
 * exit path (success, exception, misuse, timeout, interrupt, cancellation), so an entry is in the
 * table exactly while someone holds or awaits its lock: size() returns to 0, and memory does not
 * grow with the number of distinct keys ever used. No weak references, no GC in the protocol.
 *
 * The locks of dead entries are reused for new keys (SpareLocks): a key that comes and goes costs
 * an entry and a map node, not a new RWLock, and a thread's per-lock reader records are reused
 * rather than left behind in its ThreadLocalMap. Only idle locks are reused, so a new key's lock
 * never carries anything over from the key it served before.
 *
 * Cost: an uncontended acquisition of a key already in the table is one map lookup and one CAS on
 * the entry; a key not in the table adds an entry, a map insertion and a map removal. The map's
 * own bins are the only shared structure and no lock spans the table: different keys meet only
 * when they share a map bin, for the duration of one insertion or removal.
 *
 * Invariants: an entry in the map is either live (users >= 1) or DEAD and about to be removed by
 * its last user; at most one live entry per key (the map holds one value per key, and a DEAD one
 * is replaced only after its removal); a DEAD entry's lock is awaited by nobody and held by nobody
 * (but for a grant that raced a coroutine's cancellation and is being given back: SpareLocks).
 *
 * Linearization points: enter at the retaining CAS (or the successful putIfAbsent of a fresh
 * entry); leave at the releasing CAS.
 */

/** The reference-counted key-to-lock table shared by the keyed faces. Internal API. */
public final class KeyTable {
    private final ConcurrentHashMap<Object, KeyEntry> entries = new ConcurrentHashMap<>();
    private final Policy policy;
    private final boolean reentrantWriter;
    /** Source of the tie-breakers of entries with equal hashes (see KeyOrder). */
    private final AtomicLong ties = new AtomicLong();
    private final SpareLocks spares = new SpareLocks();

    /** A table whose per-key locks have this policy and reentrancy. */
    public KeyTable(Policy policy, boolean reentrantWriter) {
        this.policy = Objects.requireNonNull(policy, "policy");
        this.reentrantWriter = reentrantWriter;
    }

    /** The policy of every key's lock. */
    public Policy policy() {
        return policy;
    }

    /** Whether every key's lock has a reentrant writer. */
    public boolean isReentrantWriter() {
        return reentrantWriter;
    }

    /** Keys with a live entry (held or awaited); a snapshot. */
    public int size() {
        return entries.size();
    }

    /** The live entry of {@code key}, or null (for introspection; it is not retained). */
    public KeyEntry peek(Object key) {
        KeyEntry entry = entries.get(Objects.requireNonNull(key, "key"));
        return entry == null || entry.users() == 0 ? null : entry;
    }

    /**
     * Retains the entry of {@code key} (creating it if needed). The caller must {@link #leave} it
     * exactly once, whatever happens in between.
     *
     * @throws NullPointerException if {@code key} is null
     */
    public KeyEntry enter(Object key) {
        KeyEntry found = entries.get(Objects.requireNonNull(key, "key"));
        if (found != null && found.retain()) {
            return found;
        }
        return enterSlow(key, found);
    }

    private KeyEntry enterSlow(Object key, KeyEntry found) {
        KeyEntry fresh = null;
        for (;;) {
            if (found != null) {
                // DEAD: its last user is removing it; help, so this loop does not spin on it.
                entries.remove(key, found);
            }
            if (fresh == null) {
                fresh = newEntry(key);
            }
            found = entries.putIfAbsent(key, fresh);
            if (found == null) {
                return fresh;
            }
            if (found.retain()) {
                spares.offer(fresh); // never published: its lock was never used
                return found;
            }
        }
    }

    private KeyEntry newEntry(Object key) {
        int hash = key.hashCode();
        KeyEntry spare = spares.take();
        if (spare != null) {
            return new KeyEntry(key, hash, spare.lock(), spare.tenure + 1);
        }
        return new KeyEntry(key, hash, RWLock.builder().policy(policy).reentrantWriter(reentrantWriter).build(), 1);
    }

    /** Gives back one retain of {@code entry}; the last user removes it from the table. */
    public void leave(KeyEntry entry) {
        if (entry.release()) {
            entries.remove(entry.key, entry);
            spares.offer(entry);
        }
    }

    /**
     * Retains the entries of all {@code keys} and returns them in the global lock order (see
     * KeyOrder), each distinct entry once (equal keys share one). The caller must
     * {@link #leaveAll} the result exactly once.
     *
     * @throws NullPointerException if {@code keys} is or contains null (nothing is retained)
     */
    public KeyEntry[] enterAll(Collection<?> keys) {
        Object[] array = Objects.requireNonNull(keys, "keys").toArray();
        for (Object key : array) {
            if (key == null) {
                throw new NullPointerException("keys contains null");
            }
        }
        KeyEntry[] retained = new KeyEntry[array.length];
        int count = 0;
        try {
            for (; count < array.length; count++) {
                retained[count] = enter(array[count]);
            }
        } catch (Throwable failure) { // e.g. a key whose hashCode() or equals() throws
            for (int i = 0; i < count; i++) {
                leave(retained[i]);
            }
            throw failure;
        }
        int distinct = KeyOrder.sortDistinct(retained, ties);
        return distinct == retained.length ? retained : java.util.Arrays.copyOf(retained, distinct);
    }

    /** Gives back the retains of {@link #enterAll}. */
    public void leaveAll(KeyEntry[] retained) {
        for (KeyEntry entry : retained) {
            leave(entry);
        }
    }

    @Override
    public String toString() {
        return policy + (reentrantWriter ? ", reentrant writer" : "") + ", keys = " + entries.size();
    }
}
