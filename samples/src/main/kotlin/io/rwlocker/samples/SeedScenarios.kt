package io.rwlocker.samples

import io.rwlocker.Policy
import io.rwlocker.RWLock
import io.rwlocker.coroutines.ReadWriteMutex
import io.rwlocker.coroutines.read
import io.rwlocker.coroutines.write
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger
import java.util.concurrent.atomic.AtomicReference
import java.util.concurrent.locks.Lock
import java.util.concurrent.locks.ReentrantLock
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.delay
import kotlinx.coroutines.joinAll
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock
import kotlinx.coroutines.withTimeout

/**
 * The rwlocker seed's I/O scenario table, measured on the spot: R readers and W writers, each
 * taking its side [HOLDS] times and holding it for 1 ms of "I/O" (`Thread.sleep(1)` on threads,
 * `delay(1)` in coroutines), with every policy and with an exclusive lock (`ReentrantLock` for
 * threads, kotlinx `Mutex` for coroutines). Prints the speedup over the exclusive lock beside the
 * ideal, (R + W) / (W + 1): every write alone, all reads overlapped.
 *
 * A scaled-down, single-shot version of the JMH benchmarks `SeedScenarioBench` and
 * `CoroutineSeedScenarioBench` (see `benchmarks/RESULTS.md` for measured figures): one run per
 * cell, so the figures move from run to run, and the check is loose (read-heavy is at least twice
 * as fast as the exclusive lock with every read-sharing policy), so a busy machine cannot fail it.
 * Every hold checks exclusion, so a broken lock fails instead of looking fast.
 */
public object SeedScenarios {
    private const val HOLDS = 5
    private const val HOLD_MILLIS = 1L

    private enum class Scenario(val title: String, val readers: Int, val writers: Int) {
        READ_HEAVY("read-heavy", 100, 2),
        BALANCED("balanced", 50, 50),
        WRITE_HEAVY("write-heavy", 2, 100);

        val ideal: Double get() = (readers + writers).toDouble() / (writers + 1)
    }

    /** Counts who is inside, to check exclusion at every hold. */
    private class Occupancy {
        private val readers = AtomicInteger()
        private val writers = AtomicInteger()
        val writes = AtomicInteger()

        fun enterRead() {
            readers.incrementAndGet()
            if (writers.get() != 0) {
                readers.decrementAndGet()
                throw IllegalStateException("a reader entered beside a writer")
            }
        }

        fun exitRead() {
            readers.decrementAndGet()
        }

        fun enterWrite() {
            val inside = writers.incrementAndGet()
            if (inside != 1 || readers.get() != 0) {
                writers.decrementAndGet()
                throw IllegalStateException("a writer entered beside another holder")
            }
            writes.incrementAndGet()
        }

        fun exitWrite() {
            writers.decrementAndGet()
        }
    }

    private var shots = 0

    /** One mark of the progress line. */
    private fun tick() {
        print(if (++shots % 10 == 0) "|" else ".")
        System.out.flush()
    }

    /** Milliseconds for one whole scenario on threads: all workers start together, the last one ends it. */
    private fun threads(scenario: Scenario, readSide: Lock, writeSide: Lock): Long {
        val occupancy = Occupancy()
        val failure = AtomicReference<Throwable>()
        val ready = CountDownLatch(scenario.readers + scenario.writers)
        val go = CountDownLatch(1)
        val workers = List(scenario.readers + scenario.writers) { i ->
            val reader = i < scenario.readers
            Thread {
                ready.countDown()
                try {
                    go.await()
                    repeat(HOLDS) {
                        val side = if (reader) readSide else writeSide
                        side.lock()
                        try {
                            if (reader) occupancy.enterRead() else occupancy.enterWrite()
                            try {
                                Thread.sleep(HOLD_MILLIS)
                            } finally {
                                if (reader) occupancy.exitRead() else occupancy.exitWrite()
                            }
                        } finally {
                            side.unlock()
                        }
                    }
                } catch (e: Throwable) {
                    failure.compareAndSet(null, e)
                }
            }.apply { isDaemon = true; start() }
        }
        check(ready.await(30, TimeUnit.SECONDS)) { "workers did not reach the start line" }
        val began = System.nanoTime()
        go.countDown()
        workers.forEach { it.join(60_000) }
        val ms = (System.nanoTime() - began) / 1_000_000
        check(workers.none { it.isAlive }) { "a scenario did not finish in 60 s" }
        failure.get()?.let { throw IllegalStateException("a worker failed", it) }
        check(occupancy.writes.get() == scenario.writers * HOLDS) { "writes lost" }
        tick()
        return ms
    }

