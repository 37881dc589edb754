package io.rwlocker.benchmarks

import io.rwlocker.Policy
import io.rwlocker.coroutines.ReadWriteMutex
import io.rwlocker.coroutines.read
import io.rwlocker.coroutines.write
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger
import java.util.concurrent.atomic.AtomicReference
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock
import org.openjdk.jmh.annotations.Benchmark
import org.openjdk.jmh.annotations.BenchmarkMode
import org.openjdk.jmh.annotations.Fork
import org.openjdk.jmh.annotations.Level
import org.openjdk.jmh.annotations.Measurement
import org.openjdk.jmh.annotations.Mode
import org.openjdk.jmh.annotations.OutputTimeUnit
import org.openjdk.jmh.annotations.Param
import org.openjdk.jmh.annotations.Scope
import org.openjdk.jmh.annotations.Setup
import org.openjdk.jmh.annotations.State
import org.openjdk.jmh.annotations.TearDown
import org.openjdk.jmh.annotations.Warmup

/** Bound on one shot: a hung mutex fails the run instead of hanging it. */
private const val SHOT_TIMEOUT_SECONDS = 60L

/**
 * The seed's I/O-bound scenarios with coroutines (see [Scenario]): R reader and W writer
 * coroutines on `Dispatchers.Default`, each taking its side [Scenario.ITERATIONS] times and
 * holding it for `delay(1)`. Each shot (SingleShotTime, ms) is one whole scenario on a fresh
 * mutex: the coroutines are launched and suspended at a start line before the clock starts
 * (`@Setup(Level.Invocation)`), released together by one `CompletableDeferred`, and the shot
 * ends when the last one is done.
 *
 * Every [Policy] of [ReadWriteMutex] beside kotlinx's `Mutex` (the exclusive baseline: readers
 * and writers all take `withLock`). Every hold checks exclusion, so a broken lock fails the run.
 *
 * ```
 * java -jar benchmarks/target/benchmarks.jar -p scenario=READ_HEAVY '\.CoroutineSeedScenarioBench\.'
 * ```
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 5)
@Fork(1)
open class CoroutineSeedScenarioBench {

    /** One shot's coroutines, suspended at the start line until [go]. */
    abstract class Harness {
        private var scope: CoroutineScope? = null
        private var start = CompletableDeferred<Unit>()
        private var done = CountDownLatch(0)
        private val failure = AtomicReference<Throwable?>()
        private val readersInside = AtomicInteger()
        private val writersInside = AtomicInteger()
        private val writes = AtomicInteger()
        private var scenario: Scenario = Scenario.READ_HEAVY

        /** Takes the read side, calls [holdAsReader], releases it. */
        abstract suspend fun read()

        /** Takes the write side, calls [holdAsWriter], releases it. */
        abstract suspend fun write()

        suspend fun holdAsReader() {
            readersInside.incrementAndGet()
            try {
                if (writersInside.get() != 0) throw AssertionError("a reader entered beside a writer")
                delay(Scenario.HOLD_MILLIS.toLong())
            } finally {
                readersInside.decrementAndGet()
            }
        }

        suspend fun holdAsWriter() {
            val writers = writersInside.incrementAndGet()
            try {
                if (writers != 1 || readersInside.get() != 0) throw AssertionError("a writer entered beside another holder")
                writes.incrementAndGet()
                delay(Scenario.HOLD_MILLIS.toLong())
            } finally {
                writersInside.decrementAndGet()
            }
        }

        /** Launches the scenario's coroutines and waits until all of them wait at the start line. */
        fun prepare(scenario: Scenario) {
            this.scenario = scenario
            failure.set(null)
            writes.set(0)
            val gate = CompletableDeferred<Unit>()
            start = gate
            val ready = CountDownLatch(scenario.workers())
            val finished = CountDownLatch(scenario.workers())
            done = finished
            val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)
            this.scope = scope
            repeat(scenario.workers()) { i ->
                val reader = i < scenario.readers
                scope.launch {
                    try {
                        ready.countDown()
                        gate.await()
                        repeat(Scenario.ITERATIONS) { if (reader) read() else write() }
                    } catch (t: Throwable) {
                        failure.compareAndSet(null, t)
                    } finally {
                        finished.countDown()
                    }
                }
            }
            check(ready.await(SHOT_TIMEOUT_SECONDS, TimeUnit.SECONDS)) { "coroutines did not reach the start line" }
        }

        /** The measured part: opens the start line and waits for every coroutine. */
        fun go() {
            start.complete(Unit)
            check(done.await(SHOT_TIMEOUT_SECONDS, TimeUnit.SECONDS)) { "scenario did not finish in $SHOT_TIMEOUT_SECONDS s" }
            failure.get()?.let { throw IllegalStateException("a coroutine failed", it) }
            val expected = scenario.writers * Scenario.ITERATIONS
            check(writes.get() == expected) { "writes: ${writes.get()}, expected $expected" }
        }

        /** Cancels what is left of a failed shot. */
        fun cleanUp() {
            scope?.cancel()
            scope = null
        }
    }

    /** Our mutex, one per policy. */
    @State(Scope.Benchmark)
    open class Ours : Harness() {
        /** The scenario. */
        @Param("READ_HEAVY", "BALANCED", "WRITE_HEAVY")
        @JvmField
        var scenario: Scenario = Scenario.READ_HEAVY

        /** The policy under test. */
        @Param("WRITER_PREFERRING", "READER_PREFERRING", "FAIR", "EXCLUSIVE")
        @JvmField
        var policy: Policy = Policy.WRITER_PREFERRING

        private var mutex: ReadWriteMutex = ReadWriteMutex()

        override suspend fun read() {
            mutex.read { holdAsReader() }
        }

        override suspend fun write() {
            mutex.write { holdAsWriter() }
        }

        /** A fresh mutex and fresh coroutines for each shot. */
        @Setup(Level.Invocation)
        fun setup() {
            mutex = ReadWriteMutex(policy)
            prepare(scenario)
        }

        /** Cancels leftovers. */
        @TearDown(Level.Invocation)
        fun tearDown() {
            cleanUp()
        }
    }

    /** The exclusive baseline: one kotlinx `Mutex` for readers and writers. */
    @State(Scope.Benchmark)
    open class Exclusive : Harness() {
        /** The scenario. */
        @Param("READ_HEAVY", "BALANCED", "WRITE_HEAVY")
        @JvmField
        var scenario: Scenario = Scenario.READ_HEAVY

        private var mutex = Mutex()

        override suspend fun read() {
            mutex.withLock { holdAsReader() }
        }

        override suspend fun write() {
            mutex.withLock { holdAsWriter() }
        }

        /** A fresh mutex and fresh coroutines for each shot. */
        @Setup(Level.Invocation)
        fun setup() {
            mutex = Mutex()
            prepare(scenario)
        }

        /** Cancels leftovers. */
        @TearDown(Level.Invocation)
        fun tearDown() {
            cleanUp()
        }
    }

    /** Our mutex. */
    @Benchmark
    fun ours(s: Ours) {
        s.go()
    }

    /** The exclusive baseline (kotlinx `Mutex`). */
    @Benchmark
    fun mutex(s: Exclusive) {
        s.go()
    }
}
