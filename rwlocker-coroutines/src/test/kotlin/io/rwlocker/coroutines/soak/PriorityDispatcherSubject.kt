package io.rwlocker.coroutines.soak

import io.rwlocker.coroutines.PriorityDispatcher
import java.util.SplittableRandom
import java.util.concurrent.Callable
import java.util.concurrent.CompletionException
import java.util.concurrent.ExecutionException
import java.util.concurrent.TimeUnit
import java.util.concurrent.TimeoutException
import java.util.concurrent.atomic.AtomicInteger
import java.util.concurrent.atomic.AtomicLong
import java.util.concurrent.atomic.LongAdder
import java.util.concurrent.locks.LockSupport
import kotlin.time.Duration.Companion.microseconds
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineName
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Deferred
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.ExperimentalCoroutinesApi
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.ensureActive
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeoutOrNull
import kotlinx.coroutines.yield

/**
 * One [PriorityDispatcher] (read parallelism [PARALLELISM], starvation guard after [MAX_WRITES]
 * writes) fed by threads (`writeAsync`/`readAsync` with [Callable]s, then a bounded `get`, a
 * `cancel(true)`, or nothing) and coroutines (`write { }`/`read { }`, also inside
 * `withTimeoutOrNull`, and `submitWrite`/`submitRead` whose [Deferred] is awaited, awaited with a
 * timeout, cancelled, or left alone), while the chaos thread interrupts the threads (in `get`) and
 * cancels the coroutines' operations (which cancels a `write { }`/`read { }` caller's task).
 * Every task gets an id and returns a token made from it; one in 25 throws a planted failure.
 *
 * Invariants checked while running, from inside the task bodies:
 *  - a write task runs alone: [ExclusionMonitor] (no read or write task beside it), and no read
 *    task inside when it starts;
 *  - at most [PARALLELISM] read tasks at once;
 *  - a plain counter changed only by write tasks never changes during a read task and never loses
 *    an update (a write task that reads it, gives way, then writes it back would);
 *  - a task's result reaches its caller: every value seen (by `get`, `await`, `write { }`, the
 *    completion handlers) is the task's own token; a failure is the task's own planted failure;
 *  - misuse fails fast with [IllegalStateException]: `write { }`, `read { }` and `closeAndJoin()`
 *    from inside a task, `close()` from a thread running a task.
 *
 * At the end ([finish]), once the tasks left running or queued have finished (bounded): every
 * accepted task completed, failed or was cancelled (accepted = outcomes counted, each exactly once
 * by its caller or its completion handler), every body that started ended, `queuedTasks` and
 * `runningTasks` are 0, nobody is inside, and no update was lost. Then `close()` (bounded) and
 * every way to submit fails with [IllegalStateException] (a failed future for the Java methods),
 * with no task run.
 */
internal class PriorityDispatcherSubject(private val tally: Tally) : SoakSubject {
    override val name: String = NAME

