package io.rwlocker.internal;

/*
 * Implementation notes
 *
 * What a waiting owner needs from whatever queued its node: the two halves of the grant-vs-cancel
 * rule (DESIGN.md section 3). Both the read-write engine (LockEngine) and the FIFO-with-modes
 * engine (FifoEngine) implement it, so the one park loop (Parking) and the one coroutine node
 * (CoroutineWaiter, in the coroutines module) serve both without a second copy.
 *
 * cancel() decides under the grantor's queue lock: a node still WAITING is unlinked in O(1) and
 * admission re-runs (it may have been blocking the nodes behind it); a node already answered
 * (GRANTED) is left alone and the owner learns it holds the grant. giveBack() is for owners that
 * cannot keep a grant they no longer want (a coroutine cancelled at the instant it was granted):
 * it returns exactly what the grant gave, and gives nothing back for a FIFO request that was
 * answered with a failure (Waiter.failure).
 */

/** The queue a {@link Waiter} waits in, seen by the node's owner. Internal API. */
public interface Grantor {
    /**
     * Gives up a queued request. Returns true if the node was still waiting (it is unlinked, and
     * whoever it was blocking is admitted); false if it had been answered already, in which case
     * the owner holds what it was granted (or, for a failed FIFO request, nothing).
     */
    boolean cancel(Waiter node);

    /** Returns what the grant of {@code node} gave (its owner will not use it). */
    void giveBack(Waiter node);
}
