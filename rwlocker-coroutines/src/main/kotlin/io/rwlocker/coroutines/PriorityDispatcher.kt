package io.rwlocker.coroutines

import java.util.concurrent.Callable
import java.util.concurrent.CompletableFuture
import java.util.concurrent.CountDownLatch
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.Executor
import kotlin.coroutines.CoroutineContext
import kotlin.coroutines.ContinuationInterceptor
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CompletableJob
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.ExperimentalCoroutinesApi
import kotlinx.coroutines.Deferred
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.asCoroutineDispatcher
import kotlinx.coroutines.async
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.ensureActive
import kotlinx.coroutines.future.asCompletableFuture
import kotlinx.coroutines.withContext

/*
 * Implementation notes
 *
 * A task runner over a PriorityAdmission (see its notes for the state, the rules and the
 * linearization points). No thread of its own. Two kinds of task, one admission:
 *  - scope tasks (submitWrite/submitRead/writeAsync/readAsync, and write { } / read { } from a
 *    caller on another dispatcher): a coroutine of `writeTasks`/`readTasks` (the given scope's
 *    context under `supervisor`, a SupervisorJob child of the scope's Job, so a failing task fails
 *    only its own Deferred and cancelling the scope cancels every task; plus the marker: the two
 *    contexts are built once), started at once (ATOMIC), which suspends in awaitGrant until
 *    admitted, runs its block, and calls finish (release + count out) in a finally;
 *  - in-caller tasks (write { } / read { } from a caller whose dispatcher is the tasks' dispatcher,
 *    `taskInterceptor`): no second coroutine. The caller accepts its ticket (inCaller), awaits
 *    its grant in its own coroutine, then runs coroutineScope { attach; block }: a scoped child
 *    of the caller, started on the caller's thread. Not withContext(marker): measured, that
 *    made `launch { write { } }` about 2x slower than coroutineScope (2.2x Mutex.withLock against
 *    1.2x; withContext with a plain element in between, 1.8x). withContext builds the new context
 *    (three context additions), an UndispatchedCoroutine with a ThreadLocal of its own per call,
 *    and with a ThreadContextElement it also updates and restores the thread state. So the block's
 *    context carries no marker; the two things the marker was for are done otherwise (see
 *    "Self-deadlock" below). The scope's finally calls finish (release + count out, once per
 *    ticket), and the caller's finally calls it too in case the scope never started (a caller
 *    cancelled while queued, or after the grant: the ticket is unlinked, or the turn passed on).
 *    The block's coroutine is a child of the caller; it is not a child of `supervisor`, so
 *    cancel() and the scope's cancellation reach the call through the admission
 *    (stop(cancelling = true) cancels the waiting continuation of a queued in-caller ticket and
 *    the job of a started one; see PriorityAdmission for the race with a task that is just
 *    starting). The count-out happens in
 *    the block's coroutine, not when the caller resumes, so close() never waits for a caller's
 *    thread. A caller on another dispatcher would need a dispatch to the scope's dispatcher
 *    anyway: it keeps the scope task (submit + await), whose start is dispatched there.
 * Per in-caller call: one InCallerTask (the ticket, and the body coroutineScope runs, so no
 * lambda), the scope coroutine and its context, an entry in `callerBlocks`, and (only if it
 * waits) the suspension; against a scope task: no Deferred, no dispatch, and the caller does not
 * suspend to await a second coroutine.
 *
 * Submission: the ticket is accepted (linked, submission order fixed, ISE if stopped) BEFORE the
 * coroutine is created, on the submitting thread (for an in-caller task: before it waits);
 * the task only waits for the grant. Clean-up of a scope task: it is started ATOMIC, so its body
 * (and its finally) runs even if the task is cancelled before it was dispatched; it stops at once
 * in awaitGrant (suspending in a cancelled Job unlinks the ticket) or at the ensureActive after
 * it, and its finally counts it out (PriorityAdmission.finish: one lock for release and count,
 * no completion handler per task). Releases are idempotent, so every path is covered once; if
 * async itself throws, submit counts the ticket out.
 *
 * close(): stop accepting, then wait until `pending` is 0 (the admission's `drained` Deferred);
 * after the drain the supervisor is completed so that the parent scope can finish, and close()
 * also waits for it: a scope task counts itself out in its body's finally, a moment before its
 * Deferred completes, and close() returns only once every task's Deferred has. cancel(): stop
 * accepting and granting, cancel the supervisor. Cancelling the scope does the same: the
 * supervisor's first child, `sentinel`, is cancelled before any task and stops the admission, so
 * no queued task is admitted (and run) while the others are being cancelled. The thread-blocking
 * waits in close() use a CountDownLatch completed from a completion handler, not runBlocking.
 *
 * Self-deadlock: write { } / read { } / closeAndJoin() from a task of this dispatcher (or from a
 * child coroutine of one), and close() on a thread running one, throw IllegalStateException
 * before changing anything. taskKindOf(context) decides for the suspending calls:
 *  - a scope task's context holds a PriorityTaskMarker (a context element, inherited by its
 *    children);
 *  - an in-caller block's coroutine (the scope coroutine's Job) is in `callerBlocks` from the
 *    block's start to its end (put before the block runs, removed before the caller resumes), so
 *    the call walks up its Job's parents (Job.parent) and looks each up; while no in-caller block
 *    runs the map is empty and nothing is walked. A call from a child of a block finds the block
 *    among its ancestors; a call after the block has ended does not find it.
 * close() has no context and asks the thread (PriorityTaskMarker.onThisThread): a scope task's
 * marker is a ThreadContextElement, set on every resumption of the task; an in-caller block sets
 * the same thread-local around its start (runMarked), until it first suspends or ends. So close()
 * in an in-caller block is refused up to the block's first suspension; after one, the block runs
 * on resumptions that kotlinx makes without any hook of ours, and close() there would wait for
 * the block itself (closeAndJoin() is refused everywhere in a block: use it from coroutines).
 */

