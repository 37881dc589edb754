package io.rwlocker.coroutines

import io.rwlocker.internal.LockEngine
import io.rwlocker.internal.Waiter
import kotlinx.coroutines.CancellableContinuation

/*
 * Implementation notes
 *
 * A suspended coroutine as a waiter node of the shared engine. `continuation` is set before the
 * node is linked anywhere, so the engine's wake() (after a grant) always finds it.
 *
 * Grant vs cancellation (prompt cancellation guarantee): the engine marks the node GRANTED under
 * its queue lock, then calls wake() -> resume(Unit, onCancellation). If the coroutine was
 * cancelled first, or is cancelled before it runs, kotlinx calls onCancellation, which gives the
 * granted holds back (and so hands the lock on). The cancellation handler of the suspension calls
 * engine.cancel(node): if the node was still WAITING it is unlinked at once (and admission re-runs);
 * if it was GRANTED the resume path above owns the clean-up. Exactly one of the two acts.
 */

/** A coroutine waiting in the engine's queue for [writeHolds] write and [readHolds] read holds. */
internal class CoroutineWaiter(
    private val engine: LockEngine,
    owner: Any,
    writeHolds: Int,
    readHolds: Int,
) : Waiter(owner, writeHolds, readHolds) {
    lateinit var continuation: CancellableContinuation<Unit>

    override fun wake() {
        continuation.resume(Unit) { _, _, _ -> giveBack() }
    }

    /** Releases the holds this node was granted but will never use. */
    fun giveBack() {
        if (readHolds > 0) engine.releaseReads(readHolds)
        if (writeHolds > 0) engine.releaseWrite()
    }
}
