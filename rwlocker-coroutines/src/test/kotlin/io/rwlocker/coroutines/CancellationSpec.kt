package io.rwlocker.coroutines

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.types.shouldBeInstanceOf
import io.rwlocker.Policy.EXCLUSIVE
import io.rwlocker.Policy.FAIR
import io.rwlocker.Policy.READER_PREFERRING
import io.rwlocker.Policy.WRITER_PREFERRING
import java.util.concurrent.CyclicBarrier
import java.util.concurrent.TimeUnit.SECONDS
import java.util.concurrent.atomic.AtomicBoolean
import java.util.concurrent.atomic.AtomicInteger
import kotlin.concurrent.thread
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.TimeoutCancellationException
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitCancellation
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.isActive
import kotlinx.coroutines.launch
import kotlinx.coroutines.test.TestScope
import kotlinx.coroutines.test.advanceTimeBy
import kotlinx.coroutines.test.runCurrent
import kotlinx.coroutines.test.runTest
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.withTimeoutOrNull
import kotlinx.coroutines.yield
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds

/**
 * Cancellation (DESIGN.md 5.1): a cancelled waiter throws CancellationException, leaves no queued
 * node and holds nothing, even when the lock was handed to it at the same instant (prompt
 * cancellation); `withTimeout { mutex.write { } }` leaves no trace; a cancelled waiter that was
 * blocking others lets them in at once.
 */
