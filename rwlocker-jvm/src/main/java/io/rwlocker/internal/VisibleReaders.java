package io.rwlocker.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.LinkedHashMap;
import java.util.Map;

/*
 * Implementation notes
 *
 * The per-thread ReaderRecords of one lock: a ThreadLocal to find the current thread's record,
 * and a registry (a push-only singly linked list of RecordLink nodes, head CAS'd) so a revoking
 * writer and introspection can find every record. This is what lets readers scale: with the
 * engine's BIAS bit set, a reader publishes its hold in its own record (its own cache line)
 * instead of CASing the shared state word, and a writer pays instead (LockEngine.revokeBiasLocked,
 * which calls migrate()).
 *
 * Lookup: `current()` first checks `first`, the record of the first thread that read this lock
 * (set when a record is created while `first` is empty; emptied when pruning finds its thread
 * terminated), and uses the ThreadLocal only for other threads. The common case of one dominant
 * reading thread then costs a field read and a thread-id compare instead of a ThreadLocal hash
 * lookup on lock and on unlock (the JDK's ReentrantReadWriteLock keeps a `firstReader` for the
 * same reason). A plain field: a stale value only sends a thread to the ThreadLocal, and a record
 * found through it is the caller's own (its `threadId` is final, unique, and compared with the
 * caller's).
 *
 * Bounded by the live readers, not by every thread that ever read (thread-per-task servers and
 * virtual threads create millions): a record is dropped from the registry (pruned) once its
 * thread has terminated holding nothing. Pruning runs under the engine's queue lock (one pruner
 * at a time, never concurrently with a migration): on every revocation, from introspection, and
 * from the creation of a record whenever the registry has grown past twice its size after the
 * last prune (at least PRUNE_MIN): so the registry holds at most about twice the records of live
 * threads plus PRUNE_MIN, and the pruning work is amortized O(1) per record created. Records hold
 * their thread weakly and link to nothing (the registry's RecordLink nodes do the linking), so a
 * stale ThreadLocal entry of a live thread (the lock itself unreachable) keeps one small record,
 * not a chain, and the lock never keeps a dead thread reachable.
 *
 * Registry invariants: a record is pushed once, by its thread, on first use, before the thread
 * can publish a hold in it; links are unlinked only by prune() under the queue lock, and only
 * when their record is abandoned (ReaderRecord.isAbandoned: thread terminated, nothing held);
 * the head link is never unlinked (pushers CAS only the head), so pruning never races with
 * pushing, and an unlinked link keeps its `next`, so a concurrent scan walks on correctly.
 */

/** The reader records of one lock. Internal API. */
final class VisibleReaders extends ThreadLocal<ReaderRecord> {
    /** The registry size under which creation does not prune. */
    static final int PRUNE_MIN = 64;

