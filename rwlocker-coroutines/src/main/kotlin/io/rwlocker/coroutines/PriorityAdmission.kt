package io.rwlocker.coroutines

import io.rwlocker.coroutines.PriorityTicket.Companion.CANCELLED
import io.rwlocker.coroutines.PriorityTicket.Companion.DONE
import io.rwlocker.coroutines.PriorityTicket.Companion.GRANTED
import io.rwlocker.coroutines.PriorityTicket.Companion.QUEUED
import java.util.concurrent.locks.ReentrantLock
import kotlinx.coroutines.CancellableContinuation
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.Job
import kotlinx.coroutines.suspendCancellableCoroutine

/*
 * Implementation notes
 *
 * Who may start, for a PriorityDispatcher: a ReadWriteMutex-style admission (many reads or one
 * write, writes first) plus a bound on concurrent reads and a starvation guard. A task (a
 * coroutine of the dispatcher's scope, or the block of a write { } / read { } running in its
 * caller's coroutine) suspends (awaitGrant) until its ticket is granted.
 *
 * State (all under `lock`, a ReentrantLock held only for O(1) queue edits and one admission pass:
 * never while a task runs, never while resuming one; no `synchronized`, so virtual threads that
 * submit do not pin):
 *   writes, reads        FIFO queues of QUEUED tickets, in acceptance (submission) order
 *   writeRunning         a write is admitted and not yet released
 *   runningReads         reads admitted and not yet released
 *   consecutiveWrites    writes admitted in a row while some read waited (saturating)
 *   phaseEnd             reads with sequence <= phaseEnd form the starvation guard's read phase:
 *                        they start before any further write
 *   accepting, granting  stop() clears the first (close) or both (cancel); `granting` is volatile
 *   pending              tickets accepted whose task has not completed yet (close() waits for 0)
 *   callerTasks          the tickets of in-caller tasks (inCaller) from acceptance to finish
 *
 * Admission (admitLocked, run after every accept, release and cancellation; eager hand-off):
 *   1. while a write runs: nobody;
 *   2. the head read, while fewer than readParallelism reads run, if no write is queued or the
 *      read belongs to the guard's phase;
 *   3. else, if a write is queued and nothing runs: the head write; unless reads wait and
 *      consecutiveWrites >= maxConsecutiveWrites: then every read waiting now becomes the phase
 *      (consecutiveWrites = 0) and step 2 admits them.
 * So writes run alone, one at a time, in submission order; a queued write runs before any read
 * not yet admitted (outside a guard phase); and a read waits for at most maxConsecutiveWrites
 * writes that start after it was queued.
 *
 * Invariants (whenever the lock is free):
 *   writeRunning implies runningReads == 0;  0 <= runningReads <= readParallelism;
 *   a ticket is in a queue iff it is QUEUED; while granting, no queued ticket is admissible;
 *   pending >= queued + running tickets.
 *
 * Grant vs cancel: a grant (under the lock) marks the ticket GRANTED and takes the task's
 * continuation, if it had suspended; the task is resumed after the lock is released. A task
 * that gives up calls release(): a QUEUED ticket is unlinked (and admission re-runs, since it
 * may have blocked others), a GRANTED one gives its slot back. The clean-up paths (the
 * suspension's cancellation handler, the resume's onCancellation, the task's finally, which calls
 * finish, and a second finish by the caller of an in-caller task) may all release one ticket; the
 * first one acts, the state makes the rest no-ops (and `counted` makes finish count a ticket out
 * of `pending` once). A slot is never leaked and never given back twice.
 *
 * Linearization points: acceptance (the ticket is linked, or ISE if stopped) fixes submission
 * order; the grant under the lock is the start of the task; release under the lock its end.
 *
 * Cancelling stop vs in-caller tasks: a scope task is cancelled through its Job (a child of the
 * dispatcher's supervisor). An in-caller task awaits its grant in its caller's coroutine (no
 * scoped coroutine exists yet, so a resumption there pays no context switch), then runs its block
 * in a scoped child of its caller, not of the supervisor; stop(cancelling = true) cancels both
 * stages itself. It clears `granting` under the lock, then, outside the lock, cancels the waiting
 * continuation of every queued ticket in `callerTasks` (awaitGrantSlow checks `granting` under
 * the same lock before it stores its continuation, so it is either seen there or sees the stop and
 * cancels itself) and the `job` of every started one. The block's coroutine sets its ticket's
 * `job` (volatile write) and then reads `granting` (attach): of two volatile write-then-read pairs
 * at least one sees the other's write, so either stop() cancels the job or the task sees the stop
 * and throws CancellationException itself.
 *
 * Why not LockEngine: the order must be fixed when a task is submitted, on the submitting thread,
 * before its coroutine runs (the engine orders acquirers when they arrive); the engine's policies
 * admit every waiting reader at once and have no consecutive-write counter (adding one would put
 * dispatcher-only state on every lock's hot path); and tasks are anonymous one-shot holders, so
 * the engine's per-owner holds, reentrancy and biased reads do not apply. The protocol is the
 * engine's: waiter nodes with O(1) unlink, grant under the lock, wake after it, grant-vs-cancel.
 */

