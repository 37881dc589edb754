package io.rwlocker.internal;

import io.rwlocker.RWLock;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/*
 * Implementation notes
 *
 * One key's entry in a KeyTable: the key's RWLock and the number of its users.
 *
 * `users` (an int, CAS via VarHandle):
 *   n >= 1   n threads or coroutines hold the key's lock or wait for it (each counted once per
 *            acquisition, from before it touches the lock until after it has let go of it);
 *   DEAD     the last user left; the entry is (being) removed from the table and never used again.
 * A fresh entry is born with users == 1 (its creator) before it is published in the table, so a
 * published entry is never at 0: the count goes 1 -> DEAD in one CAS by the last user. DEAD is
 * final: `retain` fails on it, so a thread that found the entry just before it died never revives
 * it (the classic race of reference-counted maps); it goes back to the table instead.
 *
 * `tieBreaker`: 0 until a multi-key acquisition must order this entry against another one with
 * the same `hash` (distinct keys with equal hash codes), then a number drawn once from the table's
 * counter and never changed (CAS from 0). See KeyOrder for the global order.
 *
 * `key` is the key the entry was created for (equal to every key that finds it); `hash` is its
 * hashCode(), taken once. `key` is cleared once the entry is dead and parked in SpareLocks, so the
 * pool does not keep an old key reachable (a dead entry's key is read only by its last user,
 * before that). `tenure` counts the entries the lock has served, this one included (SpareLocks
 * retires a lock after a bounded tenure).
 *
 * Linearization points: a retain at its successful CAS n -> n+1; a release at its CAS (n -> n-1,
 * or 1 -> DEAD for the last user).
 */

/** A key's lock and its count of users (holders and waiters). Internal API. */
public final class KeyEntry {
    /** The value of {@code users} once the last user has left. */
    static final int DEAD = -1;

    private static final VarHandle USERS;
    private static final VarHandle TIE_BREAKER;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            USERS = lookup.findVarHandle(KeyEntry.class, "users", int.class);
            TIE_BREAKER = lookup.findVarHandle(KeyEntry.class, "tieBreaker", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Plain: published with the entry (the map's insertion); cleared only when dead and pooled. */
    Object key;
    final int hash;
    final int tenure;
    private final RWLock lock;
    private volatile int users = 1;
    private volatile long tieBreaker;

    KeyEntry(Object key, int hash, RWLock lock, int tenure) {
        this.key = key;
        this.hash = hash;
        this.lock = lock;
        this.tenure = tenure;
    }

    /** The key's lock. */
    public RWLock lock() {
        return lock;
    }

    /** The key this entry stands for. */
    public Object key() {
        return key;
    }

    /** Holders and waiters now (a snapshot), 0 once dead. */
    public int users() {
        return Math.max(users, 0);
    }

    /** Adds a user unless the entry is dead; false if it is (the caller must look it up again). */
    boolean retain() {
        for (;;) {
            int n = users;
            if (n <= 0) {
                return false;
            }
            if (n == Integer.MAX_VALUE) {
                throw new Error("Maximum lock count exceeded");
            }
            if (USERS.weakCompareAndSet(this, n, n + 1)) {
                return true;
            }
        }
    }

    /** Removes a user; true if it was the last one (the entry is now dead: remove it). */
    boolean release() {
        for (;;) {
            int n = users;
            if (n <= 0) {
                throw new IllegalStateException("released an entry that has no users");
            }
            if (USERS.weakCompareAndSet(this, n, n == 1 ? DEAD : n - 1)) {
                return n == 1;
            }
        }
    }

    /** This entry's tie-breaker, drawn from {@code source} on first use and fixed after. */
    long tieBreaker(java.util.concurrent.atomic.AtomicLong source) {
        long current = tieBreaker;
        if (current != 0L) {
            return current;
        }
        long drawn = source.incrementAndGet();
        long witness = (long) TIE_BREAKER.compareAndExchange(this, 0L, drawn);
        return witness == 0L ? drawn : witness;
    }

    @Override
    public String toString() {
        int n = users;
        return "KeyEntry[" + key + ", " + (n == DEAD ? "dead" : "users = " + n) + "]";
    }
}
