package io.rwlocker.internal;

import io.rwlocker.Mode;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.ReentrantLock;

/*
 * Implementation notes
 *
 * The engine of io.rwlocker.FifoLock (the fifolock idea): its own admission rule, the engine's
 * waiter protocol. A request names a Mode; the head of the queue is granted when its mode's
 * isCompatible(holds) says so, and only the head is ever considered, so requests are granted
 * strictly in arrival order and nothing overtakes an incompatible head.
 *
 * State (`state`, an Object, CAS via VarHandle) is one of two representations of the holds:
 *   - FAST: a FifoHold snapshot, immutable: `count` holds, all of one `mode` object (EMPTY: none).
 *     The queue is empty and the HoldTable is empty. An acquisition whose mode is that very object
 *     (or any mode, when nobody holds) evaluates isCompatible against the snapshot and pushes a new
 *     FifoHold (count + 1, prev = the snapshot) with one CAS; that FifoHold is the caller's guard.
 *     A release CASes the state to the snapshot's `prev` (count - 1, the same mode). No lock, one
 *     CAS each way, one allocation (the guard). The CAS validates the snapshot the mode was
 *     evaluated against; an ABA return to an equal snapshot object is harmless (immutable).
 *   - TABLE: the holds are in `holds` (a HoldTable: count per mode by equals, and the total) and
 *     the queue may hold waiters; both are guarded by `queueLock`, and every decision and change
 *     is made under it. Entered under the queue lock (toTableLocked: one CAS from the current
 *     snapshot, then the snapshot's holds are loaded into the table before the lock is released)
 *     whenever the fast path cannot decide: a second mode, an incompatible request (it must
 *     queue), a request already in line. Left under the queue lock as soon as the queue is empty
 *     and at most one mode is held (leaveTableLocked: the table's holds move into a new snapshot
 *     without `prev`, and the table is cleared, before one volatile store of the state).
 * Fast-path operations that find TABLE, or whose CAS fails because the state moved to TABLE, take
 * the queue lock. A hold is always released by the mode object it is counted under (its
 * snapshot's, or the table's, which become each other's when the representation changes), so a
 * release never calls a user's equals(). A release that saw TABLE re-checks under the queue lock:
 * if the state went back to FAST meanwhile, its hold is in the snapshot and it retries there.
 * `queueLength` mirrors the queue's size for lock-free reads.
 *
 * Admission (admitLocked, TABLE only), run after every release and after the head leaves the
 * line: evaluate the head's mode against the table; compatible -> count the hold, unlink the node,
 * mark it GRANTED, chain it for waking, and consider the next head at once (several compatible
 * requests are granted in one pass); incompatible -> stop. If isCompatible (or the mode's equals)
 * throws, the exception is recorded on the node (Waiter.failure), the node leaves the queue marked
 * GRANTED with nothing taken, and the next head is considered: the requester rethrows it, the
 * releasing or cancelling thread running the pass never sees it. The chained nodes are woken after
 * the queue lock is released (grant-then-wake).
 *
 * Newcomers are evaluated only when the queue is empty (a non-empty queue is TABLE with
 * queueLength > 0: tryAcquire returns null, acquireOrEnqueue links the node): nothing overtakes a
 * queued request, even one whose mode would fit. An exception from a newcomer's own evaluation
 * reaches it directly, nothing changed.
 *
 * Grant vs cancel (the same rule as LockEngine, through Grantor): a waiter that gives up calls
 * cancel() under the queue lock. An admission pass withdraws a head whose requester is gone
 * already (Waiter.isAbandoned) instead of granting it; that requester's cancel() then returns
 * true. Still WAITING -> unlinked in O(1), and if it was the head,
 * admission re-runs at once (the upstream flaw: a cancelled request stayed queued until it reached
 * the head, blocking compatible requests behind it). Already GRANTED -> the owner keeps the hold
 * (a thread) or gives it back through giveBack() (a cancelled coroutine).
 *
 * Re-entry: under the queue lock, a Mode, a Holds or a user equals() that calls back into this
 * lock to acquire or release would change the queue in the middle of an admission pass. The queue
 * lock is reentrant, so the entry points check the hold count after locking and throw
 * IllegalStateException, the state untouched. (On the fast path there is no pass to corrupt: a
 * nested acquisition or release just makes the outer CAS fail and re-evaluate.)
 *
 * Invariants (whenever the queue lock is free): the holds are exactly those granted and not yet
 * released, in the representation `state` says; FAST implies an empty queue and an empty table;
 * the head of the queue, if any, was found incompatible with the current holds (or is waiting for
 * a hold-count overflow to clear); every node in the queue is WAITING.
 *
 * Linearization points: a fast grant or release at its CAS; a grant or release in TABLE at its
 * change of the HoldTable under the queue lock; a cancellation when it unlinks the node; a failure
 * when the admission pass unlinks the failed node; holds(mode) at its read of the state (FAST) or
 * under the queue lock (TABLE).
 */

