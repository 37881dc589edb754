package io.rwlocker.internal;

import io.rwlocker.Mode;

/*
 * Implementation notes
 *
 * A Waiter is one pending request for the lock, or one waiter on a condition: a parked thread
 * (ThreadWaiter) or a suspended coroutine (in the coroutines module). The engine never knows
 * which: it only links the node into a queue, grants it, and calls wake().
 *
 * State: `status` starts NEW and moves NEW -> WAITING | GRANTED, WAITING -> GRANTED, WAITING -> CANCELLED, CONDITION -> WAITING
 * (a signal transfers the node to the lock queue) or CONDITION -> CANCELLED. Every
 * transition happens while holding the engine's queue lock; `status` is volatile so the owner
 * of the node may read it without the queue lock (park loops, fast checks).
 *
 * What a grant gives: `writeHolds` write holds (0 for a read request) plus `readHolds` read
 * holds, owned by `owner` (a Thread, or a coroutine owner token). A plain lock() asks for one
 * hold; a condition waiter re-acquiring asks for all the holds it released.
 *
 * FIFO requests (FifoEngine, behind io.rwlocker.FifoLock) use the same nodes with `mode` set and
 * both hold counts 0: a grant gives one hold of `mode`. On a grant the FifoEngine replaces `mode`
 * with the equal mode object its hold table counts the hold under, so that the release finds it
 * by identity and never calls a user's equals(). A FIFO request can also be answered with a
 * failure: the mode's isCompatible threw while a releasing thread evaluated it. Then `failure` is
 * set and the node is marked GRANTED (the request is over, its owner wakes up) with nothing taken;
 * the owner rethrows `failure`. `mode` and `failure` are written under the queue lock before the
 * volatile write of `status`, so the owner reads them safely after seeing GRANTED.
 *
 * Links `prev`/`next` belong to the one queue the node is in (lock queue or condition queue)
 * and are read and written only under the queue lock. `wakeNext` chains the nodes granted by one
 * admission pass so they can be woken after the queue lock is released.
 */

/** A pending lock or condition request: the engine's unit of queuing. Internal API. */
public abstract class Waiter {
    /** Linked in a lock queue, waiting for a grant. */
    public static final int WAITING = 0;
    /** The lock was handed to this node: its holds are in the lock state already. */
    public static final int GRANTED = 1;
    /** Removed by its owner (timeout, interrupt, cancellation) before any grant. */
    public static final int CANCELLED = 2;
    /** Linked in a condition queue, waiting for a signal. */
    public static final int CONDITION = 3;
    /** Created, not linked anywhere yet. */
    public static final int NEW = 4;

    /** The owner the holds belong to (a Thread, or a coroutine owner token). */
    public final Object owner;
    /** Write holds to take on grant; {@code > 0} makes this a write request. */
    public int writeHolds;
    /** Read holds to take on grant. */
    public int readHolds;
    /**
     * The mode of a FIFO request (null for a read-write lock request); after its grant, the mode
     * object the hold is counted under (equal to the requested one).
     */
    public Mode mode;
    /** Set instead of a grant when a FIFO request's mode threw from isCompatible; null otherwise. */
    public Throwable failure;

    volatile int status;
    Waiter prev;
    Waiter next;
    Waiter wakeNext;
    long ticket;

    protected Waiter(Object owner, int writeHolds, int readHolds) {
        this(owner, writeHolds, readHolds, null);
    }

    /** A request for holds, or (with {@code mode} not null and no holds) a FIFO request. */
    protected Waiter(Object owner, int writeHolds, int readHolds, Mode mode) {
        this.owner = owner;
        this.writeHolds = writeHolds;
        this.readHolds = readHolds;
        this.mode = mode;
        this.status = NEW;
    }

    /** Whether this node asks for the write lock. */
    public final boolean isWrite() {
        return writeHolds > 0;
    }

    /** The current status ({@link #WAITING}, {@link #GRANTED}, ...). */
    public final int status() {
        return status;
    }

    /** Whether the lock has been handed to this node. */
    public final boolean isGranted() {
        return status == GRANTED;
    }

    /**
     * Wakes the owner after a grant or a signal. Called by the engine after it released its
     * queue lock; must not block.
     */
    protected abstract void wake();

    /**
     * Whether the requester has already given up while the node is still linked: a cancelled
     * coroutine whose cancellation handler (which unlinks the node) has not taken the queue lock
     * yet. Admission skips such a node (unlinks it as CANCELLED) instead of granting it, so no
     * hold is handed to a requester that is gone and then given back a moment later (meanwhile a
     * tryLock would have failed). A thread's node never is: a thread withdraws under the queue
     * lock itself. Called under the queue lock; must be cheap and must not block.
     */
    protected boolean isAbandoned() {
        return false;
    }

    /** Wakes every node of a chain linked by {@code wakeNext} (outside the queue lock). */
    static void wakeAll(Waiter chain) {
        while (chain != null) {
            Waiter next = chain.wakeNext;
            chain.wakeNext = null;
            chain.wake();
            chain = next;
        }
    }
}