/**
 * Runs *write* (P1) and *read* (P2) tasks for state that must never be read mid-update: a write
 * task runs alone, a read task beside other reads, and writes go first.
 *
 * ```
 * val dispatcher = PriorityDispatcher(scope, readParallelism = 64)
 * dispatcher.write { config.version = 2; delay(10); config.status = "live" }  // P1: alone
 * val seen = dispatcher.read { "${config.version} ${config.status}" }          // P2: never half-written
 * val later: Deferred<Int> = dispatcher.submitRead { config.version }           // queue without waiting
 * dispatcher.closeAndJoin()                                                      // or close() from a thread
 * ```
 *
 * **Ordering.**
 *
 * | rule | guarantee |
 * |---|---|
 * | writes | run alone (no read, no other write), one at a time, in submission order |
 * | writes first | every queued write runs before any read that has not started yet |
 * | reads | run concurrently, at most [readParallelism] at once, whenever no write is queued or running |
 * | starvation guard | after [maxConsecutiveWrites] writes in a row while reads wait, the reads waiting at that moment run (at most [readParallelism] at once) before the next write |
 * | reads among themselves | are admitted in submission order |
 *
 * A read already running is never interrupted by a write: the write waits for it. The order is
 * fixed when a task is submitted (when [submitWrite]/[submitRead]/[writeAsync]/[readAsync] return,
 * or when [write]/[read] suspend), whatever thread or coroutine submits it.
 *
 * **Tasks run on the scope's dispatcher**; there is no thread of the dispatcher's own, and waiting
 * for admission suspends a task, never blocks a thread. Submitted tasks ([submitWrite],
 * [submitRead], [writeAsync], [readAsync]) are coroutines of the given scope, under a
 * `SupervisorJob` child of its Job. The block of [write]/[read] runs in the caller's coroutine
 * when the caller already runs on the scope's dispatcher (the same [ContinuationInterceptor]): like
 * `coroutineScope`, as a child coroutine of the caller with the caller's context elements, with no
 * second coroutine and no thread switch; otherwise it runs as a coroutine of the scope, like a
 * submitted task, and the caller suspends until it has ended. Either way it is admitted, ordered,
 * cancelled (by the caller, by [cancel], by the scope's cancellation) and waited for by [close]
 * like every task. Like a launched coroutine, the dispatcher keeps its scope active until it is
 * closed or cancelled: close it before the scope ends.
 *
 * **Results and failures** reach the caller: [write]/[read] return the block's value or rethrow
 * its exception; [submitWrite]/[submitRead] return the task as a [Deferred]; [writeAsync]/[readAsync]
 * return a [CompletableFuture]. A failing task fails only itself; the dispatcher goes on.
 *
 * **Cancellation.** Cancelling the coroutine that called [write]/[read] cancels its task (and the
 * call returns only once the task has stopped); cancelling a returned [Deferred] or future cancels
 * its task. A task cancelled before it was admitted never runs and leaves no trace (whoever it was
 * holding back is admitted at once); one admitted at the instant it was cancelled passes its turn
 * on. Cancelling the scope cancels every task; the dispatcher then refuses new tasks.
 *
 * **Closing.** [close] (and [closeAndJoin]) stop accepting tasks, run everything already accepted
 * in the usual order and wait for it; [cancel] stops accepting and cancels every queued and
 * running task. After either, submissions fail at once with [IllegalStateException] (a failed
 * future for [writeAsync]/[readAsync]). Every accepted task completes, fails or is cancelled:
 * nothing is dropped, and no caller is left waiting.
 *
 * **Misuse fails fast.** A task that calls [write] or [read] of its own dispatcher would wait for
 * itself (a write task for its own end; a read task behind a write that waits for it), and so would
 * [close]/[closeAndJoin] from inside a task: these throw [IllegalStateException] with nothing
 * changed. Child coroutines of a task count as the task. One limit, for the blocking [close] only:
 * in a block of [write]/[read] that runs in its caller's coroutine, it is refused until the block
 * first suspends; after that the thread is not marked, and [close] there would wait for the block
 * itself (a coroutine should call [closeAndJoin], which is refused everywhere in a task). To queue
 * follow-up work from a task, use [submitWrite]/[submitRead] and do not wait for the result inside
 * the task.
 *
 * Unlike a single-threaded executor (the seed library's design), reads really run at the same
 * time, results and exceptions are returned, a stream of writes cannot starve reads forever (with
 * [maxConsecutiveWrites]), and closing never strands a queued task.
 *
 * @param scope the scope the tasks run in (its dispatcher and its Job: cancelling it cancels them).
 * @param readParallelism the most read tasks that run at once (default 64; reads are usually
 *   suspending I/O). [IllegalArgumentException] if below 1.
 * @param maxConsecutiveWrites the starvation guard: how many writes may start in a row while reads
 *   wait (default [Int.MAX_VALUE], writes always first). [IllegalArgumentException] if below 1.
 */
