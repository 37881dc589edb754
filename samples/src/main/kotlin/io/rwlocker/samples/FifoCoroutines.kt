package io.rwlocker.samples

import io.rwlocker.FifoLock
import io.rwlocker.Holds
import io.rwlocker.Mode
import io.rwlocker.Modes
import io.rwlocker.coroutines.withMode
import java.util.concurrent.atomic.AtomicInteger
import kotlin.concurrent.thread
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeout
import kotlin.time.Duration.Companion.seconds

/**
 * The fifolock recipes from coroutines with `FifoLock.withMode { }`: a mutex, a read/write lock
 * shared with a thread, a semaphore of 3 as a rate limit for fetches, and an exclusive maintenance
 * mode that nobody overtakes. Waiting coroutines suspend; they never block a thread.
 */
public object FifoCoroutines {
    // [kotlin-modes]
    /** Waits until nobody holds the lock; while it holds, no fetch (below) starts. */
    private val maintenance = Mode { holds -> holds.total() == 0 }

    /** Up to 3 fetches at once, none during maintenance. */
    private val fetch = object : Mode {
        override fun isCompatible(holds: Holds) = holds.count(this) < 3 && holds.count(maintenance) == 0
        override fun toString() = "fetch"
    }
    // [kotlin-modes]

    @JvmStatic
    public fun run(): Unit = runBlocking(Dispatchers.Default) {
        mutex()
        readWrite()
        rateLimit()
        maintenanceFirst()
    }

    /** 8 coroutines x 1,000 non-atomic increments under [Modes.mutex]. */
    private suspend fun mutex() = withContext(Dispatchers.Default) {
        val lock = FifoLock()
        var counter = 0
        val jobs = List(8) { launch { repeat(1_000) { lock.withMode(Modes.mutex()) { counter++ } } } }
        jobs.forEach { it.join() }
        check(counter == 8_000) { "mutex: $counter, expected 8000" }
        println("  mutex: 8 coroutines x 1,000 increments = $counter")
    }

    /** Coroutine readers and a blocking thread writer on one lock: no torn pair is ever seen. */
    private suspend fun readWrite() = withContext(Dispatchers.Default) {
        val lock = FifoLock()
        var low = 0
        var high = 10
        val torn = AtomicInteger()
        val writer = thread {
            repeat(500) { i ->
                lock.acquire(Modes.write()).use { low = i; high = i + 10 }
            }
        }
        val readers = List(4) {
            launch {
                repeat(500) {
                    // [kotlin-read]
                    lock.withMode(Modes.read()) {
                        if (high - low != 10) torn.incrementAndGet()
                    }
                    // [kotlin-read]
                }
            }
        }
        readers.forEach { it.join() }
        writer.join()
        check(torn.get() == 0 && low == 499) { "read/write: torn ${torn.get()}, low $low" }
        println("  read/write: 4 coroutine readers + 1 writer thread, torn reads = ${torn.get()}")
    }

    /** 20 fetches of 10 ms through a pool of 3 ([Modes.semaphore]). */
    private suspend fun rateLimit() = withContext(Dispatchers.Default) {
        val lock = FifoLock()
        val pool = Modes.semaphore(3)
        val inside = AtomicInteger()
        val most = AtomicInteger()
        val jobs = List(20) {
            launch {
                lock.withMode(pool) {
                    most.accumulateAndGet(inside.incrementAndGet(), ::maxOf)
                    delay(10) // the fetch: suspends, holds its permit
                    inside.decrementAndGet()
                }
            }
        }
        jobs.forEach { it.join() }
        check(most.get() in 1..3) { "semaphore: ${most.get()} at once" }
        println("  semaphore(3): 20 fetches, at most ${most.get()} at once")
    }

    /** Maintenance asked while fetches run goes before every fetch asked after it. */
    private suspend fun maintenanceFirst() = withContext(Dispatchers.Default) {
        val lock = FifoLock()
        val log = java.util.concurrent.ConcurrentLinkedQueue<String>()
        val release = CompletableDeferred<Unit>()
        val running = List(2) { launch { lock.withMode(fetch) { release.await() } } }
        awaitQueueOrHolds(lock) { lock.holds(fetch) == 2 }
        val maintain = launch { lock.withMode(maintenance) { log += "maintenance with ${lock.holds(fetch)} fetches" } }
        awaitQueueOrHolds(lock) { lock.queueLength() == 1 }
        val late = launch { lock.withMode(fetch) { log += "late fetch" } }
        awaitQueueOrHolds(lock) { lock.queueLength() == 2 } // queued: nobody overtakes maintenance
        release.complete(Unit)
        (running + maintain + late).forEach { it.join() }
        check(log.toList() == listOf("maintenance with 0 fetches", "late fetch")) { "maintenance: $log" }
        check(lock.queueLength() == 0 && lock.holds(fetch) == 0) { "maintenance: $lock" }
        println("  maintenance: 2 fetches in, maintenance queued, late fetch queued -> ${log.joinToString(" -> ")}")
    }

    private suspend fun awaitQueueOrHolds(lock: FifoLock, condition: () -> Boolean) {
        withTimeout(10.seconds) { while (!condition()) delay(1) }
        check(condition()) { "state not reached: $lock" }
    }

    @JvmStatic
    public fun main(args: Array<String>): Unit = run()
}
