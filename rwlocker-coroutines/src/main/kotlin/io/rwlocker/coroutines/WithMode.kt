package io.rwlocker.coroutines

import io.rwlocker.FifoLock
import io.rwlocker.Guard
import io.rwlocker.Mode
import io.rwlocker.internal.FifoAccess
import io.rwlocker.internal.FifoEngine
import kotlin.contracts.ExperimentalContracts
import kotlin.contracts.InvocationKind
import kotlin.contracts.contract
import kotlin.coroutines.resumeWithException
import kotlinx.coroutines.suspendCancellableCoroutine

/*
 * Implementation notes
 *
 * The suspending face of a FifoLock: the same FifoEngine (internal/FifoEngine.java: state,
 * invariants, linearization points) and the same queue as the blocking face, so threads and
 * coroutines are served in one arrival order. No state of its own.
 *
 * Fast path (no suspension): FifoEngine.tryAcquire, a one-shot grant when nobody is queued and the
 * mode fits (lock-free while the lock is idle or held in that mode only), called from the inline
 * withMode, so an uncontended call allocates no continuation, only the hold (a FifoHold, closed in
 * withMode's finally). Slow path (acquireQueued): a CoroutineWaiter node with the mode, linked
 * by FifoEngine.acquireOrEnqueue inside suspendCancellableCoroutine; the grant/cancel protocol is
 * CoroutineWaiter's (a coroutine cancelled while waiting leaves the queue at once and admission
 * re-runs; one cancelled at the instant of its grant gives the hold back before it can run again).
 * A request answered with a failure (its mode threw while a releasing thread evaluated it) is
 * resumed normally and rethrows Waiter.failure here; giveBack() gives nothing back for it.
 * An exception from the requester's own evaluation in acquireOrEnqueue resumes the continuation
 * with it (nothing was linked), so the continuation never stays half-registered.
 *
 * Linearization points: those of the engine.
 */

/**
 * Runs [block] holding one hold of [mode] of this lock and returns its result; the hold is
 * released however the block ends.
 *
 * Requests are granted strictly in arrival order, in one queue shared with the threads that call
 * [FifoLock.acquire] and its variants: only the oldest waiting request is considered, so this call
 * never overtakes an earlier one, and compatible requests behind a granted one enter together.
 *
 * Cancellation (prompt, as kotlinx.coroutines' `Mutex`): a coroutine cancelled while waiting
 * throws [kotlinx.coroutines.CancellationException], holds nothing and leaves the queue at once,
 * so compatible requests behind it are admitted immediately; if the hold was granted at that very
 * instant, it is given back before the cancelled coroutine can run again. `withTimeout { }`
 * around it leaves no trace.
 *
 * Holds are owner-less and not reentrant: a nested call of the same coroutine is a new request
 * and waits in line (with an incompatible outer hold it waits forever, as with any semaphore).
 * If [Mode.isCompatible] throws, this call throws that exception, leaves the queue, and the lock
 * goes on with the next request. Java callers passing a `null` mode get a
 * [NullPointerException].
 */
@OptIn(ExperimentalContracts::class)
public suspend inline fun <T> FifoLock.withMode(mode: Mode, block: suspend () -> T): T {
    contract { callsInPlace(block, InvocationKind.EXACTLY_ONCE) }
    val engine = FifoAccess.engineOf(this)
    val hold = engine.tryAcquire(mode) ?: acquireQueued(engine, mode)
    try {
        return block()
    } finally {
        hold.close()
    }
}

/**
 * Waits in [engine]'s queue for a hold of [mode]; returns the hold. Prompt cancellation (see
 * CoroutineWaiter); rethrows a failure of the mode.
 */
@PublishedApi
internal suspend fun acquireQueued(engine: FifoEngine, mode: Mode): Guard {
    val node = CoroutineWaiter(engine, engine, 0, 0, mode)
    suspendCancellableCoroutine<Any> { cont ->
        node.continuation = cont
        val granted = try {
            engine.acquireOrEnqueue(node)
        } catch (failure: Throwable) {
            cont.resumeWithException(failure)
            return@suspendCancellableCoroutine
        }
        if (granted) {
            cont.resume(node.owner) { _, _, _ -> node.settle() }
        } else {
            cont.invokeOnCancellation(node)
        }
    }
    node.failure?.let { throw it }
    return engine.holdOf(node)
}
