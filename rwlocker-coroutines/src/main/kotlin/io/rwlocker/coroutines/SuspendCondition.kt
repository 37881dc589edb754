package io.rwlocker.coroutines

/**
 * A condition variable of a [ReadWriteMutex], awaited inside a [read] or [write] scope of it.
 *
 * ```
 * val mutex = ReadWriteMutex()
 * val ready = mutex.newCondition()
 * mutex.read { ready.waitFor { cache.isFresh() }; cache[key] }   // waits as a reader
 * mutex.write { cache.reload(); ready.signalAll() }
 * ```
 *
 * [await] releases every hold the calling scope's coroutine has of the mutex, suspends until
 * signalled, and takes exactly those holds back (through the mutex's policy) before it returns,
 * also when it is cancelled: then it re-acquires first and rethrows the
 * [kotlinx.coroutines.CancellationException] after, so the enclosing scope releases what it took;
 * a signal it had consumed goes to the next waiter. Signals are FIFO.
 */
public interface SuspendCondition {
    /**
     * Suspends until signalled. Must be called inside a [read] or [write] scope of this
     * condition's mutex, else [IllegalStateException].
     */
    public suspend fun await()

    /**
     * Awaits until [predicate] is true, checking it before the first wait and after each wake-up.
     * Like [await], it must be called inside a [read] or [write] scope of this condition's mutex,
     * else [IllegalStateException] (checked before the predicate is evaluated).
     */
    public suspend fun waitFor(predicate: () -> Boolean)

    /**
     * Wakes up to [n] waiters in FIFO order and returns how many: `min(n, waiters)`; `n <= 0`
     * wakes none. [IllegalStateException] if nobody holds the mutex.
     */
    public fun signal(n: Int = 1): Int

    /** Wakes all waiters and returns how many. [IllegalStateException] if nobody holds the mutex. */
    public fun signalAll(): Int
}
