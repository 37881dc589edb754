package io.rwlocker.coroutines

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.rwlocker.Policy
import java.util.concurrent.atomic.AtomicBoolean
import java.util.concurrent.atomic.AtomicInteger
import java.util.concurrent.atomic.AtomicReference
import kotlin.concurrent.thread
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
 * Prompt cancellation at every instant (DESIGN.md 5.1, issue 9 defect 1): a coroutine waiting for
 * the lock is cancelled by one thread at the same instant another thread's unlock() grants it the
 * lock. Once the cancelled coroutine runs again (on Dispatchers.Unconfined: in the cancelling
 * thread, right after the cancel handler), it must hold nothing and be nobody's owner; the grant
 * goes on exactly once. Before the fix the grant stayed recorded for the coroutine until the
 * granting thread's wake(): a plain nested-write error, a reentrant "re-entry" into a lock it did
 * not own, a read hold counted for nobody.
 *
 * A bounded loop of real races (two threads released by a spinning rendezvous, with jitter); the property is checked on
 * every iteration, and the count of iterations in which the grant really won the race is
 * asserted positive so that the test cannot pass by never reaching the window.
 * `-Drwlocker.race.iterations` changes the loop length (default 1,000 per case).
 */
class GrantCancelRaceSpec : FunSpec({
    timeout = 300_000
    val iterations = System.getProperty("rwlocker.race.iterations", "1000").toInt()

    fun spin(n: Int) {
        repeat(n) { Thread.onSpinWait() }
    }

    /** What one race saw, recorded in the coroutine right after its CancellationException. */
    class Seen(val ownWriteHolds: Int, val readHolds: Int, val retry: Throwable?)

    /**
     * Runs [iterations] races for one configuration. [waitIn] is the waiting scope (read or write)
     * whose grant races the cancellation; after catching the cancellation the coroutine records
     * what it owns and retries with a nested-free write { }.
     */
    fun race(policy: Policy, reentrant: Boolean, waitForWrite: Boolean) {
        val f = Fixture(policy, reentrant)
        val mutex = f.mutex as EngineMutex
        val go = AtomicInteger(-1)
        val done = AtomicInteger(-1)
        val victim = AtomicReference<Job?>()
        val stop = AtomicBoolean(false)
        val jitter = AtomicInteger()
        val random = java.util.Random(42)
        // A spinning rendezvous (a parking barrier's wake-up latency would dwarf the window).
        val canceller = thread(name = "canceller") {
            var next = 0
            while (!stop.get()) {
                if (go.get() < next) {
                    Thread.onSpinWait()
                    continue
                }
                spin(jitter.get())
                victim.get()!!.cancel()
                done.set(next++)
            }
        }
        val scope = CoroutineScope(SupervisorJob() + Dispatchers.Unconfined)
        var grantedThenCancelled = 0
        val failures = AtomicInteger()
        val firstFailure = AtomicReference<String?>()
        try {
            // At least `iterations` races; on a loaded machine keep going (up to 20x) until the
            // cancellation has won at least one, so the final check is never vacuous nor flaky.
            var round = 0
            while (round < iterations || (grantedThenCancelled == 0 && round < 20 * iterations)) {
                val i = round++
                run {
                f.lock.write().lock()
                val seen = AtomicReference<Seen?>()
                val outer = scope.launch {
                    val owner = scopeOwner(currentCoroutineContext()[Job])!!
                    try {
                        coroutineScope {
                            victim.set(currentCoroutineContext()[Job])
                            if (waitForWrite) mutex.write { } else mutex.read { }
                        }
                    } catch (e: CancellationException) {
                        val ownWrite = mutex.scopeWriteHolds(owner)
                        val reads = f.lock.getReadLockCount()
                        val retry = runCatching { mutex.write { } }.exceptionOrNull()
                        seen.set(Seen(ownWrite, reads, retry))
                    }
                }
                // Unconfined: the coroutine ran up to its suspension in the queue already.
                f.lock.getQueueLength() shouldBe 1
                // Jitter: shift the two actions against each other so that the loop sweeps the
                // cancellation across the whole unlock (before, inside the hand-off, after).
                jitter.set(random.nextInt(48))
                go.set(i)
                spin(random.nextInt(48))
                f.lock.write().unlock()
                val deadline = System.nanoTime() + 30_000_000_000L
                while (done.get() < i) {
                    check(System.nanoTime() < deadline) { "the canceller did not act" }
                    Thread.onSpinWait()
                }
                runBlocking { withTimeout(30.seconds) { outer.join() } }
                val s = seen.get()
                if (s == null) {
                    // The grant won: the coroutine entered and left its scope normally.
                    return@run
                }
                if (s.readHolds != 0 || s.ownWriteHolds != 0 || s.retry != null) {
                    failures.incrementAndGet()
                    firstFailure.compareAndSet(null,
                        "iteration $i: after its CancellationException the coroutine owned ${s.ownWriteHolds} " +
                            "write holds, saw ${s.readHolds} read holds, retry failed with ${s.retry}")
                }
                grantedThenCancelled++
                f.shouldBeFree()
            }
                }
        } finally {
            stop.set(true)
            canceller.join(30_000)
            scope.cancel()
        }
        firstFailure.get() shouldBe null
        failures.get() shouldBe 0
        // The cancellation won at least some of the races (else the loop proved nothing).
        (grantedThenCancelled > 0) shouldBe true
        f.shouldBeFree()
    }

    for (policy in ALL_POLICIES) {
        for (reentrant in listOf(false, true)) {
            test("$policy, reentrant=$reentrant: a write grant racing a cancellation is not kept") {
                race(policy, reentrant, waitForWrite = true)
            }
            test("$policy, reentrant=$reentrant: a read grant racing a cancellation is not kept") {
                race(policy, reentrant, waitForWrite = false)
            }
        }
    }
})
