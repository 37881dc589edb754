package io.rwlocker.coroutines.fifo

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.types.shouldBeInstanceOf
import io.rwlocker.FifoLock
import io.rwlocker.Holds
import io.rwlocker.Mode
import io.rwlocker.Modes
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.test.runCurrent
import kotlinx.coroutines.test.runTest

/** The upstream test file's own Mutex: compatible while no hold of itself is held. */
private class UpstreamMutex : Mode {
    override fun isCompatible(holds: Holds): Boolean = holds.count(this) == 0
}

/**
 * The 16 tests of the Python `fifolock` library (REFERENCE.md), ported to coroutines with
 * `FifoLock.withMode`, step for step: tasks are launched in order on the test dispatcher, each
 * mutation (complete, fail, cancel) is followed by `runCurrent()`, and the exact acquisition
 * history is checked, plus the lock's holds and queue length.
 */
class FifoUpstreamCoroutineSpec : FunSpec({
    timeout = 60_000

    val mutex = Modes.mutex()
    val read = Modes.read()
    val write = Modes.write()

    test("1. mutex blocks mutex") {
        runTest {
            val lock = FifoLock()
            val t = List(2) { coTask(lock, mutex) }
            runCurrent(); acquired(t) shouldBe listOf(true, false)
            lock.shouldHave(holds = 1, queued = 1, mutex)
            t[0].complete(); runCurrent(); acquired(t) shouldBe listOf(true, true)
            t[1].complete(); runCurrent()
            t.forEach { it.outcome shouldBe "completed" }
            lock.shouldHave(holds = 0, queued = 0, mutex)
        }
    }

    test("2. a mode object can be reused for several requests") {
        runTest {
            val lock = FifoLock()
            val mode = UpstreamMutex()
            val t = List(2) { coTask(lock, mode) }
            runCurrent(); acquired(t) shouldBe listOf(true, false)
            t[0].complete(); runCurrent(); acquired(t) shouldBe listOf(true, true)
            t[1].complete(); runCurrent()
            lock.shouldHave(holds = 0, queued = 0, mode)
        }
    }

    test("3. two locks are independent") {
        runTest {
            val first = FifoLock()
            val second = FifoLock()
            val t = listOf(coTask(first, mutex), coTask(second, mutex))
            runCurrent(); acquired(t) shouldBe listOf(true, true)
            t.forEach { it.complete() }; runCurrent()
            first.shouldHave(holds = 0, queued = 0, mutex)
            second.shouldHave(holds = 0, queued = 0, mutex)
        }
    }

    test("4. an exception inside the hold reaches the caller and lets the next request in") {
        runTest {
            val lock = FifoLock()
            val t = List(2) { coTask(lock, mutex) }
            val boom = RuntimeException("raised inside the hold")
            runCurrent(); acquired(t) shouldBe listOf(true, false)
            t[0].done.completeExceptionally(boom); runCurrent()
            acquired(t) shouldBe listOf(true, true)
            // kotlinx.coroutines may recover the stack trace into a copy: same class and message
            t[0].outcome.shouldBeInstanceOf<RuntimeException>().message shouldBe boom.message
            t[1].complete(); runCurrent()
            lock.shouldHave(holds = 0, queued = 0, mutex)
        }
    }

    test("5. a request cancelled after it acquired lets the next one in") {
        runTest {
            val lock = FifoLock()
            val t = List(3) { coTask(lock, mutex) }
            runCurrent(); acquired(t) shouldBe listOf(true, false, false)
            t[0].complete(); runCurrent(); acquired(t) shouldBe listOf(true, true, false)
            t[1].job.cancel(); runCurrent(); acquired(t) shouldBe listOf(true, true, true)
            t[1].outcome.shouldBeInstanceOf<CancellationException>()
            t[2].complete(); runCurrent()
            lock.shouldHave(holds = 0, queued = 0, mutex)
        }
    }

    test("6. a request cancelled before it acquired leaves the line; the next one is served after the holder") {
        runTest {
            val lock = FifoLock()
            val t = List(3) { coTask(lock, mutex) }
            runCurrent(); acquired(t) shouldBe listOf(true, false, false)
            t[1].job.cancel(); runCurrent(); acquired(t) shouldBe listOf(true, false, false)
            t[1].outcome.shouldBeInstanceOf<CancellationException>()
            lock.shouldHave(holds = 1, queued = 1, mutex)
            t[0].complete(); runCurrent(); acquired(t) shouldBe listOf(true, false, true)
            t[2].complete(); runCurrent()
            lock.shouldHave(holds = 0, queued = 0, mutex)
        }
    }

    test("7. a holder cancelled that cancels the second request (granted at that instant) lets the third in") {
        runTest {
            val lock = FifoLock()
            lateinit var second: CoTask
            val first = coTask(lock, mutex) { second.job.cancel() }
            second = coTask(lock, mutex)
            val third = coTask(lock, mutex)
            runCurrent(); acquired(listOf(first, second, third)) shouldBe listOf(true, false, false)
            first.job.cancel() // its release grants the second, which it then cancels before it runs
            runCurrent()
            acquired(listOf(first, second, third)) shouldBe listOf(true, false, true)
            second.outcome.shouldBeInstanceOf<CancellationException>()
            lock.shouldHave(holds = 1, queued = 0, mutex)
            third.complete(); runCurrent()
            third.outcome shouldBe "completed"
            lock.shouldHave(holds = 0, queued = 0, mutex)
        }
    }

    test("8. a request made while another holds waits for it, then acquires") {
        runTest {
            val lock = FifoLock()
            val a = coTask(lock, mutex)
            runCurrent(); a.acquired shouldBe true
            val b = coTask(lock, mutex)
            runCurrent(); acquired(listOf(a, b)) shouldBe listOf(true, false)
            a.complete(); runCurrent(); acquired(listOf(a, b)) shouldBe listOf(true, true)
            b.complete(); runCurrent()
            lock.shouldHave(holds = 0, queued = 0, mutex)
        }
    }

    data class TwoStep(val name: String, val first: Mode, val second: Mode, val together: Boolean)
    for (case in listOf(
        TwoStep("9. read/write: write blocks write", write, write, false),
        TwoStep("10. read/write: write blocks read", write, read, false),
        TwoStep("11. read/write: read allows read", read, read, true),
        TwoStep("12. read/write: read blocks write", read, write, false),
    )) {
        test(case.name) {
            runTest {
                val lock = FifoLock()
                val t = listOf(coTask(lock, case.first), coTask(lock, case.second))
                runCurrent(); acquired(t) shouldBe listOf(true, case.together)
                t[0].complete(); runCurrent(); acquired(t) shouldBe listOf(true, true)
                lock.shouldHave(holds = 1, queued = 0, read, write)
                t[1].complete(); runCurrent()
                lock.shouldHave(holds = 0, queued = 0, read, write)
            }
        }
    }

    test("13. read/write: reads finishing out of order still block a write") {
        runTest {
            val lock = FifoLock()
            val t = listOf(coTask(lock, read), coTask(lock, read), coTask(lock, write))
            runCurrent(); acquired(t) shouldBe listOf(true, true, false)
            t[1].complete(); runCurrent(); acquired(t) shouldBe listOf(true, true, false)
            lock.shouldHave(holds = 1, queued = 1, read, write)
            t[0].complete(); runCurrent(); acquired(t) shouldBe listOf(true, true, true)
            t[2].complete(); runCurrent()
            lock.shouldHave(holds = 0, queued = 0, read, write)
        }
    }

    test("14. read/write: a write is not given priority over an earlier read") {
        runTest {
            val lock = FifoLock()
            val t = listOf(coTask(lock, write), coTask(lock, read), coTask(lock, write))
            runCurrent(); acquired(t) shouldBe listOf(true, false, false)
            t[0].complete(); runCurrent(); acquired(t) shouldBe listOf(true, true, false)
            t[1].complete(); runCurrent(); acquired(t) shouldBe listOf(true, true, true)
            t[2].complete(); runCurrent()
            lock.shouldHave(holds = 0, queued = 0, read, write)
        }
    }

    for ((name, firstOut) in listOf("15. semaphore of 2, completed in order" to 0, "16. semaphore of 2, completed out of order" to 1)) {
        test(name) {
            runTest {
                val lock = FifoLock()
                val semaphore = Modes.semaphore(2)
                val t = List(3) { coTask(lock, semaphore) }
                runCurrent(); acquired(t) shouldBe listOf(true, true, false)
                t[firstOut].complete(); runCurrent(); acquired(t) shouldBe listOf(true, true, true)
                lock.shouldHave(holds = 2, queued = 0, semaphore)
                t.forEach { it.complete() }; runCurrent()
                lock.shouldHave(holds = 0, queued = 0, semaphore)
            }
        }
    }
})
