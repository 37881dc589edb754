package io.rwlocker.internal;

import io.rwlocker.Mode;
import java.util.concurrent.locks.ReentrantLock;

/*
 * Implementation notes
 *
 * The engine of io.rwlocker.FifoLock (the fifolock idea): its own admission rule, the engine's
 * waiter protocol. A request names a Mode; the head of the queue is granted when its mode's
 * isCompatible(holds) says so, and only the head is ever considered, so requests are granted
 * strictly in arrival order and nothing overtakes an incompatible head.
 *
 * State: `holds` (a HoldTable: count per mode by equals, and the total), `queue` (a WaitQueue of
 * Waiter nodes: ThreadWaiter for threads, CoroutineWaiter for coroutines, each with its `mode`),
 * both guarded by `queueLock`. `queueLength` mirrors queue.size for lock-free reads. There is no
 * atomic fast path: a mode is arbitrary user code that must see one consistent set of holds, so
 * every decision and every change of the holds is made under the queue lock (one uncontended
 * ReentrantLock lock/unlock per acquisition and per release; no allocation in the engine).
 *
 * Admission (admitLocked), run after every release and after the head of the queue leaves:
 * evaluate the head's mode against the holds; compatible -> count the hold, unlink the node,
 * mark it GRANTED, chain it for waking, and consider the next head at once (several compatible
 * requests are granted in one pass); incompatible -> stop. If isCompatible (or the mode's equals)
 * throws, the exception is recorded on the node (Waiter.failure), the node leaves the queue
 * marked GRANTED with nothing taken, and the next head is considered: the requester rethrows it,
 * the releasing or cancelling thread running the pass never sees it. The chained nodes are woken
 * after the queue lock is released (grant-then-wake).
 *
 * Newcomers (acquireOrEnqueue, tryAcquire) are evaluated only when the queue is empty; otherwise
 * they queue (tryAcquire returns null): nothing overtakes a queued request, even one whose mode
 * would fit. An exception from a newcomer's own evaluation reaches it directly, nothing changed.
 *
 * Grant vs cancel (the same rule as LockEngine, through Grantor): a waiter that gives up calls
 * cancel() under the queue lock. Still WAITING -> unlinked in O(1), and if it was the head,
 * admission re-runs at once (the upstream flaw: a cancelled request stayed queued until it
 * reached the head, blocking compatible requests behind it). Already GRANTED -> the owner keeps
 * the hold (a thread) or gives it back through giveBack() (a cancelled coroutine).
 *
 * Re-entry: a Mode, a Holds or a user equals() that calls back into this lock to acquire or
 * release would change the queue in the middle of an admission pass. The queue lock is
 * reentrant, so entry points that change state check the hold count after locking and throw
 * IllegalStateException, the state untouched.
 *
 * Invariants (whenever the queue lock is free): the holds are exactly those granted and not yet
 * released; the head of the queue, if any, was found incompatible with the current holds (or is
 * waiting for a hold-count overflow to clear); every node in the queue is WAITING.
 *
 * Linearization points: a grant or a release at its change of the HoldTable under the queue
 * lock; a cancellation when it unlinks the node; a failure when the admission pass unlinks the
 * failed node.
 */

/** The FIFO-with-modes engine behind {@code FifoLock}. Internal API. */
public final class FifoEngine implements Grantor {
    private final ReentrantLock queueLock = new ReentrantLock();
    private final WaitQueue queue = new WaitQueue();
    private final HoldTable holds = new HoldTable(queueLock);
    private volatile int queueLength;

    /** A free lock with an empty queue. */
    public FifoEngine() {
    }

    // ------------------------------------------------------------------ acquisition

    /**
     * One attempt without waiting: grants a hold of {@code mode} if nobody is queued and the
     * mode is compatible now. Returns the mode the hold is counted under (pass it to
     * {@link #release(Mode)}), or null. An exception from {@code isCompatible} propagates, with
     * nothing changed.
     */
    public Mode tryAcquire(Mode mode) {
        lockQueue();
        try {
            return queue.isEmpty() ? grantLocked(mode) : null;
        } finally {
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
            queueLock.unlock();
        }
    }

    /** Counts a hold of {@code mode} if compatible now; null if not. */
    private Mode grantLocked(Mode mode) {
        if (!mode.isCompatible(holds)) {
            return null;
        }
        return holds.add(mode);
    }

    // ------------------------------------------------------------------ release and cancellation

    /** Releases one hold counted under {@code held} and admits whom that lets in. */
    public void release(Mode held) {
        Waiter woken;
        lockQueue();
        try {
            holds.remove(held);
            woken = queue.isEmpty() ? null : admitLocked();
        } finally {
            queueLock.unlock();
        }
        Waiter.wakeAll(woken);
    }

    @Override
    public boolean cancel(Waiter node) {
        Waiter woken = null;
        lockQueue();
        try {
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

    /**
     * Grants heads while they are compatible (recording failures); returns the answered nodes,
     * chained in queue order for waking after the queue lock is released.
     */
    private Waiter admitLocked() {
        Waiter first = null;
        Waiter last = null;
        for (Waiter head = queue.head; head != null && !holds.isFull(); head = queue.head) {
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
        queueLock.lock();
        try {
            return holds.countLocked(mode);
        } finally {
            queueLock.unlock();
        }
    }

    /** All holds granted and not released. A snapshot. */
    public int totalHolds() {
        queueLock.lock();
        try {
            return holds.totalLocked();
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
            return "holders: " + holds.describe() + "; queued = " + queue.size;
        } finally {
            queueLock.unlock();
        }
    }
}