public class PriorityDispatcher @JvmOverloads constructor(
    scope: CoroutineScope,
    readParallelism: Int = 64,
    maxConsecutiveWrites: Int = Int.MAX_VALUE,
) : AutoCloseable {
    init {
        // Checked before the supervisor is attached to the scope: a rejected dispatcher leaves no Job behind.
        require(readParallelism >= 1) { "readParallelism must be at least 1, was $readParallelism" }
        require(maxConsecutiveWrites >= 1) { "maxConsecutiveWrites must be at least 1, was $maxConsecutiveWrites" }
    }

    /** The most read tasks that run at once. */
    public val readParallelism: Int = readParallelism

    /** How many writes may start in a row while reads wait before the waiting reads go first. */
    public val maxConsecutiveWrites: Int = maxConsecutiveWrites

    private val admission = PriorityAdmission(readParallelism, maxConsecutiveWrites)
    private val supervisor: CompletableJob = SupervisorJob(scope.coroutineContext[Job])

    /**
     * The supervisor's first child: cancelled before any task when the scope is cancelled (children
     * are cancelled in the order they were attached), it stops the admission first, so no queued
     * task is admitted while the tasks are being cancelled one by one.
     */
    private val sentinel: CompletableJob = Job(supervisor)
    private val taskScope = CoroutineScope(scope.coroutineContext + supervisor)
    private val taskInterceptor: ContinuationInterceptor = scope.coroutineContext[ContinuationInterceptor] ?: Dispatchers.Default
    private val writeMarker = PriorityTaskMarker(this, isWrite = true)
    private val readMarker = PriorityTaskMarker(this, isWrite = false)

    /** The in-caller blocks running now, by the Job of their scope coroutine (see the notes). */
    private val callerBlocks = ConcurrentHashMap<Job, PriorityTicket>()

    /** The scope of the write tasks and that of the read tasks: the contexts are built once, not per task. */
    private val writeTasks = CoroutineScope(taskScope.coroutineContext + writeMarker)
    private val readTasks = CoroutineScope(taskScope.coroutineContext + readMarker)

    init {
        sentinel.invokeOnCompletion { cause -> if (cause != null) admission.stop(SCOPE_CANCELLED, cancelling = true) }
        admission.drained.invokeOnCompletion {
            sentinel.complete()
            supervisor.complete()
        }
    }

    /**
     * For Java: a dispatcher with its own scope on [Dispatchers.Default], `readParallelism` 64 and
     * no starvation guard. Tasks that block their thread (I/O in a [Callable]) are better run on
     * an executor of their own: see the `Executor` constructor.
     */
    public constructor() : this(CoroutineScope(Dispatchers.Default))

    /**
     * A dispatcher whose tasks run on [executor] (for example
     * `Executors.newVirtualThreadPerTaskExecutor()`, for [Callable]s that block), in a scope of
     * its own. The executor is not shut down by [close]. [IllegalArgumentException] for a
     * [readParallelism] or [maxConsecutiveWrites] below 1.
     */
    @JvmOverloads
    public constructor(
        executor: Executor,
        readParallelism: Int = 64,
        maxConsecutiveWrites: Int = Int.MAX_VALUE,
    ) : this(CoroutineScope(executor.asCoroutineDispatcher()), readParallelism, maxConsecutiveWrites)

    /** Whether this dispatcher refuses new tasks: after [close], [cancel] or its scope's cancellation. */
    public val isClosed: Boolean get() = admission.isStopped

    /** Tasks accepted and not yet admitted (waiting for their turn). A snapshot, for monitoring. */
    public val queuedTasks: Int get() = admission.snapshot().queued

    /** Tasks admitted and not yet finished: some reads, or one write. A snapshot, for monitoring. */
    public val runningTasks: Int get() = admission.snapshot().running

    internal fun snapshot(): PriorityAdmission.Snapshot = admission.snapshot()

    /** In-caller blocks registered as running now (tests: 0 whenever the dispatcher is idle). */
    internal fun runningCallerBlocks(): Int = callerBlocks.size

    // ------------------------------------------------------------------ suspending calls

    /**
     * Runs [block] as a write (P1) task and returns its result, or rethrows its exception. The
     * task runs alone, after the writes submitted before it and before every read not yet started.
     * On the scope's dispatcher the block runs in the caller's coroutine (see the class notes on
     * tasks), elsewhere as a coroutine of the scope. Cancelling the caller cancels the task and
     * returns once it has stopped. Throws [IllegalStateException] after [close]/[cancel], and when
     * called from a task of this dispatcher (it would wait for itself). If the dispatcher is
     * cancelled meanwhile, throws [CancellationException] (the caller itself is not cancelled).
     */
    public suspend fun <T> write(block: suspend () -> T): T = call(writeMarker, block, "write { }")

    /**
     * Runs [block] as a read (P2) task, beside other reads, and returns its result, or rethrows its
     * exception. It starts once no write queued before it or running remains (see the ordering
     * table) and fewer than [readParallelism] reads run. Cancellation and errors as for [write].
     */
    public suspend fun <T> read(block: suspend () -> T): T = call(readMarker, block, "read { }")

    /**
     * Queues [block] as a write (P1) task and returns it as a [Deferred] at once; its place in the
     * order is fixed when this returns. Cancelling the Deferred cancels the task; a failure
     * completes it exceptionally. Throws [IllegalStateException] after [close]/[cancel]. May be
     * called from a task (queues follow-up work), but a task must not wait for the result.
     */
    public fun <T> submitWrite(block: suspend () -> T): Deferred<T> = submit(writeMarker, block)

    /** Queues [block] as a read (P2) task and returns it as a [Deferred] at once; see [submitWrite]. */
    public fun <T> submitRead(block: suspend () -> T): Deferred<T> = submit(readMarker, block)

    // ------------------------------------------------------------------ Java

    /**
     * For Java: queues [task] as a write (P1) task and returns a [CompletableFuture] of its result.
     * The future fails with the task's exception, is cancelled if the task is, and cancelling it
     * cancels the task. After [close]/[cancel], returns a future failed with
     * [IllegalStateException]. A `null` task: [NullPointerException].
     */
    public fun <T> writeAsync(task: Callable<T>): CompletableFuture<T> = future(writeMarker, task)

    /** For Java: queues [task] as a read (P2) task; see [writeAsync]. */
    public fun <T> readAsync(task: Callable<T>): CompletableFuture<T> = future(readMarker, task)

    // ------------------------------------------------------------------ closing

    /**
     * Stops accepting tasks, lets every task already accepted run (in the usual order) and blocks
     * the calling thread until all of them have completed, failed or been cancelled. Idempotent;
     * after [cancel] it waits for the cancelled tasks to stop. Usable in try-with-resources.
     * Interrupts do not stop the wait (the interrupt status is kept).
     *
     * Throws [IllegalStateException] on a thread running a task of this dispatcher (it would wait
     * for itself): a submitted task at any point, a [write]/[read] block run in its caller's
     * coroutine up to its first suspension (see the class notes). It blocks a thread: from a
     * coroutine use [closeAndJoin], since blocking the only
     * thread of the tasks' dispatcher (a `runBlocking` scope, a single-threaded dispatcher) would
     * deadlock.
     */
    override fun close() {
        checkNotInTask(kindIfOurs(PriorityTaskMarker.onThisThread()), "close()")
        admission.stop(CLOSED, cancelling = false)
        // Every accepted task counted out, then every task coroutine completed (the supervisor is
        // completed, or cancelled, by then: it completes once its children have).
        val interrupted = joinBlocking(admission.drained) or joinBlocking(supervisor)
        if (interrupted) Thread.currentThread().interrupt()
    }

    /** Blocks until [job] has completed, through interrupts; returns whether it was interrupted. */
    private fun joinBlocking(job: Job): Boolean {
        if (job.isCompleted) return false
        val latch = CountDownLatch(1)
        job.invokeOnCompletion { latch.countDown() }
        var interrupted = false
        while (true) {
            try {
                latch.await()
                return interrupted
            } catch (e: InterruptedException) {
                interrupted = true
            }
        }
    }

    /**
     * The suspending [close]: stops accepting tasks and suspends until every accepted task has
     * completed, failed or been cancelled. Cancelling the caller stops only the waiting, not the
     * drain. Throws [IllegalStateException] inside a task of this dispatcher.
     */
    public suspend fun closeAndJoin() {
        checkNotInTask(taskKindOf(currentCoroutineContext()), "closeAndJoin()")
        admission.stop(CLOSED, cancelling = false)
        admission.drained.await()
        supervisor.join()
    }

    /**
     * Stops accepting tasks and cancels every queued and running task: queued ones never run,
     * running ones are cancelled (cooperatively, as any coroutine). Returns at once; [close] or
     * [closeAndJoin] afterwards wait until they have all stopped. Idempotent; allowed from a task.
     */
    public fun cancel() {
        admission.stop(CANCELLED, cancelling = true)
        supervisor.cancel(CancellationException("PriorityDispatcher was cancelled"))
    }

    /** Names the dispatcher and its counters: closed, queued and running tasks (a snapshot). */
    override fun toString(): String {
        val s = admission.snapshot()
        val state = s.stopReason?.let { ", $it" } ?: ""
        return "PriorityDispatcher[queued=${s.queuedWrites}w+${s.queuedReads}r, running=${s.runningWrites}w+${s.runningReads}r$state]"
    }

    // ------------------------------------------------------------------ internals

    private fun <T> submit(marker: PriorityTaskMarker, block: suspend () -> T): Deferred<T> {
        if (!supervisor.isActive) admission.stop(SCOPE_CANCELLED, cancelling = true)
        val ticket = PriorityTicket(marker.isWrite)
        admission.accept(ticket)
        try {
            // ATOMIC: the body starts even if the task is cancelled first, so its finally (which
            // counts the task out) always runs; a cancelled task stops at awaitGrant/ensureActive.
            return (if (marker.isWrite) writeTasks else readTasks).async(start = CoroutineStart.ATOMIC) { runTask(ticket, block) }
        } catch (t: Throwable) {
            admission.finish(ticket)
            throw t
        }
    }

    private suspend fun <T> runTask(ticket: PriorityTicket, block: suspend () -> T): T {
        try {
            admission.awaitGrant(ticket)
            currentCoroutineContext().ensureActive() // cancelled before it started: never runs
            return block()
        } finally {
            admission.finish(ticket)
        }
    }

    private suspend fun <T> call(marker: PriorityTaskMarker, block: suspend () -> T, name: String): T {
        val context = currentCoroutineContext()
        checkNotInTask(taskKindOf(context), name)
        if (context[ContinuationInterceptor] !== taskInterceptor) return awaitTask(submit(marker, block))
        // The caller runs on the tasks' dispatcher already: the block runs in the caller's coroutine.
        if (!supervisor.isActive) admission.stop(SCOPE_CANCELLED, cancelling = true)
        val task = InCallerTask(marker, block)
        admission.accept(task)
        // A tail call: every suspension of call() is one, so call() has no state machine of its
        // own (no continuation object per call); only runInCaller's, which keeps one reference.
        return runInCaller(task)
    }

    /**
     * The kind ("write" or "read") of the task of this dispatcher that [context] runs in (a
     * scope task, an in-caller block, or a child coroutine of either), or null. See the notes.
     */
    @OptIn(ExperimentalCoroutinesApi::class) // Job.parent
    internal fun taskKindOf(context: CoroutineContext): String? {
        kindIfOurs(context[PriorityTaskMarker])?.let { return it }
        if (callerBlocks.isEmpty()) return null
        var job = context[Job]
        while (job != null) {
            val block = callerBlocks[job]
            if (block != null) return if (block.isWrite) "write" else "read"
            job = job.parent
        }
        return null
    }

    /** The kind of [marker] if it marks a task of this dispatcher, else null. */
    private fun kindIfOurs(marker: PriorityTaskMarker?): String? =
        if (marker != null && marker.dispatcher === this) marker.kind else null

    private suspend fun <T> runInCaller(task: InCallerTask<T>): T {
        try {
            // Wait in the caller's coroutine, then run the block in a scoped child of it.
            admission.awaitGrant(task)
            return coroutineScope(task)
        } finally {
            // Counted out by the block's coroutine already, unless coroutineScope did not start it.
            if (!task.counted) admission.finish(task)
        }
    }

    /**
     * An in-caller task: its ticket, and the body that coroutineScope runs in the block's
     * coroutine (one object for both: no lambda per call).
     */
    private inner class InCallerTask<T>(
        private val marker: PriorityTaskMarker,
        private val block: suspend () -> T,
    ) : PriorityTicket(marker.isWrite, inCaller = true), suspend (CoroutineScope) -> T {
        override suspend fun invoke(scope: CoroutineScope): T {
            val job = scope.coroutineContext[Job]!! // a scope coroutine is a Job
            try {
                admission.attach(this, job)
                callerBlocks[job] = this // before the block runs: nested calls see it
                scope.coroutineContext.ensureActive() // cancelled before it started: never runs
                return PriorityTaskMarker.runMarked(marker, block)
            } finally {
                callerBlocks.remove(job) // before the caller resumes: later calls do not see it
                admission.finish(this)
            }
        }
    }

    private suspend fun <T> awaitTask(task: Deferred<T>): T {
        try {
            return task.await()
        } catch (e: CancellationException) {
            // The caller was cancelled (or the task was): stop the task and wait until it has.
            task.cancel()
            withContext(NonCancellable) { task.join() }
            throw e
        }
    }

    private fun <T> future(marker: PriorityTaskMarker, task: Callable<T>): CompletableFuture<T> {
        val deferred = try {
            submit(marker) { task.call() }
        } catch (e: IllegalStateException) {
            return CompletableFuture.failedFuture(e)
        }
        return deferred.asCompletableFuture()
    }

    /** Throws if the caller runs in a task of this dispatcher ([kind] from [taskKindOf]). */
    private fun checkNotInTask(kind: String?, call: String) {
        if (kind != null) {
            throw IllegalStateException(
                "$call inside a $kind task of the same PriorityDispatcher would wait for that task " +
                    "itself (deadlock); queue follow-up work with submitWrite/submitRead and do not wait for it there",
            )
        }
    }

    private companion object {
        const val CLOSED = "is closed"
        const val CANCELLED = "was cancelled"
        const val SCOPE_CANCELLED = "has a cancelled or completed scope"
    }
}
