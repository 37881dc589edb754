package io.rwlocker.coroutines.soak

import io.kotest.assertions.withClue
import io.kotest.matchers.shouldBe
import io.rwlocker.FifoLock
import io.rwlocker.Guard
import io.rwlocker.KeyedLocks
import io.rwlocker.Modes
import io.rwlocker.Policy
import io.rwlocker.coroutines.PriorityDispatcher
import io.rwlocker.coroutines.asKeyedReadWriteMutex
import io.rwlocker.coroutines.withMode
import io.rwlocker.internal.FifoAccess
import io.rwlocker.internal.FifoEngine
import io.rwlocker.internal.KeyTableAccess
import io.rwlocker.internal.WaitQueue
import java.time.Duration
import java.util.concurrent.CountDownLatch
import java.util.concurrent.ThreadFactory
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicLong
import java.util.concurrent.locks.LockSupport
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.joinAll
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.withTimeoutOrNull

/**
 * The leak checks of the primitives built beside `RWLock` ([LeakSpec] runs them): abandoned waits
 * of `FifoLock` (threads and `withMode` coroutines), of `KeyedLocks` on ever new keys (threads and
 * `KeyedReadWriteMutex` coroutines), and cancelled `PriorityDispatcher` tasks must leave the
 * primitive's own counters at 0. Each returns how much the heap after GC grew, for the caller's
 * bound.
 */
internal object PrimitiveLeaks {
    private const val BATCH = 1_000

    /**
     * [count] FifoLock acquisitions that wait and give up, on 4 locks each held in `write()` by
     * another thread: half by threads (`tryAcquire(read or write, 1 us)`, platform and virtual),
     * half by `withMode` coroutines queued in batches of 1,000 (half cancelled, half timed out).
     */
    fun fifo(count: Int): Long {
        val locks = List(4) { FifoLock() }
        val before = usedHeapAfterGc()
        val holders = locks.map { lock -> GuardHolder { lock.acquire(Modes.write()) } }
        try {
            val threadAttempts = count / 2
            val timedOut = AtomicLong()
            val wrongly = AtomicLong()
            val workers = workerCount()
            runWorkers(workers, "fifo-leak-") { w ->
                val lock = locks[w % locks.size]
                repeat(threadAttempts / workers) { i ->
                    val mode = if (i % 2 == 0) Modes.read() else Modes.write()
                    val guard = lock.tryAcquire(mode, Duration.ofNanos(1_000))
                    if (guard != null) {
                        wrongly.incrementAndGet()
                        guard.close()
                    } else {
                        timedOut.incrementAndGet()
                    }
                }
            }
            wrongly.get() shouldBe 0L
            timedOut.get() shouldBe (threadAttempts / workers * workers).toLong()
            locks.forEach { it.shouldHaveNoQueuedRequest(writers = 1) }

            val batches = (count - threadAttempts) / BATCH
            runBlocking {
                repeat(batches) { b ->
                    val lock = locks[b % locks.size]
                    val timed = b % 2 == 1
                    val jobs = ArrayList<Job>(BATCH)
                    repeat(BATCH) { i ->
                        val mode = if (i % 2 == 0) Modes.read() else Modes.write()
                        jobs += launch(Dispatchers.Unconfined, start = CoroutineStart.UNDISPATCHED) {
                            if (timed) {
                                withTimeoutOrNull(1.milliseconds) { lock.withMode(mode) { error("entered a held lock") } }
                            } else {
                                lock.withMode(mode) { error("entered a held lock") }
                            }
                        }
                    }
                    if (!timed) {
                        lock.queueLength() shouldBe BATCH
                        jobs.forEach { it.cancel() }
                    }
                    withTimeout(30.seconds) { jobs.joinAll() }
                    lock.shouldHaveNoQueuedRequest(writers = 1)
                }
            }
            println("LeakSpec: %,d FifoLock thread acquisitions timed out, %,d withMode acquisitions cancelled or timed out".format(timedOut.get(), batches * BATCH))
        } finally {
            holders.forEach { it.close() }
        }
        for (lock in locks) {
            lock.shouldHaveNoQueuedRequest(writers = 0)
            lock.acquire(Modes.write()).close() // and it still works
            lock.acquire(Modes.read()).close()
        }
        return (usedHeapAfterGc() - before).also { println("LeakSpec: FifoLock: heap after GC grew by %,d bytes".format(it)) }
    }

    /**
     * [count] KeyedLocks acquisitions that wait and give up, each on a key never used before (so
     * every one creates an entry that must go away): the keys of a batch of 1,000 are held by a
     * `writeAll` of another thread; half of the attempts by threads (`tryRead`/`tryWrite(key, 1 us)`),
     * half by coroutines through `asKeyedReadWriteMutex()` (`read`, `write`, `readAll`, `writeAll`;
     * half of the batches cancelled, half timed out). After each batch every key has exactly one
     * user (the holder); after the holder leaves, `size()` is 0, and the map keeps no more than
     * the table's bound of idle entries. The heap is measured once the tables are unreachable:
     * a table's idle entries and spare locks are a bounded cache (see KeyTable), what must not
     * remain is anything that outlives the table, such as reader records of its dropped locks in
     * the threads' ThreadLocalMaps.
     */
    fun keyed(count: Int): Long {
        val before = usedHeapAfterGc()
        keyedChurn(count)
        return (usedHeapAfterGc() - before).also { println("LeakSpec: KeyedLocks: heap after GC grew by %,d bytes".format(it)) }
    }

