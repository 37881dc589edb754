package io.rwlocker.coroutines

import io.rwlocker.Mode
import io.rwlocker.internal.Grantor
import io.rwlocker.internal.Waiter
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater
import kotlinx.coroutines.CancellableContinuation

/*
 * Implementation notes
 *
 * A suspended coroutine as a waiter node of the shared engine. `continuation` is set before the
 * node is linked anywhere, so the engine's wake() (after a grant) always finds it. The node talks
 * to its queue only through Grantor (cancel, giveBack), so the same node serves the read-write
 * LockEngine (holds: writeHolds/readHolds) and the FifoEngine behind FifoLock (a `mode`, no
 * holds; a failed FIFO request gives nothing back).
 *
 * Grant vs cancellation (prompt cancellation guarantee, DESIGN.md 5.1). The engine marks the node
 * GRANTED under its queue lock (the holds are then in the state word, a write grant names the
 * node's owner as write owner), and calls wake() -> resume(Unit, onCancellation) after releasing
 * the queue lock. A cancellation can come at any instant of that sequence. Its handler runs in the
 * cancelling thread BEFORE kotlinx dispatches the CancellationException to the coroutine, so the
 * handler is where the holds must go back: once the cancelled coroutine can run again it holds
 * nothing and is nobody's owner.
 *   - handler: engine.cancel(node); if the node was still WAITING it is unlinked (admission
 *     re-runs); if it was GRANTED, the handler gives the holds back (settle()).
 *   - resume's onCancellation (the coroutine was cancelled after wake() resumed it but before it
 *     ran, or wake() came after the cancellation): gives the holds back (settle()).
 * Both may run for one node (kotlinx invokes the cancel handler and onCancellation when a resumed
 * but undispatched continuation is cancelled), so `settled` (0 -> 1 by CAS) makes the give-back
 * happen exactly once. A condition waiter whose handler finds its re-acquisition granted keeps
 * the grant instead (keepGrant(), the same CAS): it needs exactly those holds back anyway.
 *
 * Linearization point of a cancelled-while-granted request: the give-back's releasing CAS in the
 * engine, which happens before the coroutine observes its CancellationException.
 */

/**
 * A coroutine waiting in [grantor]'s queue for [writeHolds] write and [readHolds] read holds, or
 * (a FIFO request) for one hold of [mode].
 */
internal class CoroutineWaiter(
    private val grantor: Grantor,
    owner: Any,
    writeHolds: Int,
    readHolds: Int,
    mode: Mode? = null,
) : Waiter(owner, writeHolds, readHolds, mode) {
    lateinit var continuation: CancellableContinuation<Unit>

    /** 0 while the granted holds (if any) are unclaimed; 1 once given back or kept. */
    @Volatile
    @JvmField
    var settled: Int = 0

    override fun wake() {
        continuation.resume(Unit) { _, _, _ -> settle() }
    }

    /** Gives the granted holds back, unless that (or keepGrant) already happened. */
    fun settle() {
        if (SETTLED.compareAndSet(this, 0, 1)) giveBack()
    }

    /** Claims the granted holds for the coroutine; false if they were given back already. */
    fun keepGrant(): Boolean = SETTLED.compareAndSet(this, 0, 1)

    /**
     * The cancellation handler of a lock request: withdraws the node if it still waits, else
     * gives back the holds it was granted, before the cancelled coroutine can run again.
     */
    fun onCancelled() {
        if (!grantor.cancel(this)) settle()
    }

    private fun giveBack() = grantor.giveBack(this)

    private companion object {
        val SETTLED: AtomicIntegerFieldUpdater<CoroutineWaiter> =
            AtomicIntegerFieldUpdater.newUpdater(CoroutineWaiter::class.java, "settled")
    }
}
