package io.rwlocker.internal;

import io.rwlocker.Policy;
import io.rwlocker.RWLock;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
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
 *   enter(k)   find the entry and retain it (users + 1, reviving it if idle), or create it: a
 *              fresh entry is born with users == 1 and published with putIfAbsent. If the entry
 *              found is DEAD (the sweeper just removed it), help remove it and try again: a DEAD
 *              entry is never revived, so two live locks for one key cannot exist.
 *   ...        lock, use and unlock the entry's lock (the faces do this);
 *   leave(e)   release (users - 1); the last user leaves the entry idle (0), in the map.
 * Every user retains before it touches the lock and releases after it is done with it, on every
 * exit path (success, exception, misuse, timeout, interrupt, cancellation), so an entry is live
 * (users >= 1) exactly while someone holds or awaits its lock, and size() (which counts live
 * entries) returns to 0.
 *
 * Idle entries and the sweep. Removing an entry the moment its last user leaves costs a map
 * removal, and the next use of the key a new entry and a map insertion: on a key space where
 * each key is used by one thread at a time (the common case) that is every acquisition, several
 * times the cost of the lock itself. So the last user only marks the entry idle, and the next
 * user revives it with the same CAS that retains a live one: a key in steady use costs one map
 * lookup and two CASes on its entry, like a map of locks that is never cleaned. Memory stays
 * bounded all the same: when an insertion finds more than `sweepAt` entries in the map, that
 * thread (one at a time; others go on) sweeps: it kills every idle entry (CAS 0 -> DEAD: only an
 * entry nobody uses, and a user reviving it at that instant wins or loses cleanly) and removes it.
 * Afterwards sweepAt = max(idleCapacity, 2 x the entries left), so the entries in the map never
 * exceed idleCapacity + 2 x the keys in use (plus the insertions racing one sweep), and a sweep,
 * O(entries), happens at most once per sweepAt / 2 insertions: amortized O(1) per insertion, and
 * never on the path of a key that has an entry. Memory does not grow with the number of distinct
 * keys ever used. No weak references, no GC in the protocol.
 *
 * The locks of swept entries are reused for new keys (SpareLocks, up to idleCapacity of them, so
 * one sweep's locks fit): a key that comes and goes costs an entry and a map node, not a new
 * RWLock, and a thread's per-lock reader records are reused rather than left behind in its
 * ThreadLocalMap. Only idle locks are reused, so a new key's lock never carries anything over from
 * the key it served before. So a table keeps at most 2 x idleCapacity idle locks (entries and
 * spares) besides the ones in use.
 *
 * Cost: an uncontended acquisition of a key that has an entry (live or idle) is one map lookup and
 * one CAS on the entry; a key not in the table adds an entry and a map insertion (and its share of
 * a later sweep). The map's own bins are the only shared structure and no lock spans the table:
 * different keys meet only when they share a map bin, for the duration of one insertion or removal.
 *
 * Invariants: an entry in the map is live (users >= 1), idle (0), or DEAD and about to be removed
 * by the sweeper; at most one non-dead entry per key (the map holds one value per key, and a DEAD
 * one is replaced only after its removal); a DEAD entry's lock is awaited by nobody and held by
 * nobody (but for a grant that raced a coroutine's cancellation and is being given back:
 * SpareLocks).
 *
 * Linearization points: enter at the retaining CAS (or the successful putIfAbsent of a fresh
 * entry); leave at the releasing CAS; a sweep of one entry at its CAS 0 -> DEAD.
 */

/** The reference-counted key-to-lock table shared by the keyed faces. Internal API. */
public final class KeyTable {
    /**
     * Idle entries a table may keep before an insertion sweeps them: system property
     * {@code io.rwlocker.keyedIdleEntries} (default 1024, at least 1).
     */
    static final int DEFAULT_IDLE_CAPACITY = Math.max(1, Integer.getInteger("io.rwlocker.keyedIdleEntries", 1024));

    private static final VarHandle SWEEP_AT;

    static {
        try {
            SWEEP_AT = MethodHandles.lookup().findVarHandle(KeyTable.class, "sweepAt", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final ConcurrentHashMap<Object, KeyEntry> entries = new ConcurrentHashMap<>();
    private final Policy policy;
    private final boolean reentrantWriter;
    private final int idleCapacity;
    /** Source of the tie-breakers of entries with equal hashes (see KeyOrder). */
    private final AtomicLong ties = new AtomicLong();
    private final SpareLocks spares;
    /** The map size above which an insertion sweeps; -1 while a sweep runs (one at a time). */
    private volatile long sweepAt;

    /** A table whose per-key locks have this policy and reentrancy. */
    public KeyTable(Policy policy, boolean reentrantWriter) {
        this(policy, reentrantWriter, DEFAULT_IDLE_CAPACITY);
    }

    /** A table that keeps up to {@code idleCapacity} idle entries before it sweeps them. */
    KeyTable(Policy policy, boolean reentrantWriter, int idleCapacity) {
        this.policy = Objects.requireNonNull(policy, "policy");
        this.reentrantWriter = reentrantWriter;
        if (idleCapacity < 1) {
            throw new IllegalArgumentException("idleCapacity must be at least 1, was " + idleCapacity);
        }
        this.idleCapacity = idleCapacity;
        this.sweepAt = idleCapacity;
        this.spares = new SpareLocks(idleCapacity);
    }

    /** The policy of every key's lock. */
    public Policy policy() {
        return policy;
    }

    /** Whether every key's lock has a reentrant writer. */
    public boolean isReentrantWriter() {
        return reentrantWriter;
    }

    /**
     * Keys with a live entry (held or awaited); a weakly consistent snapshot that walks the table
     * (idle entries are not counted), O(entries).
     */
    public int size() {
        int live = 0;
        for (KeyEntry entry : entries.values()) {
            if (entry.users() > 0) {
                live++;
            }
        }
        return live;
    }

    /** Entries in the map now, live, idle or being swept (for tests). */
    public int entryCount() {
        return entries.size();
    }

    /** How many idle entries this table keeps before an insertion sweeps them. */
    public int idleCapacity() {
        return idleCapacity;
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
                // DEAD: the sweeper is removing it; help, so this loop does not spin on it.
                entries.remove(key, found);
            }
            if (fresh == null) {
                fresh = newEntry(key);
            }
            found = entries.putIfAbsent(key, fresh);
            if (found == null) {
                long limit = sweepAt;
                if (limit >= 0 && entries.mappingCount() > limit) {
                    sweep();
                }
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

    /** Gives back one retain of {@code entry}; the last user leaves it idle in the table. */
    public void leave(KeyEntry entry) {
        entry.release();
    }

    /**
     * Removes every idle entry (see the notes), unless another thread is sweeping; then sets the
     * next threshold from what is left. Called by an insertion above the bound; public for tests
     * that want the table as if every entry had been removed by its last user.
     */
    public void sweep() {
        long limit = sweepAt;
        if (limit < 0 || !SWEEP_AT.compareAndSet(this, limit, -1L)) {
            return; // another thread sweeps
        }
        long left = 0;
        try {
            for (KeyEntry entry : entries.values()) {
                if (entry.isIdle() && entry.kill()) {
                    entries.remove(entry.key, entry);
                    spares.offer(entry);
                } else {
                    left++;
                }
            }
        } finally {
            sweepAt = Math.max(idleCapacity, 2 * left);
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
        return policy + (reentrantWriter ? ", reentrant writer" : "") + ", keys = " + size();
    }
}