    private fun keyedChurn(count: Int) {
        val tables = Policy.entries.map { KeyedLocks.create<Long>(it, false) }
        val threadBatches = count / 2 / BATCH
        val next = AtomicLong()
        val timedOut = AtomicLong()
        val wrongly = AtomicLong()
        runWorkers(workerCount(), "keyed-leak-") {
            while (true) {
                val b = next.getAndIncrement()
                if (b >= threadBatches) break
                val locks = tables[(b % tables.size).toInt()]
                val keys = List(BATCH) { b * BATCH + it }
                GuardHolder { locks.writeAll(keys) }.use {
                    for ((i, key) in keys.withIndex()) {
                        val guard = if (i % 2 == 0) locks.tryRead(key, Duration.ofNanos(1_000)) else locks.tryWrite(key, Duration.ofNanos(1_000))
                        if (guard != null) {
                            wrongly.incrementAndGet()
                            guard.close()
                        } else {
                            timedOut.incrementAndGet()
                        }
                    }
                }
            }
        }
        wrongly.get() shouldBe 0L
        timedOut.get() shouldBe threadBatches.toLong() * BATCH
        tables.forEach { withClue("entries left: $it") { it.size() shouldBe 0 } }

        val batches = (count - threadBatches * BATCH) / BATCH
        runBlocking {
            repeat(batches) { b ->
                val locks = tables[b % tables.size]
                val mutex = locks.asKeyedReadWriteMutex()
                val base = (threadBatches + b).toLong() * BATCH
                val keys = List(BATCH) { base + it }
                val timed = b % 2 == 1
                GuardHolder { locks.writeAll(keys) }.use {
                    val jobs = ArrayList<Job>(BATCH)
                    repeat(BATCH) { i ->
                        val key = keys[i]
                        val neighbour = keys[(i + 1) % BATCH]
                        jobs += launch(Dispatchers.Unconfined, start = CoroutineStart.UNDISPATCHED) {
                            val attempt: suspend () -> Unit = when (i % 4) {
                                0 -> { { mutex.read(key) { error("entered a held key") } } }
                                1 -> { { mutex.write(key) { error("entered a held key") } } }
                                2 -> { { mutex.readAll(listOf(key, neighbour)) { error("entered held keys") } } }
                                else -> { { mutex.writeAll(listOf(neighbour, key)) { error("entered held keys") } } }
                            }
                            if (timed) withTimeoutOrNull(1.milliseconds) { attempt() } else attempt()
                        }
                    }
                    if (!timed) jobs.forEach { it.cancel() }
                    withTimeout(30.seconds) { jobs.joinAll() }
                    locks.size() shouldBe BATCH
                    val table = KeyTableAccess.tableOf(locks)
                    val wrongUsers = keys.count { table.peek(it)?.users() != 1 }
                    withClue("keys with a user left besides the holder: $locks") { wrongUsers shouldBe 0 }
                }
                withClue("entries left: $locks") { locks.size() shouldBe 0 }
            }
        }
        println("LeakSpec: %,d KeyedLocks thread acquisitions on new keys timed out, %,d coroutine acquisitions cancelled or timed out".format(timedOut.get(), batches * BATCH))
        for (locks in tables) {
            locks.size() shouldBe 0
            locks.write(-1L).close() // and it still works
            locks.size() shouldBe 0
            val table = KeyTableAccess.tableOf(locks)
            // idle entries kept: at most the bound, or twice the keys in use at the last sweep (a batch)
            val bound = maxOf(table.idleCapacity(), 2 * BATCH) + 1
            withClue("entries kept: ${table.entryCount()} > $bound in $locks") { (table.entryCount() <= bound) shouldBe true }
        }
    }

