package io.rwlocker.coroutines

import kotlin.coroutines.AbstractCoroutineContextElement
import kotlin.coroutines.CoroutineContext
import kotlin.coroutines.intrinsics.startCoroutineUninterceptedOrReturn
import kotlin.coroutines.intrinsics.suspendCoroutineUninterceptedOrReturn
import kotlinx.coroutines.ThreadContextElement

/*
 * Implementation notes
 *
 * Marks the coroutines of one PriorityDispatcher's scope tasks (and, by inheritance, their
 * children), so that calls that would wait for the calling task itself fail fast instead of
 * deadlocking:
 *  - the suspending write { } / read { } look for the element in their coroutine context;
 *  - the blocking close() has no context: the element is also a ThreadContextElement that keeps
 *    a thread-local pointing at it while the task's coroutine runs on a thread (set on every
 *    resume, restored on every suspension), so close() asks the thread.
 * In-caller blocks (write { } / read { } run in the caller's coroutine) do not carry the element
 * (adding it would take a withContext per call; PriorityDispatcher's notes say why not and how
 * their nested calls are found); runMarked sets the same thread-local around a block's start.
 * One marker per dispatcher and kind (write, read), made once: a task allocates nothing for it.
 */

/** The context element of a [PriorityDispatcher]'s write or read task. */
internal class PriorityTaskMarker(
    @JvmField val dispatcher: PriorityDispatcher,
    @JvmField val isWrite: Boolean,
) : AbstractCoroutineContextElement(Key), ThreadContextElement<PriorityTaskMarker?> {

    /** "write" or "read", for messages. */
    val kind: String get() = if (isWrite) "write" else "read"

    override fun updateThreadContext(context: CoroutineContext): PriorityTaskMarker? {
        val previous = CURRENT.get()
        CURRENT.set(this)
        return previous
    }

    override fun restoreThreadContext(context: CoroutineContext, oldState: PriorityTaskMarker?) {
        CURRENT.set(oldState)
    }

    override fun toString(): String = "PriorityTask($kind)"

    /** The key of the element. */
    internal companion object Key : CoroutineContext.Key<PriorityTaskMarker> {
        private val CURRENT = ThreadLocal<PriorityTaskMarker?>()

        /** The marker of the task running on the current thread, or null. */
        fun onThisThread(): PriorityTaskMarker? = CURRENT.get()

        /**
         * Runs [block] as a direct call would, with the thread-local set to [marker] from the
         * block's start until it first suspends or ends (then restored): the block's own
         * continuation is the caller's, as for any suspend call.
         */
        suspend fun <T> runMarked(marker: PriorityTaskMarker, block: suspend () -> T): T =
            suspendCoroutineUninterceptedOrReturn { caller ->
                val previous = CURRENT.get()
                CURRENT.set(marker)
                try {
                    block.startCoroutineUninterceptedOrReturn(caller)
                } finally {
                    CURRENT.set(previous)
                }
            }
    }
}
