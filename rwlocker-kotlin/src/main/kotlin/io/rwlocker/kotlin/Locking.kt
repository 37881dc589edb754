@file:JvmName("Locking")

package io.rwlocker.kotlin

import io.rwlocker.RWLock
import kotlin.contracts.ExperimentalContracts
import kotlin.contracts.InvocationKind
import kotlin.contracts.contract

/*
 * Implementation notes
 *
 * Scope functions for the blocking face, the twins of kotlin.concurrent's
 * ReentrantReadWriteLock.read/write: inline, so the action may return from the enclosing
 * function and the uncontended path is the lock's own (no lambda object, no allocation). No state
 * of their own: the hold is taken by ReadLock.lock()/WriteLock.lock() before the try, so an
 * exception from lock() (misuse: an upgrade, a non-reentrant re-entry) releases nothing, and
 * released in finally, so every exit of the action (value, exception, non-local return)
 * releases exactly the hold taken. Linearization points: those of lock() and unlock().
 */

/**
 * Runs [action] holding a read hold of this lock and returns its result; the hold is released
 * however the action ends (value, exception or a `return` from the enclosing function).
 *
 * ```
 * import io.rwlocker.kotlin.read      // was: import kotlin.concurrent.read
 *
 * val lock = RWLock.writerPreferring()
 * val value = lock.read { table[key] }
 * ```
 *
 * The same rules as `lock.read().lock()`: many threads read at once; a thread that already reads
 * may read again even while writers wait; waiting ignores interrupts. Inside [write] of the same
 * thread it needs a reentrant writer (`RWLock.builder().reentrantWriter(true)`), else
 * [IllegalStateException] at once, with nothing taken.
 */
@OptIn(ExperimentalContracts::class)
public inline fun <T> RWLock.read(action: () -> T): T {
    contract { callsInPlace(action, InvocationKind.EXACTLY_ONCE) }
    val side = readLock()
    side.lock()
    try {
        return action()
    } finally {
        side.unlock()
    }
}

/**
 * Runs [action] holding the write lock of this lock and returns its result; the lock is released
 * however the action ends (value, exception or a `return` from the enclosing function).
 *
 * ```
 * import io.rwlocker.kotlin.write     // was: import kotlin.concurrent.write
 *
 * lock.write { table[key] = value }
 * ```
 *
 * The same rules as `lock.write().lock()`: exclusive; writers are served in arrival order;
 * waiting ignores interrupts. A nested [write] of the same thread re-enters with a reentrant
 * writer, else throws [IllegalStateException] at once.
 *
 * **Unlike `kotlin.concurrent`'s `write`** on a `ReentrantReadWriteLock`, which silently releases
 * the thread's read holds first (so another writer may get in between, and the read holds come
 * back after), a [write] inside [read] of the same thread is an upgrade and throws
 * [IllegalStateException] at once, with the read holds kept: release the read first, or write
 * first and [downgrade][io.rwlocker.WriteLock.downgrade].
 */
@OptIn(ExperimentalContracts::class)
public inline fun <T> RWLock.write(action: () -> T): T {
    contract { callsInPlace(action, InvocationKind.EXACTLY_ONCE) }
    val side = writeLock()
    side.lock()
    try {
        return action()
    } finally {
        side.unlock()
    }
}
