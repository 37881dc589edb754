package io.rwlocker.coroutines

import io.rwlocker.Policy
import io.rwlocker.RWLock

/**
 * What a [ReadWriteMutex] looks like at one moment, for monitoring: who holds it and who waits,
 * coroutines beside the threads of the same [RWLock] (see [RWLock.asReadWriteMutex]).
 *
 * ```
 * val mutex = ReadWriteMutex(name = "sessions")
 * val s = mutex.snapshot()
 * log.info("${s.name}: ${s.coroutineReadHolds} coroutine reads, ${s.queuedCoroutines} coroutines waiting")
 * ```
 *
 * Counts are **holds**, not owners: a coroutine inside two nested [read] scopes counts 2 (raw
 * [ReadWriteMutex.lockRead] calls have no owner to count by). Waiting counts are requests queued
 * to acquire the mutex (condition waiters excluded, as in the JDK); a condition waiter that was
 * signalled and waits to re-acquire counts as queued.
 *
 * A monitoring snapshot, like the JDK's lock introspection: the queue counts are taken together
 * (under the mutex's queue lock), the hold counts each at a slightly different instant, and all of
 * it may change at once. Not for synchronization control.
 */
public class ReadWriteMutexSnapshot internal constructor(
    /** The mutex's name (see [ReadWriteMutex.name]). */
    public val name: String,
    /** The admission policy. */
    public val policy: Policy,
    /** Read holds of coroutines: read scopes (nested ones included), raw read holds, downgrades. */
    public val coroutineReadHolds: Int,
    /** Read holds of threads of the same [RWLock] (nested holds included). */
    public val threadReadHolds: Int,
    /** Write holds of the coroutine that holds the write lock (more than 1 when nested); 0 if none does. */
    public val coroutineWriteHolds: Int,
    /** The thread that holds the write lock, or null (none does, or a coroutine does). */
    public val writeOwnerThread: Thread?,
    /** Coroutines waiting to acquire (read or write). */
    public val queuedCoroutines: Int,
    /** Threads waiting to acquire (read or write), through the same [RWLock]. */
    public val queuedThreads: Int,
) {
    /** Whether anyone (coroutine or thread) held the write lock. */
    public val isWriteLocked: Boolean get() = coroutineWriteHolds > 0 || writeOwnerThread != null

    /** E.g. `sessions: WRITER_PREFERRING, coroutine reads = 2, thread reads = 0, write = none, queued: 3 coroutines, 1 thread`. */
    override fun toString(): String {
        val write = when {
            coroutineWriteHolds > 0 -> "a coroutine ($coroutineWriteHolds)"
            writeOwnerThread != null -> "thread ${writeOwnerThread.name}"
            else -> "none"
        }
        return "$name: $policy, coroutine reads = $coroutineReadHolds, thread reads = $threadReadHolds, " +
            "write = $write, queued: $queuedCoroutines coroutines, $queuedThreads threads"
    }
}

/**
 * A monitoring snapshot of this mutex: read and write holds and queued requests of coroutines
 * and of threads (see [ReadWriteMutexSnapshot]). Takes the queue lock briefly; allocates.
 * For a mutex made by [ReadWriteMutex] or [RWLock.asReadWriteMutex]; any other implementation of
 * the interface throws [UnsupportedOperationException].
 */
public fun ReadWriteMutex.snapshot(): ReadWriteMutexSnapshot = scopedFace().snapshot()

/**
 * This mutex's name: the `name` given to [ReadWriteMutex] (or to the [RWLock] it is a face of,
 * see [RWLock.name]), else its policy and an identity hash. It shows in `toString()` and in the
 * JDK Flight Recorder events (`io.rwlocker.ContendedAcquire`, `io.rwlocker.LongHold`). For another
 * implementation of the interface it is its `toString()`.
 */
public val ReadWriteMutex.name: String
    get() = (this as? EngineMutex)?.name ?: toString()
