package io.rwlocker.benchmarks

import io.rwlocker.Policy
import io.rwlocker.RWLock
import io.rwlocker.coroutines.ReadWriteMutex
import io.rwlocker.coroutines.asReadWriteMutex
import io.rwlocker.coroutines.write
import java.util.concurrent.TimeUnit
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
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

/** Increments each coroutine makes per invocation in [CoroutineContendedBench]. */
const val INCREMENTS_PER_COROUTINE: Int = 250

/**
 * Contended write-only: 4, 16 or 64 coroutines on `Dispatchers.Default` each make
 * [INCREMENTS_PER_COROUTINE] increments of one counter under `write { }` of our
 * [ReadWriteMutex] (WRITER_PREFERRING and FAIR), under the same kind of lock reached through
 * [RWLock.asReadWriteMutex] (a blocking `RWLock` seen as a mutex), and under kotlinx's
 * `Mutex.withLock { }`. The score is per increment (`@OperationsPerInvocation` = coroutines x
 * increments), launching included; lower is more throughput. Each invocation checks the count.
 *
 * ```
 * java -jar benchmarks/target/benchmarks.jar '\.CoroutineContendedBench\.'
 * ```
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@Threads(1)
open class CoroutineContendedBench {

    /** Our suspending mutex, one per policy. */
    @State(Scope.Benchmark)
    open class Ours {
        /** The policy under test. */
        @Param("WRITER_PREFERRING", "FAIR")
        @JvmField
        var policy: Policy = Policy.WRITER_PREFERRING

        @JvmField
        var counter: Long = 0

        lateinit var mutex: ReadWriteMutex

        /** Builds the mutex for [policy]. */
        @Setup
        fun setup() {
            mutex = ReadWriteMutex(policy)
        }
    }

    /** A blocking [RWLock] (WRITER_PREFERRING) used through [RWLock.asReadWriteMutex]. */
    @State(Scope.Benchmark)
    open class OursViaRWLock {
        @JvmField
        val lock: RWLock = RWLock.builder().policy(Policy.WRITER_PREFERRING).build()

        @JvmField
        val mutex: ReadWriteMutex = lock.asReadWriteMutex()

        @JvmField
        var counter: Long = 0
    }

    /** kotlinx.coroutines' `Mutex`. */
    @State(Scope.Benchmark)
    open class Anchor {
        @JvmField
        val mutex: Mutex = Mutex()

        @JvmField
        var counter: Long = 0
    }

    /** `write { }` of ours, 4 coroutines. */
    @Benchmark
    @OperationsPerInvocation(4 * INCREMENTS_PER_COROUTINE)
    fun oursWrite4(s: Ours) = counted(4, { s.counter }) { s.mutex.write { s.counter++ } }

    /** `write { }` of ours, 16 coroutines. */
    @Benchmark
    @OperationsPerInvocation(16 * INCREMENTS_PER_COROUTINE)
    fun oursWrite16(s: Ours) = counted(16, { s.counter }) { s.mutex.write { s.counter++ } }

    /** `write { }` of ours, 64 coroutines. */
    @Benchmark
    @OperationsPerInvocation(64 * INCREMENTS_PER_COROUTINE)
    fun oursWrite64(s: Ours) = counted(64, { s.counter }) { s.mutex.write { s.counter++ } }

    /** `write { }` of `RWLock.asReadWriteMutex()`, 4 coroutines. */
    @Benchmark
    @OperationsPerInvocation(4 * INCREMENTS_PER_COROUTINE)
    fun viaRWLockWrite4(s: OursViaRWLock) = counted(4, { s.counter }) { s.mutex.write { s.counter++ } }

    /** `write { }` of `RWLock.asReadWriteMutex()`, 16 coroutines. */
    @Benchmark
    @OperationsPerInvocation(16 * INCREMENTS_PER_COROUTINE)
    fun viaRWLockWrite16(s: OursViaRWLock) = counted(16, { s.counter }) { s.mutex.write { s.counter++ } }

    /** kotlinx `Mutex.withLock { }`, 4 coroutines. */
    @Benchmark
    @OperationsPerInvocation(4 * INCREMENTS_PER_COROUTINE)
    fun mutexWithLock4(a: Anchor) = counted(4, { a.counter }) { a.mutex.withLock { a.counter++ } }

    /** kotlinx `Mutex.withLock { }`, 16 coroutines. */
    @Benchmark
    @OperationsPerInvocation(16 * INCREMENTS_PER_COROUTINE)
    fun mutexWithLock16(a: Anchor) = counted(16, { a.counter }) { a.mutex.withLock { a.counter++ } }

    /** `write { }` of `RWLock.asReadWriteMutex()`, 64 coroutines. */
    @Benchmark
    @OperationsPerInvocation(64 * INCREMENTS_PER_COROUTINE)
    fun viaRWLockWrite64(s: OursViaRWLock) = counted(64, { s.counter }) { s.mutex.write { s.counter++ } }

    /** kotlinx `Mutex.withLock { }`, 64 coroutines. */
    @Benchmark
    @OperationsPerInvocation(64 * INCREMENTS_PER_COROUTINE)
    fun mutexWithLock64(a: Anchor) = counted(64, { a.counter }) { a.mutex.withLock { a.counter++ } }

    private inline fun counted(coroutines: Int, counter: () -> Long, crossinline increment: suspend () -> Unit) =
        countedIncrements(coroutines, INCREMENTS_PER_COROUTINE, counter, increment)
}

/**
 * Launches [coroutines] coroutines on `Dispatchers.Default`, each making [each] calls of
 * [increment], waits for all of them, and checks that [counter] grew by exactly the increments
 * made (a lost update throws). Shared by the contended coroutine benchmarks.
 */
internal inline fun countedIncrements(
    coroutines: Int,
    each: Int,
    counter: () -> Long,
    crossinline increment: suspend () -> Unit,
) {
    val before = counter()
    runBlocking {
        repeat(coroutines) {
            launch(Dispatchers.Default) {
                repeat(each) { increment() }
            }
        }
    }
    val made = counter() - before
    val expected = coroutines.toLong() * each
    if (made != expected) throw IllegalStateException("lost updates: $made of $expected")
}
