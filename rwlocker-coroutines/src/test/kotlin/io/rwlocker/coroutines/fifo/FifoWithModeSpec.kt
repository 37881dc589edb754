package io.rwlocker.coroutines.fifo

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.types.shouldBeInstanceOf
import io.rwlocker.FifoLock
import io.rwlocker.Mode
import io.rwlocker.Modes
import io.rwlocker.coroutines.withMode
import java.io.IOException
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit.SECONDS
import java.util.concurrent.atomic.AtomicInteger
import kotlin.concurrent.thread
import kotlin.coroutines.Continuation
import kotlin.coroutines.EmptyCoroutineContext
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.TimeoutCancellationException
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.test.runCurrent
import kotlinx.coroutines.test.runTest
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.yield
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds

/**
 * `FifoLock.withMode` (DESIGN.md 5.1a, 5.1): cancellation leaves no trace and lets compatible
 * requests behind in at once (the upstream flaw fixed), a grant cancelled before the coroutine
 * runs is given back, a failing mode fails only its own request, and threads and coroutines share
 * one queue in arrival order.
 */
class FifoWithModeSpec : FunSpec({
    timeout = 60_000

    val read = Modes.read()
    val write = Modes.write()

    test("a queued coroutine cancelled: CancellationException, no node, no hold") {
        runTest {
            val lock = FifoLock()
            val holder = lock.acquire(write)
            val w = coTask(lock, write)
            runCurrent()
            lock.shouldHave(holds = 1, queued = 1, read, write)
            w.job.cancel(); runCurrent()
            w.outcome.shouldBeInstanceOf<CancellationException>()
            w.acquired shouldBe false
            lock.shouldHave(holds = 1, queued = 0, read, write)
            holder.close()
            lock.shouldHave(holds = 0, queued = 0, read, write)
        }
    }

    test("the flaw fixed: a cancelled write in line leaves at once and the read behind it joins the readers") {
        runTest {
            val lock = FifoLock()
            val r1 = coTask(lock, read)
            val w = coTask(lock, write)
            val r2 = coTask(lock, read)
            runCurrent()
            acquired(listOf(r1, w, r2)) shouldBe listOf(true, false, false)
            w.job.cancel(); runCurrent()
            acquired(listOf(r1, w, r2)) shouldBe listOf(true, false, true) // while r1 still holds
            lock.shouldHave(holds = 2, queued = 0, read, write)
            r1.complete(); r2.complete(); runCurrent()
            lock.shouldHave(holds = 0, queued = 0, read, write)
        }
    }

    test("withTimeout around a queued withMode leaves no trace, and the request behind enters at once") {
        runTest {
            val lock = FifoLock()
            val r1 = coTask(lock, read)
            runCurrent()
            val timedOut = async {
                runCatching { withTimeout(50.milliseconds) { lock.withMode(write) { } } }.exceptionOrNull()
            }
            runCurrent()
            val r2 = coTask(lock, read)
            runCurrent()
            lock.shouldHave(holds = 1, queued = 2, read, write)
            timedOut.await().shouldBeInstanceOf<TimeoutCancellationException>()
            runCurrent()
            r2.acquired shouldBe true
            lock.shouldHave(holds = 2, queued = 0, read, write)
            r1.complete(); r2.complete(); runCurrent()
            lock.shouldHave(holds = 0, queued = 0, read, write)
        }
    }

    test("prompt cancellation: a hold granted and cancelled before the coroutine runs is passed on at once") {
        runTest {
            val lock = FifoLock()
            val holder = lock.acquire(write)
            val a = coTask(lock, write)
            val b = coTask(lock, write)
            runCurrent()
            lock.shouldHave(holds = 1, queued = 2, read, write)
            holder.close() // grants a; its resumption is dispatched, not run yet
            lock.shouldHave(holds = 1, queued = 1, read, write)
            a.job.cancel()
            runCurrent()
            a.acquired shouldBe false
            a.outcome.shouldBeInstanceOf<CancellationException>()
            b.acquired shouldBe true
            lock.shouldHave(holds = 1, queued = 0, read, write)
            b.complete(); runCurrent()
            lock.shouldHave(holds = 0, queued = 0, read, write)
        }
    }

    test("an exception inside the block releases the hold") {
        runTest {
            val lock = FifoLock()
            shouldThrow<IllegalArgumentException> { lock.withMode(write) { throw IllegalArgumentException("inside") } }
            lock.shouldHave(holds = 0, queued = 0, read, write)
            lock.withMode(read) { lock.holds(read) } shouldBe 1
            lock.shouldHave(holds = 0, queued = 0, read, write)
        }
    }

    test("a mode that throws when the coroutine evaluates it: withMode throws it, nothing changes") {
        runTest {
            val lock = FifoLock()
            val held = lock.acquire(read)
            val throwing = Mode { throw IOException("from the mode") }
            shouldThrow<IOException> { lock.withMode(throwing) { } }.message shouldBe "from the mode"
            lock.shouldHave(holds = 1, queued = 0, read, write)
            held.close()
            lock.withMode(write) { }
            lock.shouldHave(holds = 0, queued = 0, read, write)
        }
    }

    test("a queued mode that throws when a releasing thread evaluates it: withMode throws, close() does not, the next enters") {
        runTest {
            val lock = FifoLock()
            val failsWhenFree = Mode { holds -> if (holds.total() > 0) false else throw IOException("evaluated by the releaser") }
            val holder = lock.acquire(write)
            val failing = coTask(lock, failsWhenFree)
            val r = coTask(lock, read)
            runCurrent()
            lock.shouldHave(holds = 1, queued = 2, read, write)
            holder.close() // must not throw
            runCurrent()
            failing.outcome.shouldBeInstanceOf<IOException>().message shouldBe "evaluated by the releaser"
            failing.acquired shouldBe false
            r.acquired shouldBe true
            lock.shouldHave(holds = 1, queued = 0, read, write)
            r.complete(); runCurrent()
            lock.shouldHave(holds = 0, queued = 0, read, write, failsWhenFree)
        }
    }

    test("a failed request cancelled before it runs: CancellationException, nothing given back twice") {
        runTest {
            val lock = FifoLock()
            val failsWhenFree = Mode { holds -> if (holds.total() > 0) false else throw IOException("failed") }
            val holder = lock.acquire(write)
            val failing = coTask(lock, failsWhenFree)
            val r = coTask(lock, read)
            runCurrent()
            holder.close() // answers `failing` with the failure, grants r
            failing.job.cancel()
            runCurrent()
            failing.outcome.shouldBeInstanceOf<CancellationException>()
            r.acquired shouldBe true
            lock.shouldHave(holds = 1, queued = 0, read, write)
            r.complete(); runCurrent()
            lock.shouldHave(holds = 0, queued = 0, read, write)
        }
    }

    test("a null mode from Java: NullPointerException naming it, nothing changes") {
        val lock = FifoLock()
        val method = Class.forName("io.rwlocker.coroutines.WithModeKt").methods.single { it.name == "withMode" }
        val thrown = runCatching {
            method.invoke(null, lock, null, { _: Continuation<Any?> -> Unit }, Continuation<Any?>(EmptyCoroutineContext) { })
        }.exceptionOrNull()
        val cause = (thrown as? java.lang.reflect.InvocationTargetException)?.cause
        cause.shouldBeInstanceOf<NullPointerException>().message!!.contains("mode") shouldBe true
        lock.shouldHave(holds = 0, queued = 0, read, write)
    }

    test("threads and coroutines share one queue in arrival order") {
        val lock = FifoLock()
        val order = java.util.concurrent.ConcurrentLinkedQueue<String>()
        val holder = lock.acquire(write)
        runBlocking {
            val coroutineRead = launch(Dispatchers.Default) { lock.withMode(read) { order += "coroutine read" } }
            withTimeout(10.seconds) { while (lock.queueLength() != 1) delay(1) }
            val released = CountDownLatch(1)
            val threadWrite = thread(name = "thread write") {
                lock.acquire(write).use { order += "thread write" }
                released.countDown()
            }
            withTimeout(10.seconds) { while (lock.queueLength() != 2) delay(1) }
            val coroutineWrite = launch(Dispatchers.Default) { lock.withMode(write) { order += "coroutine write" } }
            withTimeout(10.seconds) { while (lock.queueLength() != 3) delay(1) }
            holder.close()
            withTimeout(10.seconds) { coroutineRead.join(); coroutineWrite.join() }
            released.await(10, SECONDS) shouldBe true
            threadWrite.join(10_000)
        }
        order.toList() shouldBe listOf("coroutine read", "thread write", "coroutine write")
        lock.shouldHave(holds = 0, queued = 0, read, write)
    }

    test("a suspended coroutine does not block its thread (one-thread dispatcher)") {
        val lock = FifoLock()
        runBlocking {
            withContext(Dispatchers.Default.limitedParallelism(1)) {
                val holder = lock.acquire(write)
                val waiting = launch { lock.withMode(read) { } }
                yield()
                lock.queueLength() shouldBe 1
                holder.close() // on the same, only thread: the queued coroutine did not block it
                withTimeout(10.seconds) { waiting.join() }
            }
        }
        lock.shouldHave(holds = 0, queued = 0, read, write)
    }

    test("hammer: coroutines and threads with cancellation keep exclusion and leave the lock idle") {
        val lock = FifoLock()
        val pool = Modes.semaphore(2)
        val readers = AtomicInteger()
        val writers = AtomicInteger()
        val inPool = AtomicInteger()
        val violations = AtomicInteger()
        fun check(mode: Mode) {
            when (mode) {
                write -> if (writers.incrementAndGet() != 1 || readers.get() != 0) violations.incrementAndGet()
                read -> { readers.incrementAndGet(); if (writers.get() != 0) violations.incrementAndGet() }
                else -> if (inPool.incrementAndGet() > 2) violations.incrementAndGet()
            }
        }
        fun leave(mode: Mode) {
            when (mode) {
                write -> writers.decrementAndGet()
                read -> readers.decrementAndGet()
                else -> inPool.decrementAndGet()
            }
        }
        val modes = listOf(read, read, write, pool)
        val threads = (0 until 2).map { t ->
            thread {
                repeat(1_000) { i ->
                    val mode = modes[(i + t) % modes.size]
                    lock.acquire(mode).use { check(mode); leave(mode) }
                }
            }
        }
        runBlocking(Dispatchers.Default) {
            coroutineScope {
                (0 until 8).map { c ->
                    async {
                        repeat(500) { i ->
                            val mode = modes[(i + c) % modes.size]
                            val job = launch {
                                lock.withMode(mode) {
                                    check(mode)
                                    try {
                                        yield()
                                    } finally {
                                        leave(mode)
                                    }
                                }
                            }
                            if (i % 3 == 0) job.cancel()
                            job.join()
                        }
                    }
                }.awaitAll()
            }
        }
        threads.forEach { it.join(30_000) }
        threads.any { it.isAlive } shouldBe false
        violations.get() shouldBe 0
        lock.shouldHave(holds = 0, queued = 0, read, write, pool)
    }
})
