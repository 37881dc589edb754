package io.rwlocker.coroutines.soak

import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.matchers.longs.shouldBeGreaterThan
import io.kotest.matchers.longs.shouldBeLessThan
import io.kotest.matchers.shouldBe
import io.rwlocker.LockSide
import io.rwlocker.Policy
import io.rwlocker.RWLock
import io.rwlocker.coroutines.asReadWriteMutex
import io.rwlocker.coroutines.read
import io.rwlocker.coroutines.write
import io.rwlocker.internal.EngineAccess
import io.rwlocker.internal.LockEngine
import io.rwlocker.internal.ThreadWaiter
import io.rwlocker.internal.WaitQueue
import java.util.concurrent.CountDownLatch
import java.util.concurrent.ThreadFactory
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicLong
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.joinAll
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.withTimeoutOrNull

/**
 * Leaks (issue 15): waits that end without the lock must leave nothing behind.
 *
 *  - [count] acquisitions that really wait and then give up, on locks of every policy held by a
 *    writer thread: half by threads (`tryLock(1 us)` on the read and the write side; platform
 *    threads, and virtual threads on JDK 21+), half by coroutines (`read { }`, `write { }` and
 *    raw `lockRead`/`lockWrite` in batches of 1,000, suspended in the queue, then half of the
 *    batches cancelled and half timed out by `withTimeoutOrNull(1 ms)`);
 *  - [count] condition waits that time out or are cancelled: half on an [io.rwlocker.RWCondition]
 *    (`awaitNanos(1 us)` under the read or the write lock: the node is linked, the lock released,
 *    the node withdrawn, the lock re-acquired), half on a [io.rwlocker.coroutines.SuspendCondition]
 *    inside `read { }` (batches of 1,000, half timed out by `withTimeoutOrNull(1 ms)`, half
 *    cancelled).
 *
 * Afterwards the engine's own counters say no node is retained (`getQueueLength()`, the reader
 * and writer queues' sizes, each condition's queue size), nothing is held, and the heap after GC
 * grew by less than [HEAP_BOUND] (one retained node per wait would be 16 MB or more). `count` is
 * `-Drwlocker.leaks.count` (default 500,000 of each kind; the soak profile raises it). A control
 * shows that both checks fail when nodes are retained.
 *
 * The primitives built beside `RWLock` ([PrimitiveLeaks], `-Drwlocker.leaks.primitives.count`
 * of each, default half of `count`, so that `mvn verify` stays fast): abandoned `FifoLock`
 * waits (threads and `withMode` coroutines) leave `queueLength()` and the queue's own size 0;
 * abandoned `KeyedLocks` waits on ever new keys (threads and `KeyedReadWriteMutex` coroutines,
 * single and multi-key) leave one user per held key and `size()` 0 once the holder leaves; cancelled `PriorityDispatcher` tasks (Deferreds, futures,
 * callers, timeouts) leave `queuedTasks` 0 and `runningTasks` 1 (the blocking write) and never
 * run. Each under the same heap bound.
 */