    private val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default + CoroutineName("soak-priority"))
    private val dispatcher = PriorityDispatcher(scope, PARALLELISM, MAX_WRITES)
    private val monitor = ExclusionMonitor(false, tally)
    private val readsInside = AtomicInteger()
    private val mostReads = AtomicInteger()
    private val ids = AtomicLong()

    private val accepted = LongAdder()
    private val completed = LongAdder()
    private val failed = LongAdder()
    private val cancelled = LongAdder()
    private val started = LongAdder()
    private val ended = LongAdder()

    /** Written only by write tasks: a plain field, so that a write beside anything loses or shows updates. */
    private var plainWrites = 0L
    private val writes = AtomicLong()

    /** What one task does; drawn by the submitter. */
    private class Plan(val id: Long, val write: Boolean, val pause: Int, val fail: Boolean, val probe: Int)

    private fun plan(random: SplittableRandom): Plan = Plan(
        id = ids.incrementAndGet(),
        write = random.nextInt(3) == 0,
        pause = random.nextInt(3),
        fail = random.nextInt(25) == 0,
        probe = if (random.nextInt(40) == 0) random.nextInt(3) else -1,
    )

    // ================================================================== task bodies

    private fun enter(plan: Plan) {
        started.increment()
        if (plan.write) {
            monitor.enterWrite()
            val reads = readsInside.get()
            tally.expect(reads == 0) { "write task ${plan.id} started beside $reads read task(s)" }
        } else {
            val reads = readsInside.incrementAndGet()
            mostReads.accumulateAndGet(reads) { a, b -> maxOf(a, b) }
            tally.expect(reads <= PARALLELISM) { "$reads read tasks at once, readParallelism is $PARALLELISM" }
            monitor.enterRead()
        }
    }

    private fun leave(plan: Plan) {
        if (plan.write) {
            monitor.exitWrite()
        } else {
            monitor.exitRead()
            readsInside.decrementAndGet()
        }
        ended.increment()
    }

    /** After the pause: a write writes back what it read before; a read checks nothing changed. */
    private fun finishBody(plan: Plan, seen: Long): Long {
        if (plan.write) {
            monitor.checkWriterAlone()
            plainWrites = seen + 1
            writes.incrementAndGet()
        } else {
            tally.expect(plainWrites == seen) { "read task ${plan.id}: data written during a read task: $seen -> $plainWrites" }
        }
        if (plan.fail) throw PlantedFailure(plan.id)
        return token(plan.id)
    }

    /** The body of a coroutine's task (suspending; a cancellation may land at its pauses). */
    private suspend fun body(plan: Plan): Long {
        enter(plan)
        try {
            val seen = plainWrites
            repeat(plan.pause) { yield() }
            when (plan.probe) {
                0 -> tally.probe<IllegalStateException>("write { } inside a task") { dispatcher.write { 0L } }
                1 -> tally.probe<IllegalStateException>("read { } inside a task") { dispatcher.read { 0L } }
                2 -> tally.probe<IllegalStateException>("closeAndJoin() inside a task") { dispatcher.closeAndJoin() }
            }
            return finishBody(plan, seen)
        } finally {
            leave(plan)
        }
    }

    /** The body of a thread's [Callable] (blocking; runs to its end even if its future is cancelled). */
    private fun blockingBody(plan: Plan): Long {
        enter(plan)
        try {
            val seen = plainWrites
            when (plan.pause) {
                1 -> Thread.yield()
                2 -> LockSupport.parkNanos(20_000L)
            }
            if (plan.probe >= 0) tally.probe<IllegalStateException>("close() on a thread running a task") { dispatcher.close() }
            return finishBody(plan, seen)
        } finally {
            leave(plan)
        }
    }

    // ================================================================== outcomes

    /** Counts the outcome of task [id] (once per task) and checks its value or failure. */
    private fun outcome(id: Long, value: Long?, error: Throwable?, how: String) {
        val e = if (error is CompletionException) error.cause ?: error else error
        when (e) {
            null -> {
                completed.increment()
                tally.expect(value == token(id)) { "$how: task $id delivered $value, its token is ${token(id)}" }
            }
            is CancellationException -> cancelled.increment()
            is PlantedFailure -> {
                failed.increment()
                tally.expect(e.id == id) { "$how: task $id failed with the planted failure of task ${e.id}" }
            }
            else -> {
                failed.increment()
                tally.violation("$how: task $id failed with ${e.describe()}")
            }
        }
    }

    /** A value or failure that a caller saw directly (besides its counted outcome). */
    private fun checkSeen(id: Long, value: Long?, error: Throwable?, how: String) {
        if (error == null) {
            tally.expect(value == token(id)) { "$how: task $id gave $value, its token is ${token(id)}" }
        } else {
            tally.expect(error is PlantedFailure && error.id == id) { "$how: task $id failed with ${error.describe()}" }
        }
    }

    // ================================================================== threads

    override fun threadStep(worker: Worker, random: SplittableRandom) {
        val plan = plan(random)
        worker.phase = if (plan.write) "writeAsync" else "readAsync"
        val task = Callable { blockingBody(plan) }
        val future = if (plan.write) dispatcher.writeAsync(task) else dispatcher.readAsync(task)
        accepted.increment()
        future.whenComplete { value, error -> outcome(plan.id, value, error, "future") }
        when (random.nextInt(6)) {
            0 -> {} // left alone: its outcome is counted when it completes
            1 -> {
                worker.phase = "future.cancel"
                future.cancel(true)
            }
            else -> {
                worker.phase = "future.get (bounded)"
                try {
                    checkSeen(plan.id, future.get(1L + random.nextInt(2_000), TimeUnit.MICROSECONDS), null, "future.get")
                } catch (e: TimeoutException) {
                    tally.fault(Fault.ACQUIRE_TIMEOUT)
                } catch (e: ExecutionException) {
                    checkSeen(plan.id, null, e.cause, "future.get")
                } catch (e: CancellationException) {
                    // cancelled: counted by the completion handler
                } catch (e: InterruptedException) {
                    tally.interruptSeen()
                }
            }
        }
    }

    // ================================================================== coroutines

    override suspend fun coroutineStep(worker: Worker, random: SplittableRandom) {
        val plan = plan(random)
        val micros = 1L + random.nextInt(2_000)
        val how = random.nextInt(10)
        if (how < 5) {
            worker.phase = if (plan.write) "write { }" else "read { }"
            if (how == 0) {
                val done = withTimeoutOrNull(micros.microseconds) {
                    call(plan)
                    true
                }
                if (done == null) tally.fault(Fault.ACQUIRE_TIMEOUT)
            } else {
                call(plan)
            }
        } else {
            worker.phase = if (plan.write) "submitWrite" else "submitRead"
            val deferred = if (plan.write) dispatcher.submitWrite { body(plan) } else dispatcher.submitRead { body(plan) }
            accepted.increment()
            deferred.invokeOnCompletion { cause -> outcome(plan.id, if (cause == null) completedValue(deferred) else null, cause, "Deferred") }
            when (how) {
                5 -> {} // left alone
                6 -> deferred.cancel()
                7 -> {
                    val done = withTimeoutOrNull(micros.microseconds) { await(plan, deferred) }
                    if (done == null) tally.fault(Fault.ACQUIRE_TIMEOUT)
                }
                else -> await(plan, deferred)
            }
        }
        worker.phase = "idle"
    }

    /** `write { }` / `read { }`: the caller counts the outcome itself (it has no handle on the task). */
    private suspend fun call(plan: Plan) {
        accepted.increment()
        val how = if (plan.write) "write { }" else "read { }"
        try {
            val value = if (plan.write) dispatcher.write { body(plan) } else dispatcher.read { body(plan) }
            outcome(plan.id, value, null, how)
        } catch (e: PlantedFailure) {
            outcome(plan.id, null, e, how)
        } catch (e: CancellationException) {
            outcome(plan.id, null, e, how) // the caller was cancelled (its task too) or timed out
            throw e
        }
    }

    /** Awaits a Deferred (its outcome is counted by its handler); a cancelled task is fine, a cancelled caller rethrows. */
    private suspend fun await(plan: Plan, deferred: Deferred<Long>): Boolean {
        try {
            checkSeen(plan.id, deferred.await(), null, "await")
        } catch (e: PlantedFailure) {
            checkSeen(plan.id, null, e, "await")
        } catch (e: CancellationException) {
            currentCoroutineContext().ensureActive() // the caller itself was cancelled: go on cancelling
        }
        return true
    }

    @OptIn(ExperimentalCoroutinesApi::class)
    private fun completedValue(deferred: Deferred<Long>): Long = deferred.getCompleted()

    // ================================================================== end

    override fun drain() {}

    override fun finish(tally: Tally) {
        // Tasks left alone (and cancelled futures' Callables) may still be queued or running: they end on their own.
        fun settled() = dispatcher.queuedTasks == 0 && dispatcher.runningTasks == 0 &&
            started.sum() == ended.sum() && accepted.sum() == completed.sum() + failed.sum() + cancelled.sum()
        val deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30)
        while (!settled() && System.nanoTime() - deadline < 0) LockSupport.parkNanos(1_000_000L)

        val outcomes = completed.sum() + failed.sum() + cancelled.sum()
        tally.expect(accepted.sum() == outcomes) {
            "accepted ${accepted.sum()} tasks, but ${completed.sum()} completed + ${failed.sum()} failed + ${cancelled.sum()} cancelled = $outcomes"
        }
        tally.expect(started.sum() == ended.sum()) { "${started.sum()} task bodies started, ${ended.sum()} ended" }
        tally.expect(dispatcher.queuedTasks == 0 && dispatcher.runningTasks == 0) { "at the end: $dispatcher" }
        tally.expect(monitor.isEmpty && readsInside.get() == 0) { "at the end: $monitor, ${readsInside.get()} read task(s) inside" }
        tally.expect(plainWrites == writes.get()) { "lost updates: ${writes.get()} write tasks wrote, the plain counter says $plainWrites" }

        // close() drains (nothing is left) and returns; bounded, on a thread of its own.
        val closer = Thread({ dispatcher.close() }, "soak-priority-close").apply {
            isDaemon = true
            start()
            join(10_000L)
        }
        tally.expect(!closer.isAlive) { "close() did not return within 10 s: $dispatcher" }
        tally.expect(dispatcher.isClosed) { "after close(): isClosed is false" }
        val bodiesBefore = started.sum()
        afterClose("submitWrite") { dispatcher.submitWrite { 0L } }
        afterClose("submitRead") { dispatcher.submitRead { 0L } }
        afterClose("write { }") { runBlocking { dispatcher.write { 0L } } }
        afterClose("read { }") { runBlocking { dispatcher.read { 0L } } }
        for ((what, future) in listOf("writeAsync" to dispatcher.writeAsync { 0L }, "readAsync" to dispatcher.readAsync { 0L })) {
            val cause = runCatching { future.get(10, TimeUnit.SECONDS) }.exceptionOrNull()
            tally.expect(cause is ExecutionException && cause.cause is IllegalStateException) {
                "$what after close(): expected a future failed with IllegalStateException, got ${cause?.describe() ?: "a value"}"
            }
        }
        tally.expect(started.sum() == bodiesBefore) { "a task submitted after close() ran" }
        tally.expect(dispatcher.queuedTasks == 0 && dispatcher.runningTasks == 0) { "after close(): $dispatcher" }
        scope.cancel()

        tally.note(
            "$name: ${accepted.sum()} tasks accepted: ${completed.sum()} completed, ${failed.sum()} failed (planted), " +
                "${cancelled.sum()} cancelled; ${writes.get()} write tasks ran to their end; at most ${mostReads.get()} read tasks at once",
        )
    }

    private inline fun afterClose(what: String, call: () -> Unit) {
        val thrown = runCatching(call).exceptionOrNull()
        tally.expect(thrown is IllegalStateException) {
            "$what after close(): expected IllegalStateException, got ${thrown?.describe() ?: "a normal return"}"
        }
    }

    override fun describe(): String = "$dispatcher; monitor: $monitor; ${readsInside.get()} read task(s) inside"

    /** A failure planted in task [id]: it must reach that task's caller and fail only that task. */
    private class PlantedFailure(val id: Long) : RuntimeException("a planted failure in task $id", null, false, false)

    companion object {
        const val PARALLELISM = 3
        const val MAX_WRITES = 4
        const val NAME = "PriorityDispatcher (reads 3 at once, 4 writes in a row)"

        /** The value task [id] returns. */
        fun token(id: Long): Long = (id * -0x61c8864680b583ebL) xor 0x5DEECE66DL
    }
}
