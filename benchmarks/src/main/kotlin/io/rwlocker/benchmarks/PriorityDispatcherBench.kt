package io.rwlocker.benchmarks

import io.rwlocker.coroutines.PriorityDispatcher
import java.util.concurrent.TimeUnit
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Deferred
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.cancel
import kotlinx.coroutines.delay
import kotlinx.coroutines.joinAll
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.Semaphore
import kotlinx.coroutines.sync.withLock
import kotlinx.coroutines.sync.withPermit
import kotlinx.coroutines.withTimeout
import org.openjdk.jmh.annotations.Benchmark
import org.openjdk.jmh.annotations.BenchmarkMode
import org.openjdk.jmh.annotations.Fork
import org.openjdk.jmh.annotations.Level
import org.openjdk.jmh.annotations.Measurement
import org.openjdk.jmh.annotations.Mode
import org.openjdk.jmh.annotations.OperationsPerInvocation
import org.openjdk.jmh.annotations.OutputTimeUnit
import org.openjdk.jmh.annotations.Scope
import org.openjdk.jmh.annotations.Setup
import org.openjdk.jmh.annotations.State
import org.openjdk.jmh.annotations.TearDown
import org.openjdk.jmh.annotations.Warmup

/** Tasks per JMH invocation of [PriorityDispatcherBench]. */
const val PRIORITY_TASKS: Int = 1000

/** The read bound of [PriorityDispatcherBench]'s dispatcher, and the permits of its semaphore anchor. */
const val PRIORITY_READ_PARALLELISM: Int = 64

/** Bound on one invocation: a hung dispatcher fails the run instead of hanging it. */
private const val PRIORITY_TIMEOUT_MILLIS = 60_000L

/**
 * [PriorityDispatcher] beside the kotlinx.coroutines primitives a user would otherwise run tasks
 * under, all on `Dispatchers.Default`, in the same run.
 *
 * **Per-task overhead** (AverageTime, ns per task; [PRIORITY_TASKS] tasks per invocation, started
 * together and awaited together, empty bodies). Every task is one coroutine on `Dispatchers.Default`
 * in all four cases:
 *  - [oursSubmitWrite]: `dispatcher.submitWrite { }` vs [mutexWithLock]: `launch { mutex.withLock { } }`;
 *  - [oursSubmitRead]: `dispatcher.submitRead { }` vs [semaphoreWithPermit]:
 *    `launch { Semaphore(64).withPermit { } }`.
 * The suspending calls, as a caller uses them (a caller coroutine per call, launched on
 * `Dispatchers.Default` like the tasks, so the block runs in the caller's coroutine once admitted,
 * in a `coroutineScope`-style scoped coroutine, not in a second task coroutine):
 *  - [oursWriteCalls]: `launch { dispatcher.write { } }` vs [mutexWithLock];
 *  - [oursReadCalls]: `launch { dispatcher.read { } }` vs [semaphoreWithPermit].
 * Target (issue 10): our time per task <= 2x the anchor's.
 *
 * **Reads overlap** (AverageTime, ms per batch): [oursDelayReads] runs [PRIORITY_TASKS] read tasks
 * of `delay(1)` with `readParallelism = 64`; the ideal schedule is 16 rounds of 1 ms = 16 ms (the
 * seed's single thread needs 1,000 ms). [semaphoreDelayReads] is the same batch under a kotlinx
 * `Semaphore(64)`: what a bound of 64 costs without the dispatcher. Target: our time <= 1.3x 16 ms.
 *
 * ```
 * java -jar benchmarks/target/benchmarks.jar '\.PriorityDispatcherBench\.'
 * ```
 */
@State(Scope.Benchmark)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
open class PriorityDispatcherBench {
    private lateinit var scope: CoroutineScope
    private lateinit var dispatcher: PriorityDispatcher
    private lateinit var mutex: Mutex
    private lateinit var semaphore: Semaphore

    /** A dispatcher and the anchors on `Dispatchers.Default`. */
    @Setup(Level.Trial)
    fun setup() {
        scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)
        dispatcher = PriorityDispatcher(scope, PRIORITY_READ_PARALLELISM)
        mutex = Mutex()
        semaphore = Semaphore(PRIORITY_READ_PARALLELISM)
    }

    /** Drains the dispatcher (checking that nothing was left behind) and ends the scope. */
    @TearDown(Level.Trial)
    fun tearDown() {
        dispatcher.close()
        check(dispatcher.queuedTasks == 0 && dispatcher.runningTasks == 0) { "tasks left behind: $dispatcher" }
        scope.cancel()
    }

    private fun awaitTasks(start: () -> List<Deferred<Unit>>) = runBlocking {
        withTimeout(PRIORITY_TIMEOUT_MILLIS) { start().awaitAll() }
    }

    private fun joinCalls(start: () -> List<Job>) = runBlocking {
        withTimeout(PRIORITY_TIMEOUT_MILLIS) { start().joinAll() }
    }

    /** Write tasks with an empty body, through [PriorityDispatcher.submitWrite]. */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    @OperationsPerInvocation(PRIORITY_TASKS)
    fun oursSubmitWrite() = awaitTasks { List(PRIORITY_TASKS) { dispatcher.submitWrite { } } }

    /** Read tasks with an empty body, through [PriorityDispatcher.submitRead]. */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    @OperationsPerInvocation(PRIORITY_TASKS)
    fun oursSubmitRead() = awaitTasks { List(PRIORITY_TASKS) { dispatcher.submitRead { } } }

    /** Caller coroutines each calling `write { }` with an empty body. */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    @OperationsPerInvocation(PRIORITY_TASKS)
    fun oursWriteCalls() = joinCalls { List(PRIORITY_TASKS) { scope.launch { dispatcher.write { } } } }

    /** Caller coroutines each calling `read { }` with an empty body. */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    @OperationsPerInvocation(PRIORITY_TASKS)
    fun oursReadCalls() = joinCalls { List(PRIORITY_TASKS) { scope.launch { dispatcher.read { } } } }

    /** Anchor: a coroutine per task taking kotlinx `Mutex.withLock { }` with an empty body. */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    @OperationsPerInvocation(PRIORITY_TASKS)
    fun mutexWithLock() = joinCalls { List(PRIORITY_TASKS) { scope.launch { mutex.withLock { } } } }

    /** Anchor: a coroutine per task taking kotlinx `Semaphore(64).withPermit { }` with an empty body. */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    @OperationsPerInvocation(PRIORITY_TASKS)
    fun semaphoreWithPermit() = joinCalls { List(PRIORITY_TASKS) { scope.launch { semaphore.withPermit { } } } }

    /** 1,000 read tasks of `delay(1)`, 64 at a time: the ideal is 16 ms. */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    fun oursDelayReads() = awaitTasks { List(PRIORITY_TASKS) { dispatcher.submitRead { delay(1) } } }

    /** Anchor: the same 1,000 `delay(1)` coroutines under a kotlinx `Semaphore(64)`. */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    fun semaphoreDelayReads() = joinCalls { List(PRIORITY_TASKS) { scope.launch { semaphore.withPermit { delay(1) } } } }
}