    /**
     * [count] PriorityDispatcher tasks cancelled before they could run (a write task runs all the
     * time), in batches of 1,000: `Deferred`s of `submitRead`/`submitWrite` cancelled, futures of
     * `readAsync`/`writeAsync` cancelled, callers of `read { }`/`write { }` cancelled, and callers
     * timed out by `withTimeoutOrNull(1 ms)`. After every batch nothing is queued and only the
     * blocking write runs; no cancelled task ever ran.
     */
    fun priority(count: Int): Long {
        val dispatcher = PriorityDispatcher()
        val before = usedHeapAfterGc()
        val gate = CompletableDeferred<Unit>()
        val blocker = dispatcher.submitWrite { gate.await() }
        settle(dispatcher, running = 1)
        val ran = AtomicLong()
        val batches = count / BATCH
        runBlocking {
            repeat(batches) { b ->
                when (b % 4) {
                    0 -> {
                        val tasks = List(BATCH) { i -> if (i % 2 == 0) dispatcher.submitRead { ran.incrementAndGet() } else dispatcher.submitWrite { ran.incrementAndGet() } }
                        dispatcher.queuedTasks shouldBe BATCH
                        tasks.forEach { it.cancel() }
                    }
                    1 -> {
                        val futures = List(BATCH) { i -> if (i % 2 == 0) dispatcher.readAsync { ran.incrementAndGet() } else dispatcher.writeAsync { ran.incrementAndGet() } }
                        dispatcher.queuedTasks shouldBe BATCH
                        futures.forEach { it.cancel(false) }
                    }
                    else -> {
                        val timed = b % 4 == 3
                        val jobs = List(BATCH) { i ->
                            launch(Dispatchers.Unconfined, start = CoroutineStart.UNDISPATCHED) {
                                val call: suspend () -> Long = if (i % 2 == 0) {
                                    { dispatcher.read { ran.incrementAndGet() } }
                                } else {
                                    { dispatcher.write { ran.incrementAndGet() } }
                                }
                                if (timed) withTimeoutOrNull(1.milliseconds) { call() } else call()
                            }
                        }
                        if (!timed) {
                            dispatcher.queuedTasks shouldBe BATCH
                            jobs.forEach { it.cancel() }
                        }
                        withTimeout(30.seconds) { jobs.joinAll() }
                    }
                }
                settle(dispatcher, running = 1)
            }
        }
        ran.get() shouldBe 0L
        gate.complete(Unit)
        runBlocking { withTimeout(30.seconds) { blocker.await() } }
        settle(dispatcher, running = 0)
        dispatcher.close()
        dispatcher.isClosed shouldBe true
        settle(dispatcher, running = 0)
        println("LeakSpec: %,d PriorityDispatcher tasks cancelled before they ran".format(batches * BATCH))
        return (usedHeapAfterGc() - before).also { println("LeakSpec: PriorityDispatcher: heap after GC grew by %,d bytes".format(it)) }
    }

    /** Waits (at most 30 s) until nothing is queued and [running] tasks run, then checks it. */
    private fun settle(dispatcher: PriorityDispatcher, running: Int) {
        val deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30)
        while ((dispatcher.queuedTasks != 0 || dispatcher.runningTasks != running) && System.nanoTime() - deadline < 0) {
            LockSupport.parkNanos(100_000L)
        }
        withClue("tasks left: $dispatcher") {
            dispatcher.queuedTasks shouldBe 0
            dispatcher.runningTasks shouldBe running
        }
    }

    /** 4 platform threads, and 4 virtual threads on JDK 21+. */
    private fun workerCount(): Int = 4 + if (VirtualThreads.available) 4 else 0

    /** Runs [task] on [workers] threads (the first 4 platform, the rest virtual) and waits (at most 600 s). */
    private fun runWorkers(workers: Int, prefix: String, task: (Int) -> Unit) {
        val virtualFactory: ThreadFactory? = if (VirtualThreads.available) VirtualThreads.factory(prefix) else null
        val done = CountDownLatch(workers)
        val failure = java.util.concurrent.atomic.AtomicReference<Throwable>()
        val threads = (0 until workers).map { w ->
            val body = Runnable {
                try {
                    task(w)
                } catch (t: Throwable) {
                    failure.compareAndSet(null, t)
                } finally {
                    done.countDown()
                }
            }
            if (w >= 4 && virtualFactory != null) virtualFactory.newThread(body) else Thread(body, "$prefix$w")
        }
        threads.forEach { it.start() }
        withClue("workers did not finish") { done.await(600, TimeUnit.SECONDS) shouldBe true }
        failure.get()?.let { throw AssertionError("a worker failed: $it", it) }
    }

    /** No request waits (the counter and the queue's own size) and [writers] hold `write()`. */
    private fun FifoLock.shouldHaveNoQueuedRequest(writers: Int) {
        val engine = FifoAccess.engineOf(this)
        val queue = FifoEngine::class.java.getDeclaredField("queue").apply { isAccessible = true }.get(engine) as WaitQueue
        withClue("queued requests left on $this") {
            queueLength() shouldBe 0
            queue.size() shouldBe 0
            holds(Modes.read()) shouldBe 0
            holds(Modes.write()) shouldBe writers
        }
    }
}

/** A platform thread that holds the guard [take] returns until closed. */
internal class GuardHolder(take: () -> Guard) : AutoCloseable {
    private val release = CountDownLatch(1)
    private val holding = CountDownLatch(1)
    private val failure = java.util.concurrent.atomic.AtomicReference<Throwable>()
    private val thread = Thread {
        val guard = try {
            take()
        } catch (t: Throwable) {
            failure.set(t)
            null
        }
        holding.countDown()
        if (guard != null) {
            try {
                release.await()
            } finally {
                guard.close()
            }
        }
    }.apply {
        isDaemon = true
        start()
    }

    init {
        check(holding.await(30, TimeUnit.SECONDS)) { "the holder did not get its guard" }
        failure.get()?.let { throw AssertionError("the holder failed: $it", it) }
    }

    override fun close() {
        release.countDown()
        thread.join(30_000)
        check(!thread.isAlive) { "the holder did not finish" }
    }
}
