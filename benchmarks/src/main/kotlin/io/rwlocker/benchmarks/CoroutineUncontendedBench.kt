package io.rwlocker.benchmarks

import io.rwlocker.Policy
import io.rwlocker.coroutines.ReadWriteMutex
import io.rwlocker.coroutines.read
import io.rwlocker.coroutines.write
import java.util.concurrent.TimeUnit
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.Semaphore
import kotlinx.coroutines.sync.withLock
import kotlinx.coroutines.sync.withPermit
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

/** Suspending lock calls per JMH invocation: one `runBlocking` is shared by this many calls. */
const val COROUTINE_BATCH: Int = 1000

/**
 * Uncontended suspending lock + unlock in one coroutine: `read { }` and `write { }` of
 * [ReadWriteMutex] (one per [Policy]) beside kotlinx.coroutines' `Mutex.withLock { }` and
 * `Semaphore(1).withPermit { }`. The critical section reads or increments one field.
 *
 * Building a coroutine per call would cost more than the lock, so each invocation runs a batch
 * of [COROUTINE_BATCH] calls inside one `runBlocking` and the score is per call
 * (`@OperationsPerInvocation`); the `runBlocking` cost is spread over the batch, the same for
 * every lock. None of these calls suspends (nobody else holds the lock). Run with `-prof gc`.
 *
 * ```
 * java -jar benchmarks/target/benchmarks.jar -prof gc '\.CoroutineUncontendedBench\.'
 * ```
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@Threads(1)
open class CoroutineUncontendedBench {

    /** Our suspending mutex, one per policy. */
    @State(Scope.Thread)
    open class Ours {
        /** The policy under test. */
        @Param("WRITER_PREFERRING", "READER_PREFERRING", "FAIR", "EXCLUSIVE")
        @JvmField
        var policy: Policy = Policy.WRITER_PREFERRING

        @JvmField
        var value: Long = 0

        lateinit var mutex: ReadWriteMutex

        /** Builds the mutex for [policy]. */
        @Setup
        fun setup() {
            mutex = ReadWriteMutex(policy)
        }
    }

    /** kotlinx.coroutines' `Mutex` and a one-permit `Semaphore`. */
    @State(Scope.Thread)
    open class Anchors {
        @JvmField
        val mutex: Mutex = Mutex()

        @JvmField
        val semaphore: Semaphore = Semaphore(1)

        @JvmField
        var value: Long = 0
    }

    /** `read { }` of our mutex. */
    @Benchmark
    @OperationsPerInvocation(COROUTINE_BATCH)
    fun oursRead(s: Ours): Long = runBlocking {
        val mutex = s.mutex
        var sum = 0L
        repeat(COROUTINE_BATCH) { sum += mutex.read { s.value } }
        sum
    }

    /** `write { }` of our mutex. */
    @Benchmark
    @OperationsPerInvocation(COROUTINE_BATCH)
    fun oursWrite(s: Ours): Long = runBlocking {
        val mutex = s.mutex
        var sum = 0L
        repeat(COROUTINE_BATCH) { sum += mutex.write { ++s.value } }
        sum
    }

    /** kotlinx `Mutex.withLock { }`. */
    @Benchmark
    @OperationsPerInvocation(COROUTINE_BATCH)
    fun mutexWithLock(a: Anchors): Long = runBlocking {
        val mutex = a.mutex
        var sum = 0L
        repeat(COROUTINE_BATCH) { sum += mutex.withLock { ++a.value } }
        sum
    }

    /** kotlinx `Semaphore(1).withPermit { }`. */
    @Benchmark
    @OperationsPerInvocation(COROUTINE_BATCH)
    fun semaphoreWithPermit(a: Anchors): Long = runBlocking {
        val semaphore = a.semaphore
        var sum = 0L
        repeat(COROUTINE_BATCH) { sum += semaphore.withPermit { ++a.value } }
        sum
    }
}
