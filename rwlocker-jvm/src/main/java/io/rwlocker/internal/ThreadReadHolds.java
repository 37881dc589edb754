package io.rwlocker.internal;

/*
 * Implementation notes
 *
 * Per-thread read ownership for the blocking face: each thread that reads a lock gets one
 * Counter for that lock, created on its first read and kept for the thread's life (so a thread
 * that reads again and again allocates nothing). Only the owning thread reads or writes its
 * counter, so `holds` is a plain field. The counters are what makes a foreign unlock()
 * detectable and what lets a current reader recurse while writers wait.
 *
 * The ThreadLocal is weakly referenced by each thread's map: when the lock becomes garbage, its
 * counters go with it.
 */

/** The read holds of each thread for one lock. Internal API. */
public final class ThreadReadHolds extends ThreadLocal<ThreadReadHolds.Counter> {
    /** One thread's read holds of one lock; touched only by that thread. */
    public static final class Counter {
        /** Read holds of the owning thread. */
        public int holds;
    }

    @Override
    protected Counter initialValue() {
        return new Counter();
    }
}
