package io.rwlocker.coroutines

import kotlin.contracts.ExperimentalContracts
import kotlin.contracts.InvocationKind
import kotlin.contracts.contract
import kotlinx.coroutines.Job
import kotlinx.coroutines.currentCoroutineContext

/**
 * The receiver of a [write] block.
 */
public interface WriteScope {
    /**
     * Atomically turns this scope's write hold into a read hold: no writer can enter in
     * between. The rest of the block runs as a reader and the scope releases the read hold.
     * Throws [IllegalStateException] if the scope holds the write lock more than once (a nested
     * reentrant write is active) or was already downgraded.
     */
    public fun downgrade()
}

/**
 * Runs [block] holding a read hold of this mutex and returns its result; the hold is released
 * however the block ends. A coroutine that already reads this mutex (in an enclosing [read] or
 * downgraded [write]) takes another hold at once, even while writers wait. Inside a [write]
 * scope of the same coroutine this needs a reentrant writer, else [IllegalStateException].
 * Cancellable while waiting (prompt cancellation guarantee, see [ReadWriteMutex]).
 */
@OptIn(ExperimentalContracts::class)
public suspend inline fun <T> ReadWriteMutex.read(block: suspend () -> T): T {
    contract { callsInPlace(block, InvocationKind.EXACTLY_ONCE) }
    val mutex = scopedFace()
    val job = scopeOwner(currentCoroutineContext()[Job])
    if (!mutex.tryEnterRead(job)) {
        mutex.awaitScopeRead(job) // a tail call down to the wait: no continuation frame of its own
        mutex.recordScopeRead(job)
    }
    try {
        return block()
    } finally {
        mutex.exitRead(job)
    }
}

/**
 * Runs [block] holding the write lock of this mutex and returns its result; the lock (or the
 * read hold left by [WriteScope.downgrade]) is released however the block ends. A nested
 * [write] in the same coroutine re-enters with a reentrant writer, else throws
 * [IllegalStateException]; so does a [write] inside a [read] of the same coroutine (upgrade).
 * Cancellable while waiting (prompt cancellation guarantee, see [ReadWriteMutex]).
 */
@OptIn(ExperimentalContracts::class)
public suspend inline fun <T> ReadWriteMutex.write(block: suspend WriteScope.() -> T): T {
    contract { callsInPlace(block, InvocationKind.EXACTLY_ONCE) }
    val mutex = scopedFace()
    // Built here, not in the mutex: when the block does not suspend, the scope does not escape
    // and the JIT can scalar-replace it (uncontended write { } allocates nothing).
    val job = scopeOwner(currentCoroutineContext()[Job])
    val owner = mutex.tryEnterWrite(job) ?: mutex.enterWriteSlow(job)
    val scope = EngineMutex.WriteScopeImpl(mutex, owner)
    try {
        return scope.block()
    } finally {
        mutex.exitWrite(scope)
    }
}

@PublishedApi
internal fun ReadWriteMutex.scopedFace(): EngineMutex =
    this as? EngineMutex
        ?: throw UnsupportedOperationException("read { } and write { } need a mutex made by ReadWriteMutex() or asReadWriteMutex()")
