package io.rwlocker.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/*
 * Implementation notes
 *
 * The per-thread ReaderRecords of one lock: a ThreadLocal to find the current thread's record,
 * and a registry (a push-only singly linked list, head CAS'd) so a revoking writer can find
 * every record. This is what lets readers scale: with the engine's BIAS bit set, a reader
 * publishes its hold in its own record (its own cache line) instead of CASing the shared state
 * word, and a writer pays instead (LockEngine.revokeBiasLocked, which calls migrate()).
 *
 * Lookup: `current()` first checks `first`, the record of the first thread that read this lock
 * (set when a record is created while `first` is empty; emptied only by a migration that finds
 * its thread terminated), and uses the ThreadLocal only for other threads. The common case of
 * one dominant reading thread then costs a field read and a Thread.currentThread() compare
 * instead of a ThreadLocal hash lookup on lock and on unlock (the JDK's ReentrantReadWriteLock
 * keeps a `firstReader` for the same reason). `first` changes only while it is empty, so
 * reading it does not contend. A plain field: a stale value only sends a thread to the
 * ThreadLocal, and a record found through it is the caller's own (its `thread` is final and
 * compared with the caller).
 *
 * Registry invariants: a record is pushed once, by its thread, on first use, before the thread
 * can publish a hold in it; records are unlinked only by prune() during a migration (under the
 * engine's queue lock, so by one thread at a time), and only when their thread has terminated
 * and they hold nothing; the head is never unlinked (pushers CAS only the head), so pruning
 * never races with pushing.
 */

/** The reader records of one lock. Internal API. */
final class VisibleReaders extends ThreadLocal<ReaderRecord> {
    private static final VarHandle HEAD;

    static {
        try {
            HEAD = MethodHandles.lookup().findVarHandle(VisibleReaders.class, "head", ReaderRecord.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private volatile ReaderRecord head;
    /** The first reading thread's record (see the notes); plain. */
    private ReaderRecord first;

    /** The current thread's record, created and registered on first use. */
    ReaderRecord current() {
        ReaderRecord r = first;
        if (r != null && r.thread == Thread.currentThread()) {
            return r;
        }
        return get();
    }

    @Override
    protected ReaderRecord initialValue() {
        ReaderRecord record = new ReaderRecord(Thread.currentThread());
        ReaderRecord oldHead;
        do {
            oldHead = head;
            record.next = oldHead;
        } while (!HEAD.compareAndSet(this, oldHead, record));
        if (first == null) {
            first = record; // the first reading thread (or the first since the cached one died)
        }
        return record;
    }

    /**
     * Moves every visible hold into the central count. Called under the engine's queue lock
     * after BIAS was cleared (so no new visible hold can appear except ones that will see the
     * cleared bit and retract). For each record holding visibly, {@code addCentral} adds one
     * central hold first, then the record is marked migrated; if the reader left in between
     * (the CAS fails), {@code removeCentral} takes that hold back.
     */
    void migrate(LockEngine engine) {
        ReaderRecord previous = null;
        for (ReaderRecord r = head; r != null; r = r.next) {
            if (r.visible == ReaderRecord.VISIBLE_HELD) {
                engine.addCentralRaw(1);
                if (!ReaderRecord.VISIBLE.compareAndSet(r, ReaderRecord.VISIBLE_HELD, ReaderRecord.VISIBLE_MIGRATED)) {
                    engine.addCentralRaw(-1);
                }
            } else if (r.visible == ReaderRecord.VISIBLE_NONE && r.holds == 0
                    && (previous != null || r == first)
                    && r.thread.getState() == Thread.State.TERMINATED) {
                if (r == first) {
                    first = null; // do not keep a dead thread reachable through the cache
                }
                if (previous != null) {
                    previous.next = r.next; // prune: a dead thread's empty record
                    continue;
                }
            }
            previous = r;
        }
    }

    /** Whether any thread holds a read of this lock (a snapshot; allocation-free). */
    boolean anyHolds() {
        for (ReaderRecord r = head; r != null; r = r.next) {
            if (r.holds > 0 || r.visible != ReaderRecord.VISIBLE_NONE) {
                return true;
            }
        }
        return false;
    }

    /**
     * The read holds of all threads, and how much of the central count they account for:
     * {@code [threadHolds, centralShare]}. A thread counts as holding when its shared part (a
     * visible or central hold) is there, whatever its local {@code holds} says at that instant:
     * an unlock clears {@code holds} before it releases the shared part and a lock sets it after,
     * and it is the shared part that writers see. {@code holds} only says how many nested holds.
     */
    long[] tally() {
        long holds = 0;
        long central = 0;
        for (ReaderRecord r = head; r != null; r = r.next) {
            int visible = r.visible;
            int shared = r.central + (visible == ReaderRecord.VISIBLE_MIGRATED ? 1 : 0);
            if (shared > 0 || visible == ReaderRecord.VISIBLE_HELD) {
                holds += Math.max(r.holds, 1);
            }
            central += shared;
        }
        return new long[] {holds, central};
    }
}
