package io.rwlocker.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/*
 * Implementation notes
 *
 * The idle per-key locks of one KeyTable's swept entries, kept to serve the next new keys, so
 * that keys that come and go do not cost a new RWLock each. That matters for more than speed: a
 * lock's readers keep per-thread records (a ThreadLocal per lock, see VisibleReaders), and the
 * JDK's ThreadLocalMap drops the entry of an unreachable ThreadLocal only when it happens to
 * expunge it. Measured: 1,000,000 keys through a table whose swept locks were dropped left
 * 342,000 stale records (57 MB) in the reading thread's map after a full GC. A reused lock reuses
 * its records instead, so a thread holds records for at most the locks a table keeps.
 *
 * Structure: a Treiber stack of dead KeyEntries (the entry carries the lock and its tenure),
 * linked through KeyEntry.nextSpare, each node carrying its depth. push: set the node's link and
 * depth, CAS the head; it gives up (the lock is left to the collector) when the stack is at
 * capacity. pop: CAS the head to its successor. No ABA: a popped entry is never pushed again (a
 * reused lock gets a new KeyEntry), and the collector keeps a node's identity unique while any
 * thread can still see it. Both run only on the table's slow paths (a sweep, a new key's entry).
 *
 * Which locks may be reused:
 *   - idle ones only: nobody holds the lock and nobody is queued. The table offers a lock only
 *     after the sweeper killed its idle entry, so this holds except in one case: a coroutine
 *     cancelled at the instant it was granted the lock gives the grant back from the granting
 *     thread, possibly a moment after it stopped being a user. Such a lock is dropped, not pooled
 *     (the state shows the hold until the give-back), so a reused lock never carries a stray hold
 *     over to another key;
 *   - for a bounded tenure (MAX_TENURE entries): a lock's reader registry remembers every thread
 *     that ever read it (pruned of dead threads only when a writer revokes the read bias), so a
 *     lock serving ever new virtual threads forever would grow; a retired lock takes that with it.
 * The pool holds at most `capacity` locks (the table's idle bound, so one sweep's locks fit):
 * its memory is bounded and independent of the keys used.
 */

/** Idle per-key locks waiting for the next new keys. Internal API. */
final class SpareLocks {
    /** How many entries one lock serves before it is left to the collector. */
    static final int MAX_TENURE = 64;

    private static final VarHandle HEAD;

    static {
        try {
            HEAD = MethodHandles.lookup().findVarHandle(SpareLocks.class, "head", KeyEntry.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final int capacity;
    private volatile KeyEntry head;

    SpareLocks(int capacity) {
        this.capacity = capacity;
    }

    /** An idle dead entry whose lock may serve a new key, or null. */
    KeyEntry take() {
        for (;;) {
            KeyEntry top = head;
            if (top == null) {
                return null;
            }
            if (HEAD.compareAndSet(this, top, top.nextSpare)) {
                top.nextSpare = null;
                return top;
            }
        }
    }

    /** Keeps {@code dead}'s lock for a later key if it is idle, its tenure allows and there is room. */
    void offer(KeyEntry dead) {
        if (dead.tenure >= MAX_TENURE || !isIdle(dead)) {
            return;
        }
        dead.key = null; // do not keep the old key reachable from the pool
        for (;;) {
            KeyEntry top = head;
            int depth = top == null ? 1 : top.spareDepth + 1;
            if (depth > capacity) {
                return; // full: this lock goes to the collector
            }
            dead.nextSpare = top;
            dead.spareDepth = depth;
            if (HEAD.compareAndSet(this, top, dead)) {
                return;
            }
        }
    }

    /** Locks in the pool now (a snapshot). */
    int size() {
        KeyEntry top = head;
        return top == null ? 0 : top.spareDepth;
    }

    private static boolean isIdle(KeyEntry dead) {
        LockEngine engine = EngineAccess.engineOf(dead.lock());
        return !engine.isLocked() && engine.queueLength() == 0;
    }
}