    /** The same on coroutines, on `Dispatchers.Default`. */
    private fun coroutines(
        scenario: Scenario,
        readHold: suspend (suspend () -> Unit) -> Unit,
        writeHold: suspend (suspend () -> Unit) -> Unit,
    ): Long {
        val occupancy = Occupancy()
        var ms = 0L
        runBlocking(Dispatchers.Default) {
            withTimeout(60.seconds) {
                val start = CompletableDeferred<Unit>()
                val jobs = List(scenario.readers + scenario.writers) { i ->
                    val reader = i < scenario.readers
                    launch {
                        start.await()
                        repeat(HOLDS) {
                            if (reader) {
                                readHold {
                                    occupancy.enterRead()
                                    try {
                                        delay(HOLD_MILLIS)
                                    } finally {
                                        occupancy.exitRead()
                                    }
                                }
                            } else {
                                writeHold {
                                    occupancy.enterWrite()
                                    try {
                                        delay(HOLD_MILLIS)
                                    } finally {
                                        occupancy.exitWrite()
                                    }
                                }
                            }
                        }
                    }
                }
                val began = System.nanoTime()
                start.complete(Unit)
                jobs.joinAll()
                ms = (System.nanoTime() - began) / 1_000_000
            }
        }
        check(occupancy.writes.get() == scenario.writers * HOLDS) { "writes lost" }
        tick()
        return ms
    }

    @JvmStatic
    public fun run() {
        val policies = Policy.values().toList()
        val scenarios = Scenario.values().toList()
        val total = scenarios.size * 2 * (policies.size + 1)
        println("  R readers + W writers, $HOLDS holds of 1 ms each; speedup = exclusive lock's time / this lock's time")
        print("  measuring $total runs: ")
        System.out.flush()
        val began = System.nanoTime()
        // speedups[policy][scenario] = threads to coroutines
        val speedups = LinkedHashMap<Policy, MutableMap<Scenario, Pair<Double, Double>>>()
        for (scenario in scenarios) {
            val exclusive = ReentrantLock()
            val threadBase = threads(scenario, exclusive, exclusive)
            val mutex = Mutex()
            val coroutineBase = coroutines(scenario, { hold -> mutex.withLock { hold() } }, { hold -> mutex.withLock { hold() } })
            for (policy in policies) {
                val lock = RWLock.builder().policy(policy).build()
                val threadMs = threads(scenario, lock.read(), lock.write())
                val rw = ReadWriteMutex(policy)
                val coroutineMs = coroutines(scenario, { hold -> rw.read { hold() } }, { hold -> rw.write { hold() } })
                speedups.getOrPut(policy) { LinkedHashMap() }[scenario] =
                    threadBase.toDouble() / maxOf(threadMs, 1) to coroutineBase.toDouble() / maxOf(coroutineMs, 1)
            }
        }
        println(" %.1f s".format((System.nanoTime() - began) / 1e9))

        fun line(first: String, cells: List<String>) = println("  %-19s%s".format(first, cells.joinToString("") { "%22s".format(it) }))
        fun cell(threads: Double, coroutines: Double) = "%7s  %10s".format(x(threads), x(coroutines))
        line("speedup", scenarios.map { "${it.title} ${it.readers}R+${it.writers}W" })
        line("", scenarios.map { "threads  coroutines" })
        line("ideal", scenarios.map { cell(it.ideal, it.ideal) })
        for ((policy, row) in speedups) {
            line(policy.name, scenarios.map { s -> row.getValue(s).let { (t, c) -> cell(t, c) } })
        }
        val slow = speedups.filterKeys { it != Policy.EXCLUSIVE }.flatMap { (policy, row) ->
            val (t, c) = row.getValue(Scenario.READ_HEAVY)
            listOfNotNull(
                if (t < 2.0) "$policy threads ${x(t)}" else null,
                if (c < 2.0) "$policy coroutines ${x(c)}" else null,
            )
        }
        check(slow.isEmpty()) { "read-heavy should be far faster than an exclusive lock: $slow" }
        println("  read-heavy: every read-sharing policy at least 2x the exclusive lock (threads and coroutines)")
    }

    private fun x(speedup: Double): String = if (speedup >= 10) "%.1fx".format(speedup) else "%.2fx".format(speedup)

    @JvmStatic
    public fun main(args: Array<String>): Unit = run()
}
