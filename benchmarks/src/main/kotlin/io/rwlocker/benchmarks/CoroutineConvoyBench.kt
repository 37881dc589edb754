package io.rwlocker.benchmarks

import io.rwlocker.Policy
import io.rwlocker.coroutines.ReadWriteMutex
import io.rwlocker.coroutines.write
import java.util.concurrent.TimeUnit
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock
import org.openjdk.jmh.annotations.Benchmark
import org.openjdk.jmh.annotations.BenchmarkMode
import org.openjdk.jmh.annotations.Fork
import org.openjdk.jmh.annotations.Measurement
import org.openjdk.jmh.annotations.Mode
import org.openjdk.jmh.annotations.OperationsPerInvocation
import org.openjdk.jmh.annotations.OutputTimeUnit
import org.openjdk.jmh.annotations.Param
import org.openjdk.jmh.annotations.Scope
import org.openjdk.jmh.annotations.Setup
import org.openjdk.jmh.annotations.State
import org.openjdk.jmh.annotations.Threads
import org.openjdk.jmh.annotations.Warmup

/** Increments per invocation of [CoroutineConvoyBench], split evenly among its coroutines. */
const val CONVOY_INCREMENTS: Int = 64_000

/**
 * Sustained contended writes: [CONVOY_INCREMENTS] increments of one counter per invocation, split
 * among 4, 16 or 64 coroutines on `Dispatchers.Default`, under `write { }` of our
 * [ReadWriteMutex] (WRITER_PREFERRING) and under kotlinx's `Mutex.withLock { }`.
 *
 * [CoroutineContendedBench] launches its coroutines for 250 increments each, so launching,
 * joining and waking the dispatcher's workers take most of an invocation, and a lock queue forms
 * only now and then. Here each coroutine runs long enough for the lock to be the bottleneck: both
 * locks hand the lock to the next queued waiter in FIFO order, so once two workers collide a
 * convoy forms and most increments suspend and are resumed (counted outside JMH, for both locks
 * alike: 90% to 97% at 16 coroutines, 21% to 83% at 4). The score is then mostly the cost of one
 * suspension plus one hand-off and resumption. Lower is better; each invocation checks the count.
 *
 * ```
 * java -jar benchmarks/target/benchmarks.jar '\.CoroutineConvoyBench\.' -f 2
 * ```
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@Threads(1)
open class CoroutineConvoyBench {

    /** The locks, the counter and the number of coroutines sharing the increments. */
    @State(Scope.Benchmark)
    open class Locks {
        /** Coroutines the increments are split among. */
        @Param("4", "16", "64")
        @JvmField
        var coroutines: Int = 4

        @JvmField
        var counter: Long = 0

        @JvmField
        val mutex: Mutex = Mutex()

        lateinit var ours: ReadWriteMutex

        /** Builds our mutex. */
        @Setup
        fun setup() {
            ours = ReadWriteMutex(Policy.WRITER_PREFERRING)
        }
    }

    /** `write { }` of ours. */
    @Benchmark
    @OperationsPerInvocation(CONVOY_INCREMENTS)
    fun ours(s: Locks) = counted(s) { s.ours.write { s.counter++ } }

    /** kotlinx `Mutex.withLock { }`. */
    @Benchmark
    @OperationsPerInvocation(CONVOY_INCREMENTS)
    fun mutex(s: Locks) = counted(s) { s.mutex.withLock { s.counter++ } }

    private inline fun counted(s: Locks, crossinline increment: suspend () -> Unit) =
        countedIncrements(s.coroutines, CONVOY_INCREMENTS / s.coroutines, { s.counter }, increment)
}