class CancellationSpec : FunSpec({
    timeout = 60_000

    /** A coroutine that runs `block` under [scoped] and records how it ended. */
    class Waiter(val job: Job, val ran: AtomicBoolean, val failure: () -> Throwable?)

    fun TestScope.waiter(scoped: suspend (suspend () -> Unit) -> Unit): Waiter {
        val ran = AtomicBoolean()
        var failure: Throwable? = null
        val job = launch {
            try {
                scoped { ran.set(true) }
            } catch (e: Throwable) {
                failure = e
                throw e
            }
        }
        return Waiter(job, ran) { failure }
    }

    for (policy in ALL_POLICIES) {
        context("$policy") {
            test("a queued writer cancelled: CancellationException, no node, no hold") {
                runTest {
                    val f = Fixture(policy)
                    f.mutex.lockRead()
                    val w = waiter { body -> f.mutex.write { body() } }
                    runCurrent()
                    f.shouldHave(writeLocked = false, readHolds = 1, queued = 1)
                    w.job.cancel()
                    runCurrent()
                    w.failure().shouldBeInstanceOf<CancellationException>()
                    w.ran.get() shouldBe false
                    w.job.isCancelled shouldBe true
                    f.shouldHave(writeLocked = false, readHolds = 1, queued = 0)
                    f.mutex.unlockRead()
                    f.shouldBeFree()
                }
            }

            test("a queued reader cancelled: CancellationException, no node, no hold") {
                runTest {
                    val f = Fixture(policy)
                    f.mutex.lockWrite()
                    val r = waiter { body -> f.mutex.read { body() } }
                    runCurrent()
                    f.shouldHave(writeLocked = true, readHolds = 0, queued = 1)
                    r.job.cancel()
                    runCurrent()
                    r.failure().shouldBeInstanceOf<CancellationException>()
                    r.ran.get() shouldBe false
                    f.shouldHave(writeLocked = true, readHolds = 0, queued = 0)
                    f.mutex.unlockWrite()
                    f.shouldBeFree()
                }
            }

            test("raw lockRead/lockWrite cancelled while queued: CancellationException, no node, no hold") {
                runTest {
                    val f = Fixture(policy)
                    f.mutex.lockWrite()
                    val reader = async { f.mutex.lockRead() }
                    val writer = async { f.mutex.lockWrite() }
                    runCurrent()
                    f.shouldHave(writeLocked = true, readHolds = 0, queued = 2)
                    reader.cancel(); writer.cancel()
                    shouldThrow<CancellationException> { reader.await() }
                    shouldThrow<CancellationException> { writer.await() }
                    f.shouldHave(writeLocked = true, readHolds = 0, queued = 0)
                    f.mutex.unlockWrite()
                    shouldThrow<IllegalStateException> { f.mutex.unlockRead() } // the cancelled read left no hold
                    f.shouldBeFree()
                }
            }

            test("prompt cancellation: a writer granted and cancelled in the same step passes the lock on at once") {
                runTest {
                    val f = Fixture(policy)
                    val stage = Stage(this, f.mutex)
                    f.mutex.lockWrite()
                    val a = waiter { body -> f.mutex.write { body() } }
                    runCurrent()
                    val b = stage.writer("b"); runCurrent()
                    f.shouldHave(writeLocked = true, readHolds = 0, queued = 2)

                    f.mutex.unlockWrite() // hands the lock to a; a's resumption is dispatched, not run yet
                    f.shouldHave(writeLocked = true, readHolds = 0, queued = 1)
                    a.job.cancel() // cancelled at the moment it was granted
                    runCurrent()

                    a.failure().shouldBeInstanceOf<CancellationException>()
                    a.ran.get() shouldBe false
                    stage.inside shouldBe setOf("b") // the lock went to the next waiter
                    f.shouldHave(writeLocked = true, readHolds = 0, queued = 0)
                    b.release(); runCurrent()
                    f.shouldBeFree()
                }
            }

            test("prompt cancellation: a granted reader cancelled in the same step gives its hold back") {
                runTest {
                    val f = Fixture(policy)
                    val stage = Stage(this, f.mutex)
                    f.mutex.lockWrite()
                    val a = waiter { body -> f.mutex.read { body() } }
                    runCurrent()
                    // Under WRITER_PREFERRING a queued writer would be admitted before the reader.
                    val b = if (policy != WRITER_PREFERRING) stage.writer("b").also { runCurrent() } else null

                    f.mutex.unlockWrite() // the reader is admitted (readers' turn / oldest waiter)
                    f.shouldHave(writeLocked = false, readHolds = 1, queued = if (b != null) 1 else 0)
                    a.job.cancel()
                    runCurrent()

                    a.failure().shouldBeInstanceOf<CancellationException>()
                    a.ran.get() shouldBe false
                    if (b != null) {
                        stage.inside shouldBe setOf("b")
                        f.shouldHave(writeLocked = true, readHolds = 0, queued = 0)
                        b.release(); runCurrent()
                    }
                    f.shouldBeFree()
                }
            }

            test("prompt cancellation of a raw lockWrite() granted at the same instant") {
                runTest {
                    val f = Fixture(policy)
                    f.mutex.lockRead()
                    val a = async { f.mutex.lockWrite() }
                    runCurrent()
                    val b = async { f.mutex.lockWrite(); "b holds" }
                    runCurrent()
                    f.mutex.unlockRead() // grants a
                    f.shouldHave(writeLocked = true, readHolds = 0, queued = 1)
                    a.cancel()
                    runCurrent()
                    shouldThrow<CancellationException> { a.await() }
                    b.await() shouldBe "b holds"
                    f.shouldHave(writeLocked = true, readHolds = 0, queued = 0)
                    f.mutex.unlockWrite()
                    f.shouldBeFree()
                }
            }

            test("grant racing cancellation on real threads, 200 times: the lock is never left held by nobody") {
                val f = Fixture(policy)
                var completed = 0
                var cancelled = 0
                withTimeout(30.seconds) {
                    coroutineScope {
                        repeat(200) {
                            f.mutex.lockWrite()
                            val ran = AtomicBoolean()
                            val a = launch(Dispatchers.Default) { f.mutex.write { ran.set(true) } }
                            f.lock.awaitQueueLength(1)
                            val nextRan = AtomicBoolean()
                            val next = launch(Dispatchers.Default) { f.mutex.read { nextRan.set(true) } }
                            f.lock.awaitQueueLength(2)

                            val barrier = CyclicBarrier(2)
                            val canceller = thread(name = "canceller") {
                                barrier.await(10, SECONDS)
                                a.cancel()
                            }
                            barrier.await(10, SECONDS)
                            f.mutex.unlockWrite()
                            canceller.join(10_000)
                            canceller.isAlive shouldBe false

                            a.join()
                            next.join() // would time out if a's grant had been lost
                            nextRan.get() shouldBe true
                            f.shouldBeFree()
                            if (ran.get()) completed++ else cancelled++
                        }
                    }
                }
                (completed + cancelled) shouldBe 200
            }

            test("withTimeout { write { } } and withTimeout { read { } } leave no node and no hold") {
                runTest {
                    val f = Fixture(policy)
                    f.mutex.lockRead()
                    shouldThrow<TimeoutCancellationException> { withTimeout(100) { f.mutex.write { } } }
                    f.shouldHave(writeLocked = false, readHolds = 1, queued = 0)
                    f.mutex.unlockRead()

                    f.mutex.lockWrite()
                    shouldThrow<TimeoutCancellationException> { withTimeout(100) { f.mutex.read { } } }
                    shouldThrow<TimeoutCancellationException> { withTimeout(100) { f.mutex.write { } } }
                    f.shouldHave(writeLocked = true, readHolds = 0, queued = 0)
                    f.mutex.unlockWrite()
                    f.shouldBeFree()
                }
            }

            test("5,000 timeouts in a loop leave no node and no hold (virtual time)") {
                runTest {
                    val f = Fixture(policy)
                    f.mutex.lockWrite()
                    var timeouts = 0
                    repeat(5_000) { i ->
                        val result = withTimeoutOrNull(1) {
                            if (i % 2 == 0) f.mutex.write { } else f.mutex.read { }
                            "acquired"
                        }
                        if (result == null) timeouts++
                    }
                    timeouts shouldBe 5_000
                    f.shouldHave(writeLocked = true, readHolds = 0, queued = 0)
                    f.mutex.unlockWrite()
                    f.shouldBeFree()
                }
            }

            test("timeouts racing grants on Dispatchers.Default leave no node and no hold") {
                val f = Fixture(policy)
                val acquired = AtomicInteger()
                val timedOut = AtomicInteger()
                withTimeout(30.seconds) {
                    coroutineScope {
                        val churners = (1..2).map {
                            launch(Dispatchers.Default) {
                                while (isActive) {
                                    f.mutex.write { yield() }
                                    f.mutex.read { yield() }
                                }
                            }
                        }
                        val waiters = (0 until 2).map { w ->
                            launch(Dispatchers.Default) {
                                repeat(500) { i ->
                                    val ok = withTimeoutOrNull(1.milliseconds) {
                                        if ((i + w) % 2 == 0) f.mutex.write { } else f.mutex.read { }
                                        true
                                    }
                                    if (ok == true) acquired.incrementAndGet() else timedOut.incrementAndGet()
                                }
                            }
                        }
                        waiters.forEach { it.join() }
                        churners.forEach { it.cancelAndJoin() }
                    }
                }
                (acquired.get() + timedOut.get()) shouldBe 1_000
                f.shouldBeFree()
            }

            test("a coroutine cancelled inside its scope releases the lock") {
                runTest {
                    val f = Fixture(policy)
                    val writer = launch { f.mutex.write { awaitCancellation() } }
                    runCurrent()
                    f.shouldHave(writeLocked = true, readHolds = 0, queued = 0)
                    writer.cancel(); runCurrent()
                    f.shouldBeFree()
                    val reader = launch { f.mutex.read { awaitCancellation() } }
                    runCurrent()
                    f.shouldHave(writeLocked = false, readHolds = 1, queued = 0)
                    reader.cancel(); runCurrent()
                    f.shouldBeFree()
                }
            }
        }
    }

    for (policy in listOf(WRITER_PREFERRING, FAIR)) {
        test("$policy: a cancelled writer that blocked readers lets them in at once, beside the holder") {
            runTest {
                val f = Fixture(policy)
                val stage = Stage(this, f.mutex)
                try {
                    val r1 = stage.reader("r1"); runCurrent()
                    val w = stage.writer("w"); runCurrent()
                    val r2 = stage.reader("r2"); runCurrent()
                    val r3 = stage.reader("r3"); runCurrent()
                    stage.inside shouldBe setOf("r1")
                    f.shouldHave(writeLocked = false, readHolds = 1, queued = 3)

                    w.job.cancel()
                    runCurrent()
                    stage.inside shouldBe setOf("r1", "r2", "r3")
                    f.shouldHave(writeLocked = false, readHolds = 3, queued = 0)
                    r1.release(); r2.release(); r3.release(); runCurrent()
                    stage.entered.contains("w") shouldBe false
                    f.shouldBeFree()
                } finally {
                    stage.releaseAll()
                }
            }
        }

        test("$policy: a writer timing out in front of readers lets them in at once") {
            runTest {
                val f = Fixture(policy)
                val stage = Stage(this, f.mutex)
                try {
                    val r1 = stage.reader("r1"); runCurrent()
                    val w = launch { withTimeoutOrNull(50) { f.mutex.write { } } }
                    runCurrent()
                    val r2 = stage.reader("r2"); runCurrent()
                    f.shouldHave(writeLocked = false, readHolds = 1, queued = 2)
                    advanceTimeBy(51); runCurrent()
                    w.isCompleted shouldBe true
                    stage.inside shouldBe setOf("r1", "r2")
                    f.shouldHave(writeLocked = false, readHolds = 2, queued = 0)
                    r1.release(); r2.release(); runCurrent()
                    f.shouldBeFree()
                } finally {
                    stage.releaseAll()
                }
            }
        }
    }

    test("EXCLUSIVE: cancelling the head waiter keeps the others in FIFO order") {
        runTest {
            val f = Fixture(EXCLUSIVE)
            val stage = Stage(this, f.mutex)
            try {
                val w0 = stage.writer("w0"); runCurrent()
                val r1 = stage.reader("r1"); runCurrent()
                val w1 = stage.writer("w1"); runCurrent()
                val r2 = stage.reader("r2"); runCurrent()
                r1.job.cancel(); runCurrent()
                stage.inside shouldBe setOf("w0")
                f.shouldHave(writeLocked = true, readHolds = 0, queued = 2)
                w0.release(); runCurrent()
                stage.inside shouldBe setOf("w1")
                w1.release(); runCurrent()
                stage.inside shouldBe setOf("r2")
                r2.release(); runCurrent()
                stage.entered shouldBe listOf("w0", "w1", "r2")
                f.shouldBeFree()
            } finally {
                stage.releaseAll()
            }
        }
    }

    test("READER_PREFERRING: cancelling a writer in the middle of the writer queue keeps FIFO") {
        runTest {
            val f = Fixture(READER_PREFERRING)
            val stage = Stage(this, f.mutex)
            try {
                val w0 = stage.writer("w0"); runCurrent()
                val w1 = stage.writer("w1"); runCurrent()
                val w2 = stage.writer("w2"); runCurrent()
                val w3 = stage.writer("w3"); runCurrent()
                w2.job.cancel(); runCurrent()
                f.shouldHave(writeLocked = true, readHolds = 0, queued = 2)
                w0.release(); runCurrent()
                w1.release(); runCurrent()
                w3.release(); runCurrent()
                stage.entered shouldBe listOf("w0", "w1", "w3")
                f.shouldBeFree()
            } finally {
                stage.releaseAll()
            }
        }
    }
})
