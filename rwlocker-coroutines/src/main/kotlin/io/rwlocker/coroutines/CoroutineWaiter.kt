package io.rwlocker.coroutines

import io.rwlocker.Mode
import io.rwlocker.internal.Grantor
import io.rwlocker.internal.Waiter
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater
import kotlin.coroutines.resume
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
 * node's owner as write owner), and calls wake() -> resume(Unit) after releasing the queue lock.
 * A cancellation can come at any instant of that sequence. Whoever gives the holds back must have
 * finished doing so before the cancelled coroutine can run again (else it would observe itself as
 * the owner and, say, fail a nested-write check or re-enter a lock it is about to lose). So the
 * give-back of a queued node happens in exactly one place: its cancellation handler.
 *   - kotlinx calls the handler of a cancelled continuation, in every order of events, before the
 *     coroutine can observe its CancellationException: cancelled before the resume (the handler
 *     runs in the cancelling thread before it dispatches the exception), cancelled after the
 *     resume but before the coroutine ran (the dispatch or getResult calls the handler, then
 *     resumes with the exception in the same thread), handler installed only after both (then
 *     invokeOnCancellation calls it at once, in the coroutine's own thread).
 *   - handler: engine.cancel(node); if the node was still WAITING it is unlinked (admission
 *     re-runs); if it was GRANTED, the handler gives the holds back (settle()) and returns only
 *     then; if an admission pass found the continuation cancelled before the handler got the
 *     queue lock (isAbandoned), the node is CANCELLED already and nothing was granted. Without
 *     that skip, a waiter cancelled an instant before a release was granted the lock and gave it
 *     back a moment later, and a tryLock in between failed on a free lock (the deep Lincheck run
 *     of the exclusive raw lock found it).
 *   - wake() therefore resumes WITHOUT an onCancellation callback. (It had one, and a
 *     cancellation before the resume then ran the handler and that callback in two threads; when
 *     the callback won the give-back, the handler returned at once and the coroutine could run
 *     its catch block while the resuming thread was still releasing: outside stress (CI) caught a
 *     coroutine that still owned the write lock after its CancellationException.)
 *   - A request granted at once (acquireOrEnqueue true: no handler installed) resumes with an
 *     onCancellation that gives back: kotlinx calls it in the coroutine's own thread before the
 *     exception is thrown.
 * `settled` (0 -> 1 by CAS) keeps the give-back exactly once anyway, and lets a condition waiter
 * whose handler finds its re-acquisition granted keep the grant instead (keepGrant(), the same
 * CAS): it needs exactly those holds back.
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
) : Waiter(owner, writeHolds, readHolds, mode), (Throwable?) -> Unit {
    /** Resumed with [owner] on a grant (see [EngineMutex.acquire]: the value lets callers tail-call it). */
    lateinit var continuation: CancellableContinuation<Any>

    /** 0 while the granted holds (if any) are unclaimed; 1 once given back or kept. */
    @Volatile
    @JvmField
    var settled: Int = 0

    /** Resumes the coroutine; its cancellation handler alone gives the grant back (see notes). */
    override fun wake() {
        continuation.resume(owner)
    }

    /**
     * A cancelled coroutine still linked (its handler, which unlinks it, has not run yet): the
     * engine skips it instead of granting holds that would only be given back.
     */
    override fun isAbandoned(): Boolean = ::continuation.isInitialized && continuation.isCancelled

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

    /**
     * The node is its own cancellation handler ([onCancelled]), so installing it allocates no
     * lambda.
     */
    override fun invoke(cause: Throwable?) = onCancelled()

    private fun giveBack() = grantor.giveBack(this)

    private companion object {
        val SETTLED: AtomicIntegerFieldUpdater<CoroutineWaiter> =
            AtomicIntegerFieldUpdater.newUpdater(CoroutineWaiter::class.java, "settled")
    }
}