/** The admission state of one [PriorityDispatcher]. */
internal class PriorityAdmission(
    private val readParallelism: Int,
    private val maxConsecutiveWrites: Int,
) {
    private val lock = ReentrantLock()
    private val writes = TicketQueue()
    private val reads = TicketQueue()
    private var writeRunning = false
    private var runningReads = 0
    private var consecutiveWrites = 0
    private var phaseEnd = -1L
    private var nextSequence = 0L
    @Volatile
    private var granting = true
    private var pending = 0
    private var callerTasks: PriorityTicket? = null

    /** Why submissions are refused, or null while accepting. */
    @Volatile
    private var stopReason: String? = null

    /** Completed when no task is accepted any more and every accepted task has completed. */
    val drained: CompletableDeferred<Unit> = CompletableDeferred()

    /** Whether new tasks are refused. */
    val isStopped: Boolean get() = stopReason != null

    /**
     * Links [ticket] at the tail of its queue (this fixes its submission order) and admits it if
     * it may start now. Throws [IllegalStateException] after [stop], with nothing changed.
     */
    fun accept(ticket: PriorityTicket) {
        val granted: PriorityTicket?
        lock.lock()
        try {
            stopReason?.let { throw IllegalStateException("PriorityDispatcher $it: it accepts no new tasks") }
            pending++
            ticket.state = QUEUED
            if (ticket.inCaller) {
                val first = callerTasks
                ticket.callerNext = first
                if (first != null) first.callerPrev = ticket
                callerTasks = ticket
            }
            if (ticket.isWrite) {
                writes.append(ticket)
            } else {
                ticket.sequence = nextSequence++
                reads.append(ticket)
            }
            granted = admitLocked()
        } finally {
            lock.unlock()
        }
        wake(granted)
    }

    /**
     * For an in-caller task: records [job], the coroutine that runs the block of [ticket], so that
     * a cancelling [stop] cancels it. Throws [CancellationException] if that stop has happened
     * already (it may not have seen the job). Call first thing in the block's coroutine (the
     * caller has awaited the grant before starting it).
     */
    fun attach(ticket: PriorityTicket, job: Job?) {
        ticket.job = job
        if (!granting) throw CancellationException("PriorityDispatcher was cancelled")
    }

    /** Returns once [ticket] is granted; cancellable (then the ticket is unlinked at once). */
    suspend fun awaitGrant(ticket: PriorityTicket) {
        if (ticket.state == GRANTED) return
        awaitGrantSlow(ticket)
    }

    private suspend fun awaitGrantSlow(ticket: PriorityTicket) = suspendCancellableCoroutine { cont ->
        // Installed first: if the task is cancelled already, this unlinks the ticket right here.
        cont.invokeOnCancellation { release(ticket) }
        var granted = false
        var stopped = false
        lock.lock()
        try {
            when (ticket.state) {
                // An in-caller task waits in its caller's coroutine, which a cancelling stop() does
                // not cancel: under the lock it either sees this continuation or is seen here.
                QUEUED -> if (ticket.inCaller && !granting) stopped = true else ticket.continuation = cont
                GRANTED -> granted = true
                else -> Unit // CANCELLED by the handler above: the continuation is cancelled too
            }
        } finally {
            lock.unlock()
        }
        if (granted) {
            cont.resume(Unit) { _, _, _ -> release(ticket) }
        } else if (stopped) {
            cont.cancel(CancellationException("PriorityDispatcher was cancelled"))
        }
    }

    /**
     * Ends [ticket]: a QUEUED one is unlinked (CANCELLED), a GRANTED one gives its slot back
     * (DONE); then whoever may start now is admitted. A ticket already ended: nothing.
     */
    fun release(ticket: PriorityTicket) {
        val granted: PriorityTicket?
        lock.lock()
        try {
            if (!endLocked(ticket)) return
            granted = admitLocked()
        } finally {
            lock.unlock()
        }
        wake(granted)
    }

    /**
     * The task of [ticket] has ended (the finally of its body): [release] it and count it out of
     * the pending tasks. Only the first call per ticket acts.
     */
    fun finish(ticket: PriorityTicket) {
        val granted: PriorityTicket?
        val drainedNow: Boolean
        lock.lock()
        try {
            if (ticket.counted) return
            ticket.counted = true
            endLocked(ticket)
            pending--
            if (ticket.inCaller) {
                val before = ticket.callerPrev
                val after = ticket.callerNext
                if (before == null) callerTasks = after else before.callerNext = after
                if (after != null) after.callerPrev = before
                ticket.callerPrev = null
                ticket.callerNext = null
            }
            drainedNow = pending == 0 && stopReason != null
            granted = admitLocked()
        } finally {
            lock.unlock()
        }
        wake(granted)
        if (drainedNow) drained.complete(Unit)
    }

    /**
     * Refuses new tasks from now on ([reason] goes into the [IllegalStateException]); with
     * [cancelling], also grants nothing more (every queued scope task is being cancelled by its
     * Job) and cancels the coroutines of the in-caller tasks, queued or running. The first reason
     * stays. Completes [drained] if nothing is pending.
     */
    fun stop(reason: String, cancelling: Boolean) {
        val drainedNow: Boolean
        var toCancel: ArrayList<PriorityTicket>? = null
        var waiting: ArrayList<CancellableContinuation<Unit>>? = null
        lock.lock()
        try {
            if (stopReason == null) stopReason = reason
            if (cancelling && granting) {
                granting = false
                var ticket = callerTasks
                while (ticket != null) {
                    (toCancel ?: ArrayList<PriorityTicket>().also { toCancel = it }).add(ticket)
                    // Queued and suspended in its caller (before its block's coroutine exists).
                    ticket.continuation?.let { (waiting ?: ArrayList<CancellableContinuation<Unit>>().also { waiting = it }).add(it) }
                    ticket = ticket.callerNext
                }
            }
            drainedNow = pending == 0
        } finally {
            lock.unlock()
        }
        // Outside the lock: cancelling a job runs its handlers (which release tickets) at once.
        toCancel?.forEach { it.job?.cancel(CancellationException("PriorityDispatcher was cancelled")) }
        waiting?.forEach { it.cancel(CancellationException("PriorityDispatcher was cancelled")) }
        if (drainedNow) drained.complete(Unit)
    }

    /** Moves [ticket] to its end state; false if it had ended already. Under the lock. */
    private fun endLocked(ticket: PriorityTicket): Boolean {
        when (ticket.state) {
            QUEUED -> {
                (if (ticket.isWrite) writes else reads).remove(ticket)
                ticket.continuation = null
                ticket.state = CANCELLED
            }
            GRANTED -> {
                if (ticket.isWrite) writeRunning = false else runningReads--
                ticket.state = DONE
            }
            else -> return false
        }
        return true
    }

    /** Grants every ticket that may start now; returns them chained by `wakeNext`, in grant order. */
    private fun admitLocked(): PriorityTicket? {
        if (!granting || writeRunning) return null
        var first: PriorityTicket? = null
        var last: PriorityTicket? = null
        while (true) {
            val read = reads.head
            val write = writes.head
            val ticket: PriorityTicket
            if (read != null && (write == null || read.sequence <= phaseEnd)) {
                if (runningReads >= readParallelism) break
                reads.remove(read)
                runningReads++
                consecutiveWrites = 0
                ticket = read
            } else {
                if (write == null || runningReads > 0) break
                if (read != null && consecutiveWrites >= maxConsecutiveWrites) {
                    // Starvation guard: the reads waiting now run before the next write.
                    phaseEnd = reads.tail!!.sequence
                    consecutiveWrites = 0
                    continue
                }
                writes.remove(write)
                writeRunning = true
                consecutiveWrites = if (read == null) 0 else minOf(consecutiveWrites, Int.MAX_VALUE - 1) + 1
                ticket = write
            }
            ticket.state = GRANTED
            ticket.wakeNext = null
            if (last == null) first = ticket else last.wakeNext = ticket
            last = ticket
            if (ticket.isWrite) break
        }
        return first
    }

    /** Resumes the suspended tasks of a chain of granted tickets. Outside the lock. */
    private fun wake(chain: PriorityTicket?) {
        var ticket = chain
        while (ticket != null) {
            val next = ticket.wakeNext
            ticket.wakeNext = null
            val cont = ticket.continuation
            if (cont != null) {
                ticket.continuation = null
                val granted = ticket
                cont.resume(Unit) { _, _, _ -> release(granted) }
            }
            ticket = next
        }
    }

    /** A consistent snapshot of the counts (tests and toString). */
    fun snapshot(): Snapshot {
        lock.lock()
        try {
            return Snapshot(writes.size, reads.size, if (writeRunning) 1 else 0, runningReads, pending, consecutiveWrites, stopReason)
        } finally {
            lock.unlock()
        }
    }

    /** The admission state at one instant. */
    internal data class Snapshot(
        val queuedWrites: Int,
        val queuedReads: Int,
        val runningWrites: Int,
        val runningReads: Int,
        val pending: Int,
        val consecutiveWrites: Int,
        val stopReason: String?,
    ) {
        val queued: Int get() = queuedWrites + queuedReads
        val running: Int get() = runningWrites + runningReads
    }
}