    private static final VarHandle HEAD;
    private static final VarHandle REGISTERED;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            HEAD = lookup.findVarHandle(VisibleReaders.class, "head", RecordLink.class);
            REGISTERED = lookup.findVarHandle(VisibleReaders.class, "registered", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** One registry entry. */
    static final class RecordLink {
        final ReaderRecord record;
        volatile RecordLink next;

        RecordLink(ReaderRecord record, RecordLink next) {
            this.record = record;
            this.next = next;
        }
    }

    private final LockEngine engine;
    private volatile RecordLink head;
    /** Links in the registry (pushes minus prunes). */
    private volatile int registered;
    /** Creation prunes when `registered` exceeds this; set by each prune. Plain: a hint. */
    private int pruneAt = PRUNE_MIN;
    /** The first reading thread's record (see the notes); plain. */
    private ReaderRecord first;

    VisibleReaders(LockEngine engine) {
        this.engine = engine;
    }

    /** The current thread's record, created and registered on first use. */
    ReaderRecord current() {
        ReaderRecord r = first;
        if (r != null && r.threadId == currentThreadId()) {
            return r;
        }
        return get();
    }

    @SuppressWarnings("deprecation") // Thread.getId(): threadId() is JDK 19+, this is --release 17
    private static long currentThreadId() {
        return Thread.currentThread().getId();
    }

    @Override
    protected ReaderRecord initialValue() {
        ReaderRecord record = new ReaderRecord(Thread.currentThread());
        RecordLink link = new RecordLink(record, null);
        RecordLink oldHead;
        do {
            oldHead = head;
            link.next = oldHead;
        } while (!HEAD.compareAndSet(this, oldHead, link));
        int size = (int) REGISTERED.getAndAdd(this, 1) + 1;
        if (first == null) {
            first = record; // the first reading thread (or the first since the cached one died)
        }
        if (size > pruneAt) {
            engine.pruneReaders(); // amortized: the registry has doubled since the last prune
        }
        return record;
    }

    /**
     * Drops the records of terminated threads that hold nothing, and empties the first-reader
     * cache if its thread is gone. Under the engine's queue lock.
     */
    void prune() {
        ReaderRecord cached = first;
        if (cached != null && cached.isAbandoned()) {
            first = null; // do not keep a dead thread's record as the cache
        }
        RecordLink previous = head;
        if (previous == null) {
            return;
        }
        int live = 1;
        int removed = 0;
        for (RecordLink link = previous.next; link != null; link = link.next) {
            if (link.record.isAbandoned()) {
                previous.next = link.next; // never the head: pushers own it
                removed++;
            } else {
                previous = link;
                live++;
            }
        }
        REGISTERED.getAndAdd(this, -removed);
        pruneAt = Math.max(PRUNE_MIN, 2 * live);
    }

    /**
     * Moves every visible hold into the central count. Called under the engine's queue lock
     * after BIAS was cleared (so no new visible hold can appear except ones that will see the
     * cleared bit and retract). For each record holding visibly, {@code addCentral} adds one
     * central hold first, then the record is marked migrated; if the reader left in between
     * (the CAS fails), {@code removeCentral} takes that hold back. Prunes as it goes.
     */
    void migrate(LockEngine engine) {
        for (RecordLink link = head; link != null; link = link.next) {
            ReaderRecord r = link.record;
            if (r.visible == ReaderRecord.VISIBLE_HELD) {
                engine.addCentralRaw(1);
                if (!ReaderRecord.VISIBLE.compareAndSet(r, ReaderRecord.VISIBLE_HELD, ReaderRecord.VISIBLE_MIGRATED)) {
                    engine.addCentralRaw(-1);
                }
            }
        }
        prune();
    }

    /** Whether any thread holds a read of this lock (a snapshot; allocation-free). */
    boolean anyHolds() {
        for (RecordLink link = head; link != null; link = link.next) {
            ReaderRecord r = link.record;
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
        for (RecordLink link = head; link != null; link = link.next) {
            ReaderRecord r = link.record;
            int visible = r.visible;
            int shared = r.central + (visible == ReaderRecord.VISIBLE_MIGRATED ? 1 : 0);
            if (shared > 0 || visible == ReaderRecord.VISIBLE_HELD) {
                holds += Math.max(r.holds, 1);
            }
            central += shared;
        }
        return new long[] {holds, central};
    }

    /** The threads holding read, with their hold counts (a monitoring snapshot). */
    Map<Thread, Integer> holders() {
        Map<Thread, Integer> result = new LinkedHashMap<>();
        for (RecordLink link = head; link != null; link = link.next) {
            ReaderRecord r = link.record;
            int visible = r.visible;
            if (r.central > 0 || visible != ReaderRecord.VISIBLE_NONE) {
                Thread t = r.thread();
                if (t != null) {
                    result.put(t, Math.max(r.holds, 1));
                }
            }
        }
        return result;
    }

    /** Links in the registry (a snapshot, for tests and monitoring). */
    int registered() {
        return registered;
    }
}
