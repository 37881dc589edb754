package io.rwlocker.internal;

import java.util.concurrent.atomic.AtomicReferenceArray;

/*
 * Implementation notes
 *
 * A few idle per-key locks of one KeyTable, kept to serve the next new key, so that a key that
 * comes and goes does not cost a new RWLock each time. That matters for more than speed: a lock's
 * readers keep per-thread records (a ThreadLocal per lock, see VisibleReaders), and a thread that
 * read a thousand short-lived locks would keep a thousand stale ThreadLocal entries until the
 * collector clears them and the thread's ThreadLocalMap happens to expunge them. A reused lock
 * reuses its records instead: memory stays flat however many distinct keys pass through.
 *
 * Slots: an AtomicReferenceArray of dead KeyEntries (the entry carries the lock and its tenure).
 * A thread uses the slot picked by its id, then the neighbouring one; both operations are one
 * CAS on a slot that is rarely shared, and both give up rather than wait: a miss only means a new
 * lock (take) or one more idle lock for the collector (offer). No lock, no spinning.
 *
 * Which locks may be reused:
 *   - idle ones only: nobody holds the lock and nobody is queued. The table offers a lock only
 *     after its entry died, i.e. after every user released it, so this holds except in one case:
 *     a coroutine cancelled at the instant it was granted the lock gives the grant back from the
 *     granting thread, possibly a moment after it stopped being a user. Such a lock is dropped,
 *     not pooled (the state shows the hold until the give-back), so a reused lock never carries
 *     a stray hold over to another key;
 *   - for a bounded tenure (MAX_TENURE entries): a lock's reader registry remembers every thread
 *     that ever read it (pruned of dead threads only when a writer revokes the read bias), so a
 *     lock serving ever new virtual threads forever would grow; a retired lock takes that with it.
 * The pool holds at most `slots` locks: its memory is bounded and independent of the keys used.
 */

/** Idle per-key locks waiting for the next new key. Internal API. */
final class SpareLocks {
    /** How many entries one lock serves before it is left to the collector. */
    static final int MAX_TENURE = 64;

    private final AtomicReferenceArray<KeyEntry> slots;
    private final int mask;

    SpareLocks() {
        int cpus = Runtime.getRuntime().availableProcessors();
        int size = Integer.highestOneBit(Math.max(4, Math.min(16, cpus)) * 2 - 1); // a power of two, 4..16
        this.slots = new AtomicReferenceArray<>(size);
        this.mask = size - 1;
    }

    /** An idle dead entry whose lock may serve a new key, or null. */
    KeyEntry take() {
        int home = home();
        KeyEntry spare = takeAt(home);
        return spare != null ? spare : takeAt(home ^ 1);
    }

    private KeyEntry takeAt(int index) {
        KeyEntry spare = slots.get(index);
        return spare != null && slots.compareAndSet(index, spare, null) ? spare : null;
    }

    /** Keeps {@code dead}'s lock for a later key if it is idle, its tenure allows and a slot is free. */
    void offer(KeyEntry dead) {
        if (dead.tenure >= MAX_TENURE || !isIdle(dead)) {
            return;
        }
        dead.key = null; // do not keep the old key reachable from the pool
        int home = home();
        if (!offerAt(home, dead)) {
            offerAt(home ^ 1, dead);
        }
    }

    private boolean offerAt(int index, KeyEntry dead) {
        return slots.get(index) == null && slots.compareAndSet(index, null, dead);
    }

    private static boolean isIdle(KeyEntry dead) {
        LockEngine engine = EngineAccess.engineOf(dead.lock());
        return !engine.isLocked() && engine.queueLength() == 0;
    }

    @SuppressWarnings("deprecation") // Thread.getId(): threadId() needs JDK 19
    private int home() {
        long id = Thread.currentThread().getId();
        return (int) ((id * 0x9E3779B97F4A7C15L) >>> 40) & mask;
    }
}
