package io.rwlocker.fifo

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.longs.shouldBeGreaterThanOrEqual
import io.kotest.matchers.nulls.shouldBeNull
import io.kotest.matchers.nulls.shouldNotBeNull
import io.kotest.matchers.shouldBe
import io.kotest.matchers.types.shouldBeInstanceOf
import io.rwlocker.FifoLock
import io.rwlocker.Mode
import io.rwlocker.Modes
import io.rwlocker.awaitTrue
import io.rwlocker.millisSince
import java.time.Duration
import java.util.concurrent.CompletableFuture
import java.util.concurrent.CyclicBarrier
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger
import java.util.concurrent.locks.LockSupport

/**
 * Arrival order and leaving the line (DESIGN.md 4.4): only the head is considered, a compatible
 * request behind an incompatible head waits, `tryAcquire` never overtakes, compatible requests
 * are granted together in one pass; and the upstream flaw fixed: a request that times out or is
 * interrupted leaves the line at once and the ones behind it are admitted immediately.
 */
class FifoOrderSpec : FunSpec({
    timeout = 60_000L
    blockingTest = true

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

    test("strict FIFO: a read behind a queued write waits although it fits the current holds") {
        val lock = FifoLock()
        scenario(rw) {
            val r1 = start(lock, read)
            val w = start(lock, write)
            val r2 = start(lock, read)
            expect(true, false, false)
            lock.tryAcquire(read).shouldBeNull() // never overtakes, even when compatible
            lock.tryAcquire(read, Duration.ZERO).shouldBeNull()
            lock.queueLength() shouldBe 2
            lock.holds(read) shouldBe 1
            r1.complete(); expect(true, true, false)
            w.complete(); expect(true, true, true)
            r2.complete()
            listOf(r1, w, r2).forEach { it.awaitOutcome() shouldBe "completed" }
            lock.shouldBeIdle(read, write)
        }
    }

    test("one pass grants every compatible request at the head, and stops at the first that does not fit") {
        val lock = FifoLock()
        scenario(rw) {
            val w1 = start(lock, write)
            val readers = List(3) { start(lock, read) }
            val w2 = start(lock, write)
            val late = start(lock, read)
            expect(true, false, false, false, false, false)
            w1.complete()
            expect(true, true, true, true, false, false)
            lock.holds(read) shouldBe 3
            lock.queueLength() shouldBe 2
            readers.forEach { it.complete() }
            expect(true, true, true, true, true, false)
            w2.complete()
            expect(true, true, true, true, true, true)
            late.complete()
            late.awaitOutcome() shouldBe "completed"
            lock.shouldBeIdle(read, write)
        }
    }

    test("the flaw fixed: an interrupted write in line leaves at once and the read behind it joins the readers") {
        val lock = FifoLock()
        scenario(rw) {
            val r1 = start(lock, read)
            val w = start(lock, write)
            val r2 = start(lock, read)
            expect(true, false, false)
            w.cancel()
            w.awaitOutcome().shouldBeInstanceOf<InterruptedException>()
            expect(true, false, true) // r2 admitted while r1 still holds
            lock.holds(read) shouldBe 2
            r1.complete(); r2.complete()
            r2.awaitOutcome() shouldBe "completed"
            lock.shouldBeIdle(read, write)
        }
    }

    test("the flaw fixed: a timed-out write in line leaves at once and the read behind it joins the readers") {
        val lock = FifoLock()
        scenario(rw) {
            val r1 = start(lock, read)
            val started = System.nanoTime()
            val w = start(lock, write, acquire = { l, m -> l.tryAcquire(m, Duration.ofMillis(300)) })
            val r2 = start(lock, read)
            expect(true, false, false)
            w.awaitOutcome() shouldBe "timed out"
            millisSince(started) shouldBeGreaterThanOrEqual 300L
            expect(true, false, true)
            lock.holds(read) shouldBe 2
            r1.complete(); r2.complete()
            r2.awaitOutcome() shouldBe "completed"
            lock.shouldBeIdle(read, write)
        }
    }

    test("a request leaving from the middle of the line changes nothing for the others") {
        val lock = FifoLock()
        scenario(rw) {
            val w1 = start(lock, write)
            val r = start(lock, read)
            val w2 = start(lock, write)
            val r2 = start(lock, read)
            expect(true, false, false, false)
            w2.cancel()
            w2.awaitOutcome().shouldBeInstanceOf<InterruptedException>()
            expect(true, false, false, false)
            w1.complete()
            expect(true, true, false, true) // the two reads now enter together
            r.complete(); r2.complete()
            r2.awaitOutcome() shouldBe "completed"
            lock.shouldBeIdle(read, write)
        }
    }

    test("acquire() is uninterruptible: it keeps its place and returns with the interrupt status set") {
        val lock = FifoLock()
        scenario(rw) {
            val w = start(lock, write)
            val interruptedOnReturn = CompletableFuture<Boolean>()
            val r = start(lock, read, acquire = { l, m ->
                val guard = l.acquire(m)
                interruptedOnReturn.complete(Thread.currentThread().isInterrupted)
                Thread.interrupted() // let the Task body wait for complete()
                guard
            })
            expect(true, false)
            r.thread.interrupt()
            lock.queueLength() shouldBe 1
            w.complete()
            expect(true, true)
            interruptedOnReturn.get(FIFO_BOUND_SECONDS, TimeUnit.SECONDS) shouldBe true
            r.complete()
            r.awaitOutcome() shouldBe "completed"
            lock.shouldBeIdle(read, write)
        }
    }

    test("acquireInterruptibly and tryAcquire(timeout) throw at once for an interrupted thread, even on a free lock") {
        val lock = FifoLock()
        Thread.currentThread().interrupt()
        runCatching { lock.acquireInterruptibly(read) }.exceptionOrNull().shouldBeInstanceOf<InterruptedException>()
        Thread.currentThread().interrupt()
        runCatching { lock.tryAcquire(read, Duration.ofSeconds(1)) }.exceptionOrNull().shouldBeInstanceOf<InterruptedException>()
        Thread.currentThread().interrupt()
        runCatching { lock.tryAcquire(read, Duration.ZERO) }.exceptionOrNull().shouldBeInstanceOf<InterruptedException>()
        Thread.interrupted() shouldBe false
        lock.shouldBeIdle(read, write)
    }

    test("a zero or negative timeout is one attempt without waiting") {
        val lock = FifoLock()
        for (timeout in listOf(Duration.ZERO, Duration.ofNanos(-1), Duration.ofDays(-365_000_000L * 365))) {
            val g = lock.tryAcquire(write, timeout).shouldNotBeNull()
            lock.holds(write) shouldBe 1
            lock.tryAcquire(read, timeout).shouldBeNull()
            lock.queueLength() shouldBe 0
            g.close()
            lock.shouldBeIdle(read, write)
        }
    }

    test("a huge timeout waits like acquire (no overflow)") {
        val lock = FifoLock()
        scenario(rw) {
            val w = start(lock, write)
            val r = start(lock, read, acquire = { l, m -> l.tryAcquire(m, Duration.ofSeconds(Long.MAX_VALUE)) })
            expect(true, false)
            w.complete(); expect(true, true)
            r.complete()
            r.awaitOutcome() shouldBe "completed"
            lock.shouldBeIdle(read, write)
        }
    }

    test("tryAcquire(timeout) granted before its time runs out") {
        val lock = FifoLock()
        scenario(rw) {
            val w = start(lock, write)
            val r = start(lock, read, acquire = { l, m -> l.tryAcquire(m, Duration.ofSeconds(FIFO_BOUND_SECONDS)) })
            expect(true, false)
            w.complete(); expect(true, true)
            r.complete()
            r.awaitOutcome() shouldBe "completed"
            lock.shouldBeIdle(read, write)
        }
    }

    test("holds are owner-less: a guard closed by another thread releases the hold") {
        val lock = FifoLock()
        val guard = lock.acquire(write)
        val closer = Thread { guard.close() }.apply { start() }
        closer.join(TimeUnit.SECONDS.toMillis(FIFO_BOUND_SECONDS))
        lock.shouldBeIdle(read, write)
    }

    test("closing a guard twice releases once; racing closes release once") {
        val lock = FifoLock()
        val first = lock.acquire(read)
        val second = lock.acquire(read)
        first.close()
        first.close()
        lock.holds(read) shouldBe 1
        second.close()
        lock.shouldBeIdle(read, write)

        repeat(200) {
            val other = lock.acquire(read)
            val guard = lock.acquire(read)
            val barrier = CyclicBarrier(2)
            val closers = List(2) { Thread { barrier.await(); guard.close() }.apply { start() } }
            closers.forEach { it.join(TimeUnit.SECONDS.toMillis(FIFO_BOUND_SECONDS)) }
            lock.holds(read) shouldBe 1
            other.close()
        }
        lock.shouldBeIdle(read, write)
    }

    test("threads keep arrival order under a stream of requests (semaphore of 1)") {
        val lock = FifoLock()
        val one = Modes.semaphore(1)
        val order = java.util.concurrent.ConcurrentLinkedQueue<Int>()
        val holder = lock.acquire(one)
        val threads = (0 until 8).map { i ->
            Thread {
                lock.acquire(one).use { order += i }
            }.also {
                it.start()
                awaitTrue("thread $i queued") { lock.queueLength() == i + 1 }
            }
        }
        holder.close()
        threads.forEach { it.join(TimeUnit.SECONDS.toMillis(FIFO_BOUND_SECONDS)) }
        order.toList() shouldBe (0 until 8).toList()
        lock.shouldBeIdle(one)
    }

    test("hammer: reads, writes and timed requests keep exclusion and leave the lock idle") {
        val lock = FifoLock()
        val readers = AtomicInteger()
        val writers = AtomicInteger()
        val violations = AtomicInteger()
        val threads = (0 until 4).map { t ->
            Thread {
                repeat(2_000) { i ->
                    val mode = if ((i + t) % 5 == 0) write else read
                    val guard = if (i % 7 == 0) lock.tryAcquire(mode, Duration.ofNanos(20_000)) else lock.acquire(mode)
                    guard?.use {
                        if (mode === write) {
                            if (writers.incrementAndGet() != 1 || readers.get() != 0) violations.incrementAndGet()
                            LockSupport.parkNanos(1_000)
                            writers.decrementAndGet()
                        } else {
                            readers.incrementAndGet()
                            if (writers.get() != 0) violations.incrementAndGet()
                            readers.decrementAndGet()
                        }
                    }
                }
            }.apply { start() }
        }
        threads.forEach { it.join(TimeUnit.SECONDS.toMillis(30)) }
        threads.any { it.isAlive } shouldBe false
        violations.get() shouldBe 0
        lock.shouldBeIdle(read, write)
    }
})
