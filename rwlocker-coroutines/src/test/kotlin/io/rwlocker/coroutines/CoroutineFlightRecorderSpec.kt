package io.rwlocker.coroutines

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldBeEmpty
import io.kotest.matchers.collections.shouldContainExactly
import io.kotest.matchers.shouldBe
import io.rwlocker.Policy
import io.rwlocker.RWLock
import java.time.Duration
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.TimeoutCancellationException
import kotlinx.coroutines.launch
import kotlinx.coroutines.test.runCurrent
import kotlinx.coroutines.test.runTest
import kotlinx.coroutines.withTimeout
import kotlin.time.Duration.Companion.milliseconds

/**
 * The JDK Flight Recorder events of the suspending face: a coroutine that queued is an
 * `io.rwlocker.ContendedAcquire` event with waiter "coroutine" and outcome acquired, cancelled, or
 * timed out (withTimeout); a write hold by a coroutine is an `io.rwlocker.LongHold` with holder
 * "coroutine"; uncontended scopes record nothing. Names are short (JDK 17 loses pooled strings
 * longer than 16 characters after a chunk rotation: see the blocking module's Recordings.kt).
 */
class CoroutineFlightRecorderSpec : FunSpec({
    timeout = 60_000

    for (policy in Policy.entries) {
        test("acquired: a queued read { } and a queued write { } [$policy]") {
            val events = recordLockEvents {
                val mutex = ReadWriteMutex(policy, name = "c-acquired")
                runTest {
                    mutex.lockWrite()
                    val r = launch { mutex.read { } }
                    val w = launch { mutex.write { } }
                    runCurrent()
                    mutex.unlockWrite()
                    r.join()
                    w.join()
                }
                mutex.snapshot().toString() shouldBe
                    "c-acquired: $policy, coroutine reads = 0, thread reads = 0, write = none, queued: 0 coroutines, 0 threads"
            }
            events.map { it.line() }.sorted() shouldContainExactly listOf(
                "ContendedAcquire c-acquired read coroutine acquired",
                "ContendedAcquire c-acquired write coroutine acquired",
            )
        }
    }

    test("cancelled: a queued waiter whose job is cancelled; timed out: withTimeout") {
        lateinit var lock: RWLock
        val events = recordLockEvents {
            lock = RWLock.builder().name("c-cancel").build()
            val mutex = lock.asReadWriteMutex()
            runTest {
                mutex.lockWrite()
                val cancelled = launch { mutex.read { } }
                runCurrent()
                lock.queueLength shouldBe 1
                cancelled.cancel()
                cancelled.join()
                lock.queueLength shouldBe 0
                shouldThrow<TimeoutCancellationException> { withTimeout(50.milliseconds) { mutex.write { } } }
                lock.queueLength shouldBe 0
                mutex.unlockWrite()
            }
        }
        lock.isWriteLocked shouldBe false
        lock.getReadLockCount() shouldBe 0
        events.map { it.line() } shouldContainExactly listOf(
            "ContendedAcquire c-cancel read coroutine cancelled",
            "ContendedAcquire c-cancel write coroutine timed out",
        )
    }

    test("LongHold: write holds of coroutines, raw and scoped; uncontended scopes make no ContendedAcquire") {
        val events = recordLockEvents(longHoldThreshold = Duration.ZERO) {
            val mutex = ReadWriteMutex(name = "c-holds")
            runTest {
                repeat(100) { mutex.read { } }
                mutex.write { }
                mutex.lockWrite()
                mutex.unlockWrite()
                mutex.write { downgrade() }
            }
        }
        events.map { it.line() } shouldContainExactly listOf(
            "LongHold c-holds write coroutine",
            "LongHold c-holds write coroutine",
            "LongHold c-holds write coroutine",
        )
    }

    test("a condition waiter cancelled and re-acquiring records no new request") {
        val events = recordLockEvents {
            val mutex = ReadWriteMutex(name = "c-cond")
            val condition = mutex.newCondition()
            runTest {
                val entered = CompletableDeferred<Unit>()
                val waiter = launch { mutex.read { entered.complete(Unit); condition.await() } }
                runCurrent()
                entered.isCompleted shouldBe true
                mutex.lockWrite()
                waiter.cancel() // it must re-acquire its read behind this write, then rethrow
                runCurrent()
                mutex.unlockWrite()
                waiter.join()
            }
            mutex.snapshot().coroutineReadHolds shouldBe 0
        }
        events.shouldBeEmpty()
    }
})