class LeakSpec : FunSpec({
    timeout = 900_000L
    blockingTest = true
    val count = Integer.getInteger("rwlocker.leaks.count", 500_000)
    val policies = Policy.entries

    test("%,d timed-out or cancelled acquisitions (threads and coroutines) leave no queued node and no retained memory".format(count)) {
        val locks = policies.map { RWLock.builder().policy(it).build() }
        val before = usedHeapAfterGc()
        val holders = locks.map { lock -> Holder(lock) }
        try {
            // Threads: half of the count.
            val threadAttempts = count / 2
            val timedOut = AtomicLong()
            val wrongly = AtomicLong()
            val workers = 4 + if (VirtualThreads.available) 4 else 0
            val virtualFactory: ThreadFactory? = if (VirtualThreads.available) VirtualThreads.factory("leak-") else null
            val done = CountDownLatch(workers)
            val threads = (0 until workers).map { w ->
                val task = Runnable {
                    try {
                        val lock = locks[w % locks.size]
                        repeat(threadAttempts / workers) { i ->
                            val side: LockSide = if (i % 2 == 0) lock.read() else lock.write()
                            if (side.tryLock(1, TimeUnit.MICROSECONDS)) {
                                wrongly.incrementAndGet()
                                side.unlock()
                            } else {
                                timedOut.incrementAndGet()
                            }
                        }
                    } finally {
                        done.countDown()
                    }
                }
                if (w >= 4 && virtualFactory != null) virtualFactory.newThread(task) else Thread(task, "leak-$w")
            }
            threads.forEach { it.start() }
            withClue("thread attempts did not finish") { done.await(600, TimeUnit.SECONDS) shouldBe true }
            wrongly.get() shouldBe 0L
            timedOut.get() shouldBe (threadAttempts / workers * workers).toLong()
            locks.forEach { it.shouldHaveNoQueuedNode() }

            // Coroutines: the other half, in batches suspended in the queue.
            val batch = 1_000
            val batches = (count - threadAttempts) / batch
            runBlocking {
                repeat(batches) { b ->
                    val lock = locks[b % locks.size]
                    val mutex = lock.asReadWriteMutex()
                    val timed = b % 2 == 1
                    val jobs = ArrayList<Job>(batch)
                    repeat(batch) { i ->
                        jobs += launch(Dispatchers.Unconfined, start = CoroutineStart.UNDISPATCHED) {
                            val attempt: suspend () -> Unit = when (i % 4) {
                                0 -> { { mutex.read { error("entered a held lock") } } }
                                1 -> { { mutex.write { error("entered a held lock") } } }
                                2 -> { { mutex.lockRead(); error("acquired a held lock") } }
                                else -> { { mutex.lockWrite(); error("acquired a held lock") } }
                            }
                            if (timed) withTimeoutOrNull(1.milliseconds) { attempt() } else attempt()
                        }
                    }
                    if (!timed) {
                        lock.queueLength shouldBe batch
                        jobs.forEach { it.cancel() }
                    }
                    withTimeout(30.seconds) { jobs.joinAll() }
                    lock.shouldHaveNoQueuedNode()
                    mutex.readHolds shouldBe 0
                }
            }
            println("LeakSpec: %,d thread acquisitions timed out, %,d coroutine acquisitions cancelled or timed out".format(timedOut.get(), batches * batch))
        } finally {
            holders.forEach { it.close() }
        }
        locks.forEach { it.shouldBeFree() }
        val retained = usedHeapAfterGc() - before
        println("LeakSpec: heap after GC grew by %,d bytes".format(retained))
        retained shouldBeLessThan HEAP_BOUND
    }

    test("%,d condition waits that time out or are cancelled (threads and coroutines) leave no waiter and no retained memory".format(count)) {
        val locks = policies.map { RWLock.builder().policy(it).build() }
        val threadConditions = locks.map { it.newCondition() }
        val mutexes = locks.map { it.asReadWriteMutex() }
        val coroutineConditions = mutexes.map { it.newCondition() }
        val before = usedHeapAfterGc()

        // Threads: half of the count, most under the read lock (in parallel), one in eight under the write lock.
        val threadWaits = count / 2
        val workers = 8
        val timedOut = AtomicLong()
        val done = CountDownLatch(workers)
        val failure = AtomicLong()
        val threads = (0 until workers).map { w ->
            Thread({
                try {
                    val k = w % locks.size
                    val lock = locks[k]
                    val condition = threadConditions[k]
                    val side: LockSide = if (w == workers - 1) lock.write() else lock.read()
                    side.lock()
                    try {
                        repeat(threadWaits / workers) {
                            if (condition.awaitNanos(1_000L) <= 0L) timedOut.incrementAndGet() else failure.incrementAndGet()
                            if (side.holdCount != 1) failure.incrementAndGet()
                        }
                    } finally {
                        side.unlock()
                    }
                } finally {
                    done.countDown()
                }
            }, "condition-leak-$w")
        }
        threads.forEach { it.start() }
        withClue("thread waits did not finish") { done.await(600, TimeUnit.SECONDS) shouldBe true }
        failure.get() shouldBe 0L
        timedOut.get() shouldBe (threadWaits / workers * workers).toLong()
        threadConditions.forEach { it.waitQueueLength shouldBe 0 }

        // Coroutines: the other half, in batches of waiters inside read { }.
        val batch = 1_000
        val batches = (count - threadWaits) / batch
        runBlocking {
            repeat(batches) { b ->
                val k = b % locks.size
                val mutex = mutexes[k]
                val condition = coroutineConditions[k]
                val timed = b % 2 == 0
                val jobs = ArrayList<Job>(batch)
                repeat(batch) {
                    jobs += launch(Dispatchers.Unconfined, start = CoroutineStart.UNDISPATCHED) {
                        mutex.read {
                            if (timed) withTimeoutOrNull(1.milliseconds) { condition.await() } else condition.await()
                        }
                    }
                }
                if (!timed) {
                    // All of them wait on the condition (each await released the read hold before the next one came).
                    RWLockSubject.waiters(condition) shouldBe batch
                    jobs.forEach { it.cancel() }
                }
                withTimeout(30.seconds) { jobs.joinAll() }
                RWLockSubject.waiters(condition) shouldBe 0
                locks[k].shouldHaveNoQueuedNode()
                mutex.readHolds shouldBe 0
            }
        }
        println("LeakSpec: %,d thread condition waits timed out, %,d coroutine condition waits timed out or cancelled".format(timedOut.get(), batches * batch))
        locks.forEach { it.shouldBeFree() }
        threadConditions.forEach { it.waitQueueLength shouldBe 0 }
        coroutineConditions.forEach { RWLockSubject.waiters(it) shouldBe 0 }
        val retained = usedHeapAfterGc() - before
        println("LeakSpec: heap after GC grew by %,d bytes".format(retained))
        retained shouldBeLessThan HEAP_BOUND
    }

    val primitiveCount = Integer.getInteger("rwlocker.leaks.primitives.count", count / 2)

    test("%,d timed-out or cancelled FifoLock acquisitions (threads and withMode coroutines) leave no queued request and no retained memory".format(primitiveCount)) {
        PrimitiveLeaks.fifo(primitiveCount) shouldBeLessThan HEAP_BOUND
    }

    test("%,d timed-out or cancelled KeyedLocks acquisitions on new keys (threads and coroutines) leave size() 0 and no retained memory".format(primitiveCount)) {
        PrimitiveLeaks.keyed(primitiveCount) shouldBeLessThan HEAP_BOUND
    }

    test("%,d PriorityDispatcher tasks cancelled before they ran leave no queued or running task and no retained memory".format(primitiveCount)) {
        PrimitiveLeaks.priority(primitiveCount) shouldBeLessThan HEAP_BOUND
    }

    test("control: a waiter left in the queue fails the queue check, and retained nodes exceed the heap bound") {
        val lock = RWLock.writerPreferring()
        Holder(lock).use {
            runBlocking {
                val stuck = launch(Dispatchers.Unconfined, start = CoroutineStart.UNDISPATCHED) { lock.asReadWriteMutex().lockRead() }
                shouldThrow<AssertionError> { lock.shouldHaveNoQueuedNode() }
                stuck.cancel()
                stuck.join()
            }
            lock.shouldHaveNoQueuedNode()
        }
        val before = usedHeapAfterGc()
        val retained = ArrayList<ThreadWaiter>(500_000)
        repeat(500_000) { retained += ThreadWaiter(0, 1) }
        (usedHeapAfterGc() - before) shouldBeGreaterThan HEAP_BOUND
        retained.size shouldBe 500_000 // reachable until here
    }
}) {
    private companion object {
        /** Far below one retained node per wait (a node is 40-100 bytes). */
        const val HEAP_BOUND = 8L * 1024 * 1024
    }
}

