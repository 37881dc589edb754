package io.rwlocker.coroutines

import io.rwlocker.internal.LockEngine
import io.rwlocker.internal.WaitQueue
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.Job
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.suspendCancellableCoroutine
import kotlinx.coroutines.withContext

/*
 * Implementation notes
 *
 * The suspending twin of RWCondition, on the same engine calls. await(): inside one suspension,
 * (1) link the node in `waiters` (status CONDITION) while the scope still holds the mutex, (2)
 * release all of the coroutine's scope holds (w write, r read). A signal moves the node to the
 * lock queue through the policy (LockEngine.signal); the grant resumes the coroutine with exactly
 * (w, r) holds, so await returns with the scope's holds restored.
 *
 * Cancellation: the handler withdraws the node from the condition queue (not signalled) or from
 * the lock queue (signalled, not yet granted); if the re-acquisition was granted at that instant
 * the handler keeps the grant (CoroutineWaiter.keepGrant: exactly the holds the scope needs; the
 * handler is the only place a granted node's holds are settled, see CoroutineWaiter). Then, in the coroutine, await re-acquires
 * (w, r) non-cancellably unless the grant was kept, and rethrows, so the enclosing scope releases exactly what it took; if the node had been signalled,
 * the signal is passed to the next waiter. All queue edits are under the engine's queue lock:
 * O(1), no scan.
 */

/** The [SuspendCondition] of an [EngineMutex]. */
internal class EngineCondition(
    private val engine: LockEngine,
    private val mutex: EngineMutex,
) : SuspendCondition {
    private val waiters = WaitQueue()

    override suspend fun await() {
        val job = scopeOwner(currentCoroutineContext()[Job])
            ?: throw IllegalStateException("await() needs a coroutine with a Job, inside read { } or write { }")
        val writeHolds = mutex.scopeWriteHolds(job)
        val readHolds = mutex.scopeReadHolds(job)
        check(writeHolds > 0 || readHolds > 0) { "await() outside a read { } or write { } scope of its mutex" }
        val node = CoroutineWaiter(engine, job, writeHolds, readHolds)
        var signalled = true
        var keptGrant = false
        try {
            suspendCancellableCoroutine<Any> { cont ->
                node.continuation = cont
                engine.conditionEnqueue(waiters, node)
                mutex.forgetScopeReads(job, readHolds)
                if (readHolds > 0) engine.releaseReads(readHolds)
                if (writeHolds > 0) engine.releaseWrite()
                cont.invokeOnCancellation {
                    if (engine.conditionCancel(waiters, node)) {
                        signalled = false
                    } else if (!engine.cancel(node)) {
                        // Re-acquisition granted at this instant: those are exactly the holds
                        // the scope needs back, so keep them (no second trip through the queue).
                        keptGrant = node.keepGrant()
                    }
                }
            }
        } catch (e: CancellationException) {
            if (signalled) engine.signal(waiters, 1)
            if (!keptGrant) withContext(NonCancellable) { mutex.acquire(job, writeHolds, readHolds, recorded = false) }
            mutex.restoreScopeReads(job, readHolds)
            throw e
        }
        mutex.restoreScopeReads(job, readHolds)
    }

    override suspend fun waitFor(predicate: () -> Boolean) {
        // Checked before the predicate is evaluated, as RWCondition.waitFor does: outside a scope
        // the predicate would read the guarded state without the lock.
        val job = scopeOwner(currentCoroutineContext()[Job])
            ?: throw IllegalStateException("waitFor() needs a coroutine with a Job, inside read { } or write { }")
        check(mutex.scopeWriteHolds(job) > 0 || mutex.scopeReadHolds(job) > 0) {
            "waitFor() outside a read { } or write { } scope of its mutex"
        }
        while (!predicate()) await()
    }

    override fun signal(n: Int): Int {
        check(engine.isLocked) { "signal() while nobody holds the mutex" }
        return engine.signal(waiters, n)
    }

    override fun signalAll(): Int = signal(Int.MAX_VALUE)

    override fun toString(): String = "SuspendCondition[waiters = ${engine.conditionLength(waiters)}, ${mutex.name}]"
}
