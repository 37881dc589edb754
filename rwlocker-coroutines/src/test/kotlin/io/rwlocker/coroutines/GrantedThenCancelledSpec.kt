package io.rwlocker.coroutines

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.rwlocker.Policy
import java.util.concurrent.atomic.AtomicInteger
import java.util.concurrent.atomic.AtomicReference
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import kotlin.time.Duration.Companion.seconds

/**
 * Prompt cancellation at the exact instant of a grant, made deterministic (issue 9 defect 1).
 *
 * A write release grants every queued reader in one pass and then wakes them one by one, after
 * the queue lock is released. Two coroutine readers C and D on Dispatchers.Unconfined queue
 * behind a thread's write hold; the thread's unlock() grants both and wakes D first (the engine
 * wakes a reader phase from the newest node), so D's read { } body runs inside that unlock(),
 * while C is GRANTED but not yet woken, and cancels C there. C must then hold nothing: its grant
 * is given back by the cancellation handler, before C (or anyone) can observe it. Before the fix
 * the hold stayed counted until the thread's wake() of C, so D saw 2 read holds and C's catch
 * block ran as a phantom holder.
 *
 * The same race on a condition's re-acquisition: C awaits under read { }, is signalled, and is
 * cancelled the instant its re-acquisition is granted: it must come back with exactly one read
 * hold (the grant it was given, kept), not two.
 *
 * EXCLUSIVE is not here: it admits one reader at a time, so no reader phase has two nodes (the
 * randomized GrantCancelRaceSpec covers it).
 */
class GrantedThenCancelledSpec : FunSpec({
    timeout = 60_000

    val phasePolicies = listOf(Policy.WRITER_PREFERRING, Policy.READER_PREFERRING, Policy.FAIR)

    for (policy in phasePolicies) {
        test("$policy: a reader cancelled between its grant and its wake-up holds nothing") {
            val f = Fixture(policy)
            val scope = CoroutineScope(SupervisorJob() + Dispatchers.Unconfined)
            val cScope = AtomicReference<Job?>()
            val holdsSeenByD = AtomicInteger(-1)
            val holdsSeenByC = AtomicInteger(-1)
            val cCancelled = AtomicReference<Throwable?>()
            try {
                f.lock.write().lock()
                val c = scope.launch {
                    try {
                        coroutineScope {
                            cScope.set(currentCoroutineContext()[Job])
                            f.mutex.read { }
                        }
                    } catch (e: CancellationException) {
                        cCancelled.set(e)
                        holdsSeenByC.set(f.lock.getReadLockCount())
                    }
                }
                val d = scope.launch {
                    f.mutex.read {
                        cScope.get()!!.cancel()
                        holdsSeenByD.set(f.lock.getReadLockCount())
                    }
                }
                f.lock.getQueueLength() shouldBe 2
                f.lock.write().unlock()
                runBlocking { withTimeout(10.seconds) { c.join(); d.join() } }
            } finally {
                scope.cancel()
            }
            (cCancelled.get() is CancellationException) shouldBe true
            holdsSeenByD.get() shouldBe 1 // D alone: C's grant went back at its cancellation
            holdsSeenByC.get() shouldBe 0 // D left; C is nobody's reader
            f.shouldBeFree()
        }

        test("$policy: a condition waiter cancelled as its re-acquisition is granted keeps exactly its holds") {
            val f = Fixture(policy)
            val condition = f.mutex.newCondition()
            val scope = CoroutineScope(SupervisorJob() + Dispatchers.Unconfined)
            val cScope = AtomicReference<Job?>()
            val holdsAfterAwait = AtomicInteger(-1)
            val cCancelled = AtomicReference<Throwable?>()
            try {
                val c = scope.launch {
                    try {
                        coroutineScope {
                            cScope.set(currentCoroutineContext()[Job])
                            f.mutex.read {
                                try {
                                    condition.await()
                                } finally {
                                    holdsAfterAwait.set(f.lock.getReadLockCount())
                                }
                            }
                        }
                    } catch (e: CancellationException) {
                        cCancelled.set(e)
                    }
                }
                val d = scope.launch {
                    f.mutex.read {
                        condition.await()
                        cScope.get()!!.cancel()
                    }
                }
                // Both wait on the condition, holding nothing.
                f.shouldHave(writeLocked = false, readHolds = 0, queued = 0)
                f.lock.write().lock()
                condition.signalAll() shouldBe 2 // both move to the lock queue behind this writer
                f.lock.getQueueLength() shouldBe 2
                f.lock.write().unlock() // grants both, wakes D first; D cancels C
                runBlocking { withTimeout(10.seconds) { c.join(); d.join() } }
            } finally {
                scope.cancel()
            }
            (cCancelled.get() is CancellationException) shouldBe true
            holdsAfterAwait.get() shouldBe 1 // C's own restored hold, once (D has left)
            f.shouldBeFree()
        }
    }
})
