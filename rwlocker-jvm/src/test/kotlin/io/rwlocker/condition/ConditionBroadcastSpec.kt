package io.rwlocker.condition

import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.core.test.Enabled
import io.kotest.matchers.shouldBe
import io.rwlocker.Policy
import io.rwlocker.RWLock
import java.util.concurrent.CountDownLatch
import java.util.concurrent.ExecutorService
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit.MILLISECONDS
import java.util.concurrent.atomic.AtomicBoolean
import java.util.concurrent.atomic.AtomicInteger
import java.util.concurrent.atomic.AtomicReference

private const val WAITERS = 1_000

/** A virtual-thread-per-task executor, looked up by reflection (the tests compile for JDK 17). */
private fun newVirtualThreadExecutor(): ExecutorService =
    Executors::class.java.getMethod("newVirtualThreadPerTaskExecutor").invoke(null) as ExecutorService

private val virtualThreadsAvailable: Boolean = Runtime.version().feature() >= 21

/**
 * One signalAll wakes [WAITERS] waiters parked under the read lock: all of them re-acquire
 * (readers re-enter through the policy), and the lock and the condition end clean.
 */
private fun broadcast(lock: RWLock, start: (Runnable) -> Unit) {
    val condition = lock.newCondition()
    val go = AtomicBoolean(false)
    val done = CountDownLatch(WAITERS)
    val reacquired = AtomicInteger()
    val failure = AtomicReference<Throwable?>(null)
    repeat(WAITERS) {
        start(Runnable {
            try {
                lock.read().lock()
                try {
                    condition.waitFor { go.get() }
                    if (lock.read().holdCount == 1 && !lock.isWriteLocked) reacquired.incrementAndGet()
                } finally {
                    lock.read().unlock()
                }
            } catch (t: Throwable) {
                failure.compareAndSet(null, t)
            } finally {
                done.countDown()
            }
        })
    }
    // Enqueued and released: a waiter links its node before it gives its read hold back.
    eventually("all $WAITERS wait on the condition, holding nothing", timeoutMs = 30_000) {
        failure.get() != null || (condition.waitQueueLength == WAITERS && lock.readLockCount == 0)
    }
    failure.get()?.let { throw AssertionError("a waiter failed", it) }
    lock.readLockCount shouldBe 0
    lock.read().tryLock(BOUND_MS, MILLISECONDS) shouldBe true
    try {
        go.set(true)
        condition.signalAll()
        condition.waitQueueLength shouldBe 0
    } finally {
        lock.read().unlock()
    }
    withClue("waiters still running ${done.count}, lock $lock") {
        done.await(30_000, MILLISECONDS) shouldBe true
    }
    failure.get()?.let { throw AssertionError("a waiter failed", it) }
    reacquired.get() shouldBe WAITERS
    lock.shouldBeClean(condition)
}

/** Scale: a thousand readers parked on one condition and released by one signalAll. */
class ConditionBroadcastSpec : FunSpec({
    timeout = 120_000
    blockingTest = true

    test("$WAITERS platform threads under the read lock are all woken by one signalAll and re-acquire") {
        for (policy in listOf(Policy.WRITER_PREFERRING, Policy.FAIR)) {
            withClue("policy $policy") {
                val threads = mutableListOf<Thread>()
                broadcast(lockOf(policy)) { body ->
                    threads += Thread(null, body, "broadcast-waiter", 256 * 1024L).apply {
                        isDaemon = true
                        start()
                    }
                }
                threads.forEach { it.join(BOUND_MS) }
                threads.count { it.isAlive } shouldBe 0
            }
        }
    }

    test("$WAITERS virtual threads under the read lock are all woken by one signalAll and re-acquire (JDK 21+)")
        .config(enabledOrReasonIf = {
            if (virtualThreadsAvailable) Enabled.enabled
            else Enabled.disabled("virtual threads need JDK 21+; running on JDK ${Runtime.version()}")
        }) {
            val executor = newVirtualThreadExecutor()
            try {
                for (policy in listOf(Policy.WRITER_PREFERRING, Policy.READER_PREFERRING)) {
                    withClue("policy $policy") {
                        broadcast(lockOf(policy)) { body -> executor.execute(body) }
                    }
                }
                executor.shutdown()
                executor.awaitTermination(BOUND_MS, MILLISECONDS) shouldBe true // every waiter ended
            } finally {
                // After a failure above: stop what is left, without an assertion that would
                // replace the failure that is being reported.
                executor.shutdownNow()
            }
        }
})