/** A platform thread that holds [lock]'s write side until closed. */
private class Holder(private val lock: RWLock) : AutoCloseable {
    private val release = CountDownLatch(1)
    private val holding = CountDownLatch(1)
    private val thread = Thread {
        lock.write().lock()
        holding.countDown()
        try {
            release.await()
        } finally {
            lock.write().unlock()
        }
    }.apply {
        isDaemon = true
        start()
    }

    init {
        check(holding.await(30, TimeUnit.SECONDS)) { "the holder did not get the lock" }
    }

    override fun close() {
        release.countDown()
        thread.join(30_000)
    }
}

/** The engine's queues hold no node: the counter and both queues' own sizes. */
private fun RWLock.shouldHaveNoQueuedNode() {
    val engine = EngineAccess.engineOf(this)
    withClue("queued nodes left on $this") {
        queueLength shouldBe 0
        hasQueuedThreads() shouldBe false
        for (name in listOf("readers", "writers")) {
            val queue = LockEngine::class.java.getDeclaredField(name).apply { isAccessible = true }.get(engine) as WaitQueue
            queue.size() shouldBe 0
        }
    }
}

private fun RWLock.shouldBeFree() {
    withClue("lock not free: $this") {
        isWriteLocked shouldBe false
        readLockCount shouldBe 0
        shouldHaveNoQueuedNode()
    }
    // and it still works
    write().lock()
    write().unlock()
    read().lock()
    read().unlock()
}

internal fun usedHeapAfterGc(): Long {
    val runtime = Runtime.getRuntime()
    repeat(3) { System.gc() }
    return runtime.totalMemory() - runtime.freeMemory()
}
