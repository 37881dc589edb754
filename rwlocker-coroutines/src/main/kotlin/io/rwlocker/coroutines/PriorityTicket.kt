package io.rwlocker.coroutines

import kotlinx.coroutines.CancellableContinuation
import kotlinx.coroutines.Job

/*
 * Implementation notes
 *
 * One task's place in a PriorityAdmission: the dispatcher's waiter node. Every field except
 * `state` is read and written only under the admission's lock; `state` is volatile so that the
 * task's own coroutine may look for its grant without the lock (the common case: admitted at
 * submission, no suspension at all).
 *
 * State: NEW -> QUEUED (accepted: linked in its queue) -> GRANTED (admitted: counted as running,
 * unlinked) -> DONE (released); or QUEUED -> CANCELLED (unlinked before any grant). Both end
 * states are final: releasing a ticket a second time, from whichever clean-up path comes second,
 * does nothing (see PriorityAdmission.release).
 *
 * `continuation` is set, under the lock, only while the ticket is QUEUED; the grant that follows
 * reads it after the lock is released (the lock orders the two), so a task that found its ticket
 * GRANTED never suspends and one that suspended is always resumed.
 *
 * `counted` (volatile, set under the lock) records that the task was counted out of the
 * admission's pending tasks (PriorityAdmission.finish), which therefore happens once per ticket.
 *
 * A ticket of a task that runs in its caller's coroutine (`inCaller`, see PriorityDispatcher) is
 * also linked, from acceptance to finish, in the admission's list of such tasks (`callerPrev`,
 * `callerNext`, under the lock), and `job` (volatile) is the coroutine that runs its block, set by
 * that coroutine before it waits for its grant: a cancelling stop cancels these jobs. Such a
 * ticket is a PriorityDispatcher.InCallerTask, which is also the body that withContext runs (the
 * class is open for that one subclass).
 */

/** A task's place in the admission queues of a [PriorityDispatcher]. */
internal open class PriorityTicket(
    /** A write (P1) task; otherwise a read (P2) task. */
    @JvmField val isWrite: Boolean,
    /** A task whose block runs in its caller's coroutine, not in a coroutine of the dispatcher's scope. */
    @JvmField val inCaller: Boolean = false,
) {
    @Volatile
    @JvmField
    var state: Int = NEW

    /** Arrival order among reads (the starvation guard's read phase is a range of these). */
    @JvmField
    var sequence: Long = 0

    @JvmField
    var prev: PriorityTicket? = null

    @JvmField
    var next: PriorityTicket? = null

    /** The suspended task, waiting for its grant; null if it has not suspended. */
    @JvmField
    var continuation: CancellableContinuation<Unit>? = null

    /** Chains the tickets granted by one admission pass, to resume them after the lock is released. */
    @JvmField
    var wakeNext: PriorityTicket? = null

    /** Counted out of the admission's pending tasks (finished). */
    @Volatile
    @JvmField
    var counted: Boolean = false

    /** For an [inCaller] task: the coroutine running its block, once it has started. */
    @Volatile
    @JvmField
    var job: Job? = null

    @JvmField
    var callerPrev: PriorityTicket? = null

    @JvmField
    var callerNext: PriorityTicket? = null

    override fun toString(): String = (if (isWrite) "write" else "read") + "#" + STATE_NAMES[state]

    internal companion object {
        const val NEW: Int = 0
        const val QUEUED: Int = 1
        const val GRANTED: Int = 2
        const val DONE: Int = 3
        const val CANCELLED: Int = 4
        private val STATE_NAMES = arrayOf("new", "queued", "granted", "done", "cancelled")
    }
}

/**
 * A FIFO of [PriorityTicket]s with O(1) append, O(1) removal of any ticket and O(1) head and
 * tail. Not thread-safe: used only under the admission's lock. A ticket not in a queue has
 * `prev == next == null`.
 */
internal class TicketQueue {
    @JvmField
    var head: PriorityTicket? = null

    @JvmField
    var tail: PriorityTicket? = null

    @JvmField
    var size: Int = 0

    fun append(ticket: PriorityTicket) {
        ticket.next = null
        ticket.prev = tail
        val last = tail
        if (last == null) head = ticket else last.next = ticket
        tail = ticket
        size++
    }

    fun remove(ticket: PriorityTicket) {
        val before = ticket.prev
        val after = ticket.next
        if (before == null) head = after else before.next = after
        if (after == null) tail = before else after.prev = before
        ticket.prev = null
        ticket.next = null
        size--
    }
}
