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
 *   n >= 1   live: n threads or coroutines hold the key's lock or wait for it (each counted once
 *            per acquisition, from before it touches the lock until after it has let go of it);
 *   0        idle: nobody holds or awaits the lock; the entry stays in the table so that the next
 *            user of the key revives it (0 -> 1) instead of building a new entry and map node;
 *   DEAD     swept: the table's sweeper turned an idle entry dead (0 -> DEAD) and removes it from
 *            the map; never used again.
 * A fresh entry is born with users == 1 (its creator) before it is published. DEAD is reached
 * only from 0 and is final: `retain` fails on it, so a thread that found the entry just before the
 * sweeper killed it never revives it (the classic race of reference-counted maps); it goes back
 * to the table instead. The sweeper's 0 -> DEAD and a user's 0 -> 1 are CASes on the same word:
 * exactly one of them wins, so a swept entry has no user and a revived entry is not swept.
 *
 * `tieBreaker`: 0 until a multi-key acquisition must order this entry against another one with
 * the same `hash` (distinct keys with equal hash codes), then a number drawn once from the table's
 * counter and never changed (CAS from 0). See KeyOrder for the global order.
 *
 * `key` is the key the entry was created for (equal to every key that finds it); `hash` is its
 * hashCode(), taken once. `key` is cleared once the entry is dead and parked in SpareLocks, so the
 * pool does not keep an old key reachable (a dead entry's key is read only by the sweeper, before
 * that). `nextSpare`/`spareDepth` link a dead entry into SpareLocks. `tenure` counts the entries the lock has served, this one included (SpareLocks retires a
 * lock after a bounded tenure).
 *
 * Linearization points: a retain at its successful CAS n -> n+1 (n >= 0); a release at its CAS
 * n -> n-1; a sweep at its CAS 0 -> DEAD.
 */

/** A key's lock and its count of users (holders and waiters). Internal API. */
public final class KeyEntry {
    /** The value of {@code users} once the sweeper has removed the idle entry. */
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
    /** The next entry down the SpareLocks stack (dead entries only; published by the stack's CAS). */
    KeyEntry nextSpare;
    /** This entry's depth in the SpareLocks stack (1 = bottom). */
    int spareDepth;
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

    /** Holders and waiters now (a snapshot), 0 when idle or dead. */
    public int users() {
        return Math.max(users, 0);
    }

    /** Adds a user (reviving an idle entry) unless it is dead; false if it is (look it up again). */
    boolean retain() {
        for (;;) {
            int n = users;
            if (n < 0) {
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

    /** Removes a user; the last one leaves the entry idle (still in the table, reusable). */
    void release() {
        for (;;) {
            int n = users;
            if (n <= 0) {
                throw new IllegalStateException("released an entry that has no users");
            }
            if (USERS.weakCompareAndSet(this, n, n - 1)) {
                return;
            }
        }
    }

    /** Whether nobody uses the entry now (a snapshot: a user may revive it at any moment). */
    boolean isIdle() {
        return users == 0;
    }

    /** The sweeper's step: turns an idle entry dead; false if it has users again (or is dead). */
    boolean kill() {
        return USERS.compareAndSet(this, 0, DEAD);
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
        return "KeyEntry[" + key + ", " + (n == DEAD ? "dead" : n == 0 ? "idle" : "users = " + n) + "]";
    }
}
