package io.rwlocker.fifo

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.types.shouldBeInstanceOf
import io.kotest.matchers.types.shouldBeSameInstanceAs
import io.rwlocker.FifoLock
import io.rwlocker.Holds
import io.rwlocker.Mode
import io.rwlocker.Modes

/** The upstream test file's own Mutex: compatible while no hold of itself is held. */
private class UpstreamMutex : Mode {
    override fun isCompatible(holds: Holds): Boolean = holds.count(this) == 0
}

/**
 * The 16 tests of the Python `fifolock` library (REFERENCE.md), ported to threads: each task is a
 * thread that requests a hold with `acquireInterruptibly`, and the upstream `task.cancel()` is an
 * interrupt (while waiting in line, or inside the hold). After each step the exact set of tasks
 * that acquired is checked, as upstream's `acquisition_history`, plus the queue length and holds.
 */
class FifoUpstreamSpec : FunSpec({
    timeout = 60_000L
    blockingTest = true

    val mutex = Modes.mutex()
    val read = Modes.read()
    val write = Modes.write()
    val rw = listOf(read, write)

    fun scenario(modes: List<Mode>, body: Scenario.() -> Unit) {
        val s = Scenario(modes)
        try {
            s.body()
        } finally {
            s.endAll()
        }
    }

    test("1. mutex blocks mutex") {
        val lock = FifoLock()
        scenario(listOf(mutex)) {
            val t = List(2) { start(lock, mutex) }
            expect(true, false)
            t[0].complete(); expect(true, true)
            t[1].complete()
            t.forEach { it.awaitOutcome() shouldBe "completed" }
            lock.shouldBeIdle(mutex)
        }
    }

    test("2. a mode object can be reused for several requests") {
        val lock = FifoLock()
        val mode = UpstreamMutex()
        scenario(listOf(mode)) {
            val t = List(2) { start(lock, mode) }
            expect(true, false)
            t[0].complete(); expect(true, true)
            t[1].complete()
            t.forEach { it.awaitOutcome() shouldBe "completed" }
            lock.shouldBeIdle(mode)
        }
    }

    test("3. two locks are independent") {
        val first = FifoLock()
        val second = FifoLock()
        scenario(listOf(mutex)) {
            val a = start(first, mutex)
            val b = start(second, mutex)
            expect(true, true)
            a.complete(); b.complete()
            a.awaitOutcome() shouldBe "completed"
            b.awaitOutcome() shouldBe "completed"
            first.shouldBeIdle(mutex)
            second.shouldBeIdle(mutex)
        }
    }

    test("4. an exception inside the hold reaches the caller and lets the next request in") {
        val lock = FifoLock()
        scenario(listOf(mutex)) {
            val t = List(2) { start(lock, mutex) }
            val boom = RuntimeException("raised inside the hold")
            expect(true, false)
            t[0].fail(boom); expect(true, true)
            t[0].awaitOutcome() shouldBeSameInstanceAs boom
            t[1].complete()
            t[1].awaitOutcome() shouldBe "completed"
            lock.shouldBeIdle(mutex)
        }
    }

    test("5. a request cancelled after it acquired lets the next one in") {
        val lock = FifoLock()
        scenario(listOf(mutex)) {
            val t = List(3) { start(lock, mutex) }
            expect(true, false, false)
            t[0].complete(); expect(true, true, false)
            t[1].cancel(); expect(true, true, true)
            t[1].awaitOutcome().shouldBeInstanceOf<InterruptedException>()
            t[2].complete()
            t[0].awaitOutcome() shouldBe "completed"
            t[2].awaitOutcome() shouldBe "completed"
            lock.shouldBeIdle(mutex)
        }
    }

    test("6. a request cancelled before it acquired leaves the line; the next one is served after the holder") {
        val lock = FifoLock()
        scenario(listOf(mutex)) {
            val t = List(3) { start(lock, mutex) }
            expect(true, false, false)
            t[1].cancel(); expect(true, false, false)
            t[1].awaitOutcome().shouldBeInstanceOf<InterruptedException>()
            lock.queueLength() shouldBe 1
            t[0].complete(); expect(true, false, true)
            t[2].complete()
            t[0].awaitOutcome() shouldBe "completed"
            t[2].awaitOutcome() shouldBe "completed"
            lock.shouldBeIdle(mutex)
        }
    }

    test("7. a holder cancelled that cancels the second request (granted at that instant) lets the third in") {
        val lock = FifoLock()
        scenario(listOf(mutex)) {
            // Upstream's access_1 cancels task_2 in its except block, after its hold was released
            // (which granted task_2): here the first task interrupts the second after its release.
            lateinit var second: Task
            val first = start(lock, mutex, afterRelease = { second.cancel() })
            second = start(lock, mutex)
            val third = start(lock, mutex)
            expect(true, false, false)
            first.cancel()
            first.awaitOutcome().shouldBeInstanceOf<InterruptedException>()
            // The second was granted before its interrupt: it keeps the hold (a thread does), sees
            // the interrupt inside it and leaves, which lets the third in.
            second.awaitOutcome().shouldBeInstanceOf<InterruptedException>()
            expect(true, true, true)
            third.complete()
            third.awaitOutcome() shouldBe "completed"
            lock.shouldBeIdle(mutex)
        }
    }

    test("8. a request made while another holds waits for it, then acquires") {
        val lock = FifoLock()
        scenario(listOf(mutex)) {
            val a = start(lock, mutex)
            expect(true)
            val b = start(lock, mutex)
            expect(true, false)
            a.complete(); expect(true, true)
            b.complete()
            b.awaitOutcome() shouldBe "completed"
            lock.shouldBeIdle(mutex)
        }
    }

    test("9. read/write: write blocks write") {
        val lock = FifoLock()
        scenario(rw) {
            val t = listOf(start(lock, write), start(lock, write))
            expect(true, false)
            t[0].complete(); expect(true, true)
            t[1].complete(); t[1].awaitOutcome() shouldBe "completed"
            lock.shouldBeIdle(read, write)
        }
    }

    test("10. read/write: write blocks read") {
        val lock = FifoLock()
        scenario(rw) {
            val t = listOf(start(lock, write), start(lock, read))
            expect(true, false)
            t[0].complete(); expect(true, true)
            t[1].complete(); t[1].awaitOutcome() shouldBe "completed"
            lock.shouldBeIdle(read, write)
        }
    }

    test("11. read/write: read allows read") {
        val lock = FifoLock()
        scenario(rw) {
            val t = listOf(start(lock, read), start(lock, read))
            expect(true, true)
            lock.holds(read) shouldBe 2
            t[0].complete(); expect(true, true)
            t[1].complete(); t[1].awaitOutcome() shouldBe "completed"
            lock.shouldBeIdle(read, write)
        }
    }

    test("12. read/write: read blocks write") {
        val lock = FifoLock()
        scenario(rw) {
            val t = listOf(start(lock, read), start(lock, write))
            expect(true, false)
            t[0].complete(); expect(true, true)
            t[1].complete(); t[1].awaitOutcome() shouldBe "completed"
            lock.shouldBeIdle(read, write)
        }
    }

    test("13. read/write: reads finishing out of order still block a write") {
        val lock = FifoLock()
        scenario(rw) {
            val t = listOf(start(lock, read), start(lock, read), start(lock, write))
            expect(true, true, false)
            t[1].complete(); expect(true, true, false)
            t[1].awaitOutcome() shouldBe "completed"
            lock.holds(read) shouldBe 1
            t[0].complete(); expect(true, true, true)
            t[2].complete(); t[2].awaitOutcome() shouldBe "completed"
            lock.shouldBeIdle(read, write)
        }
    }

    test("14. read/write: a write is not given priority over an earlier read") {
        val lock = FifoLock()
        scenario(rw) {
            val t = listOf(start(lock, write), start(lock, read), start(lock, write))
            expect(true, false, false)
            t[0].complete(); expect(true, true, false)
            t[1].complete(); expect(true, true, true)
            t[2].complete(); t[2].awaitOutcome() shouldBe "completed"
            lock.shouldBeIdle(read, write)
        }
    }

    test("15. semaphore of 2, completed in order") {
        val lock = FifoLock()
        val semaphore = Modes.semaphore(2)
        scenario(listOf(semaphore)) {
            val t = List(3) { start(lock, semaphore) }
            expect(true, true, false)
            t[0].complete(); expect(true, true, true)
            t[1].complete(); t[2].complete()
            t.forEach { it.awaitOutcome() shouldBe "completed" }
            lock.shouldBeIdle(semaphore)
        }
    }

    test("16. semaphore of 2, completed out of order") {
        val lock = FifoLock()
        val semaphore = Modes.semaphore(2)
        scenario(listOf(semaphore)) {
            val t = List(3) { start(lock, semaphore) }
            expect(true, true, false)
            t[1].complete(); expect(true, true, true)
            t[0].complete(); t[2].complete()
            t.forEach { it.awaitOutcome() shouldBe "completed" }
            lock.shouldBeIdle(semaphore)
        }
    }
})