/** The FIFO-with-modes engine behind {@code FifoLock}. Internal API. */
public final class FifoEngine implements Grantor {
    private static final VarHandle STATE;
    /** The state while the holds are in the HoldTable (under the queue lock). */
    private static final Object TABLE = new Object() {
        @Override
        public String toString() {
            return "TABLE";
        }
    };
    /** The fast path's answer "cannot decide without the queue lock". */
    private static final FifoHold UNDECIDED = FifoHold.sentinel();

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(FifoEngine.class, "state", Object.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final ReentrantLock queueLock = new ReentrantLock();
    private final WaitQueue queue = new WaitQueue();
    private final HoldTable holds = new HoldTable(queueLock);
    private volatile Object state = FifoHold.EMPTY;
    private volatile int queueLength;

    /** A free lock with an empty queue. */
    public FifoEngine() {
    }

    // ------------------------------------------------------------------ acquisition

    /**
     * One attempt without waiting: grants a hold of {@code mode} if nobody is queued and the mode
     * is compatible now. Returns the hold (the caller's guard), or null. An exception from
     * {@code isCompatible} propagates, with nothing changed.
     */
    public FifoHold tryAcquire(Mode mode) {
        FifoHold hold = fastAcquire(mode);
        if (hold != UNDECIDED) {
            return hold;
        }
        if (queueLength != 0) {
            return null; // never overtakes a queued request
        }
        return tryAcquireSlow(mode);
    }

    /**
     * The lock-free attempt alone (for a bounded spin before queueing): the new hold, or null if
     * the state is TABLE (someone waits, or several modes are held), held in another mode, or the
     * mode is incompatible with it. Never takes the queue lock, never allocates on failure.
     */
    public FifoHold tryAcquireFast(Mode mode) {
        FifoHold hold = fastAcquire(mode);
        return hold == UNDECIDED ? null : hold;
    }

    /**
     * The lock-free grant on a FAST state: the new hold, null if the mode is incompatible with
     * the snapshot, or UNDECIDED if the state is TABLE or held in another mode.
     */
    private FifoHold fastAcquire(Mode mode) {
        for (;;) {
            Object current = state;
            if (current == TABLE) {
                return UNDECIDED;
            }
            FifoHold snapshot = (FifoHold) current;
            int count = snapshot.count;
            if (count != 0 && snapshot.mode != mode) {
                return UNDECIDED;
            }
            if (count == Integer.MAX_VALUE) {
                throw new Error("Maximum lock count exceeded");
            }
            if (!mode.isCompatible(snapshot)) {
                return null;
            }
            FifoHold next = new FifoHold(this, mode, count + 1, snapshot);
            if (STATE.compareAndSet(this, current, next)) {
                return next;
            }
        }
    }

    private FifoHold tryAcquireSlow(Mode mode) {
        lockQueue();
        try {
            if (!queue.isEmpty()) {
                return null;
            }
            toTableLocked();
            Mode held = grantLocked(mode);
            return held == null ? null : new FifoHold(this, held, 0, null);
        } finally {
            leaveTableLocked();
            queueLock.unlock();
        }
    }

    /**
     * Grants {@code node} at once if nobody is queued and its mode is compatible (then the node is
     * GRANTED, its {@code mode} the counted object, and the result is true), else links it at the
     * tail (WAITING, false). An exception from {@code isCompatible} propagates, nothing linked.
     */
    public boolean acquireOrEnqueue(Waiter node) {
        lockQueue();
        try {
            toTableLocked();
            if (queue.isEmpty()) {
                Mode held = grantLocked(node.mode);
                if (held != null) {
                    node.mode = held;
                    node.status = Waiter.GRANTED;
                    return true;
                }
            }
            node.status = Waiter.WAITING;
            queue.append(node);
            queueLength = queue.size;
            return false;
        } finally {
            leaveTableLocked();
            queueLock.unlock();
        }
    }

    /** The guard of the hold granted to {@code node} (GRANTED, without failure). */
    public FifoHold holdOf(Waiter node) {
        return new FifoHold(this, node.mode, 0, null);
    }

    /** Counts a hold of {@code mode} in the table if compatible now; null if not. */
    private Mode grantLocked(Mode mode) {
        if (!mode.isCompatible(holds)) {
            return null;
        }
        return holds.add(mode);
    }

    // ------------------------------------------------------------------ release and cancellation

    /** Releases one hold counted under {@code held} and admits whom that lets in. */
    void release(Mode held) {
        for (;;) {
            Object current = state;
            if (current == TABLE) {
                if (releaseSlow(held)) {
                    return;
                }
                continue; // back to FAST meanwhile: the hold is in the snapshot
            }
            FifoHold snapshot = (FifoHold) current;
            if (snapshot.count == 0 || snapshot.mode != held) {
                throw new IllegalStateException("no hold of " + held + " to release");
            }
            if (STATE.compareAndSet(this, current, snapshot.previous())) {
                return;
            }
        }
    }

    /** The release in TABLE; false (nothing done) if the state is FAST again. */
    private boolean releaseSlow(Mode held) {
        Waiter woken;
        lockQueue();
        try {
            if (state != TABLE) {
                return false;
            }
            holds.remove(held);
            woken = queue.isEmpty() ? null : admitLocked();
        } finally {
            leaveTableLocked();
            queueLock.unlock();
        }
        Waiter.wakeAll(woken);
        return true;
    }

    /** Releases the hold granted to {@code node}; nothing if the request failed. */
    @Override
    public void giveBack(Waiter node) {
        if (node.failure == null) {
            release(node.mode);
        }
    }

    @Override
    public boolean cancel(Waiter node) {
        Waiter woken = null;
        lockQueue();
        try {
            if (node.status == Waiter.CANCELLED) {
                return true; // withdrawn by an admission pass already (abandoned): nothing was granted
            }
            if (node.status != Waiter.WAITING) {
                return false;
            }
            boolean wasHead = queue.head == node;
            queue.remove(node);
            queueLength = queue.size;
            node.status = Waiter.CANCELLED;
            if (wasHead) {
                woken = admitLocked();
            }
        } finally {
            leaveTableLocked();
            queueLock.unlock();
        }
        Waiter.wakeAll(woken);
        return true;
    }

    /**
     * Grants heads while they are compatible (recording failures); returns the answered nodes,
     * chained in queue order for waking after the queue lock is released.
     */
    private Waiter admitLocked() {
        Waiter first = null;
        Waiter last = null;
        for (Waiter head = queue.head; head != null && !holds.isFull(); head = queue.head) {
            if (head.isAbandoned()) {
                // Its requester is gone (a cancelled coroutine whose handler has not got here yet):
                // withdraw it instead of granting a hold it could only give back.
                queue.remove(head);
                head.status = Waiter.CANCELLED;
                continue;
            }
            try {
                Mode held = grantLocked(head.mode);
                if (held == null) {
                    break;
                }
                head.mode = held;
            } catch (Throwable failure) {
                head.failure = failure;
            }
            queue.remove(head);
            head.wakeNext = null;
            head.status = Waiter.GRANTED;
            if (last == null) {
                first = head;
            } else {
                last.wakeNext = head;
            }
            last = head;
        }
        queueLength = queue.size;
        return first;
    }

    // ------------------------------------------------------------------ representation changes

    /** Moves the holds of a FAST state into the (empty) table; the state becomes TABLE. */
    private void toTableLocked() {
        for (;;) {
            Object current = state;
            if (current == TABLE) {
                return;
            }
            if (STATE.compareAndSet(this, current, TABLE)) {
                FifoHold snapshot = (FifoHold) current;
                if (snapshot.count != 0) {
                    holds.load(snapshot.mode, snapshot.count);
                }
                return;
            }
        }
    }

    /**
     * Back to FAST when nobody waits and the holders (if any) share one mode object: the table's
     * holds move into a guard-less snapshot (their guards release by that same mode object).
     */
    private void leaveTableLocked() {
        if (state == TABLE && queue.isEmpty() && holds.distinct() <= 1) {
            FifoHold snapshot = FifoHold.snapshot(holds.firstMode(), holds.totalLocked());
            holds.clear();
            state = snapshot;
        }
    }

    private void lockQueue() {
        queueLock.lock();
        if (queueLock.getHoldCount() > 1) {
            queueLock.unlock();
            throw new IllegalStateException(
                    "a FifoLock cannot be acquired or released from inside Mode.isCompatible (or a mode's equals)");
        }
    }

    // ------------------------------------------------------------------ introspection

    /** Holds of {@code mode} (by equals) granted and not released. A snapshot. */
    public int holds(Mode mode) {
        Object current = state;
        if (current != TABLE) {
            return ((FifoHold) current).countOf(mode);
        }
        queueLock.lock();
        try {
            current = state;
            return current != TABLE ? ((FifoHold) current).countOf(mode) : holds.countLocked(mode);
        } finally {
            queueLock.unlock();
        }
    }

    /** Requests waiting (threads and coroutines). */
    public int queueLength() {
        return queueLength;
    }

    @Override
    public String toString() {
        queueLock.lock();
        try {
            Object current = state;
            String holders = current != TABLE ? ((FifoHold) current).describe() : holds.describe();
            return "holders: " + holders + "; queued = " + queue.size;
        } finally {
            queueLock.unlock();
        }
    }
}
