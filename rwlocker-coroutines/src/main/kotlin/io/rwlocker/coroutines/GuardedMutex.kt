package io.rwlocker.coroutines

import io.rwlocker.Guarded
import io.rwlocker.internal.GuardedAccess
import io.rwlocker.internal.GuardedCell

/*
 * Implementation notes
 *
 * The suspending face of a guarded value: a composition over a ReadWriteMutex's read { } and
 * write { } scopes (Scopes.kt), not a synchronizer of its own (no state word, no queue; waiting,
 * cancellation, recursion and upgrade detection are the scopes').
 *
 * State: the value in a GuardedCell (a plain field; see its notes) and the mutex that guards it.
 * A GuardedMutex made by the constructor owns a new cell; one made by Guarded.asGuardedMutex()
 * uses the Guarded's own cell and the Guarded's lock through asReadWriteMutex(), so the blocking
 * and the suspending face read and replace the same field under the same engine. That view is
 * created once per Guarded (GuardedCell.twin) and returned by every later call.
 *
 * Invariants: the cell's value is read only inside a read { } or write { } scope of `mutex`,
 * replaced only inside a write { } scope; every method leaves its scope (releasing its hold) on
 * every exit path, including cancellation.
 *
 * Linearization points: read/write at any point of their scope's hold; update/set at the store
 * into the cell, inside the write scope.
 */

/**
 * A value reachable only while its [ReadWriteMutex] is held, for coroutines: [read] runs a block
 * on it in a read scope (many coroutines at once), [write] in a write scope (to mutate it in
 * place), [update] and [set] replace it in a write scope. There is no getter.
 *
 * ```
 * val state = GuardedMutex(mutableMapOf<String, String>())
 * state.write { it["key"] = "example" }          // exclusive, mutate in place
 * val copy = state.read { it.toMap() }            // a copy may leave the block
 * state.set(mutableMapOf())                       // replace the value itself
 * ```
 *
 * **What a block may do with the value.** A [read] block may look at the value and return
 * anything computed from it; it must not mutate it (other readers run at the same time). No block
 * may keep the value, or a view or iterator backed by it, after it returns: *a reference kept
 * after the block is the caller's bug*. Return a copy (`read { it.toList() }`) or guard an
 * immutable value and change it with [update].
 *
 * **Guarantees**, those of the mutex's `read { }` / `write { }` scopes:
 * * *Cancellation.* A coroutine cancelled while waiting throws
 *   [kotlinx.coroutines.CancellationException], holds nothing and leaves nothing queued (prompt
 *   cancellation, see [ReadWriteMutex]); its block never runs, so [update] and [set] have no
 *   effect. A block that is cancelled or throws releases the hold; the exception propagates
 *   unchanged, and [update] then leaves the old value in place.
 * * *Nested use in the same coroutine* follows the mutex's rules and fails fast instead of
 *   deadlocking: [read] inside [read] enters even while writers wait; [write], [update] or [set]
 *   inside [read] throws [IllegalStateException] (an upgrade); inside [write], every call re-enters
 *   if the mutex has a reentrant writer and throws [IllegalStateException] otherwise. Children
 *   (`launch`, `async`) are other owners and wait.
 * * *Fairness* is the mutex's policy (the default mutex is writer-preferring, not reentrant).
 * * A `null` value is allowed when `T` is nullable. Equality is identity; [toString] shows the
 *   mutex, never the value.
 *
 * **Threads and coroutines on one value.** Start from a blocking [Guarded] and take its
 * [asGuardedMutex]: the same value and the same lock, so threads (`guarded.read { }`) and
 * coroutines (`twin.read { }`) exclude each other exactly. A coroutine must use this twin, not the
 * blocking [Guarded] (whose holds belong to threads).
 *
 * The constructor takes the initial value and the mutex that guards it; the mutex must be made
 * by [ReadWriteMutex] or [asReadWriteMutex] (else [IllegalArgumentException]), and may guard
 * other state too.
 */
public class GuardedMutex<T> internal constructor(
    private val cell: GuardedCell<T>,
    mutex: ReadWriteMutex,
) {
    /** Guards `value` with [mutex] (by default a new writer-preferring, non-reentrant mutex). */
    public constructor(value: T, mutex: ReadWriteMutex = ReadWriteMutex()) : this(GuardedCell(value), mutex)

    /** The mutex that guards the value (the one given to the constructor, if any). */
    public val mutex: ReadWriteMutex = mutex

    init {
        require(mutex is EngineMutex) { "mutex must be made by ReadWriteMutex() or RWLock.asReadWriteMutex()" }
    }

    /**
     * Runs [block] on the value in a read scope of [mutex] and returns its result; other readers
     * may run at the same time, no writer does. Suspends while the policy keeps readers out;
     * cancellable while waiting (then the block does not run). The block must not mutate the value
     * nor keep a reference to it.
     */
    public suspend fun <R> read(block: suspend (T) -> R): R = mutex.read { block(cell.value) }

    /**
     * Runs [block] on the value in a write scope of [mutex] (alone: no reader, no other writer)
     * and returns its result: the way to mutate the value in place. Cancellable while waiting.
     * Inside a [read] of the same coroutine: [IllegalStateException].
     */
    public suspend fun <R> write(block: suspend (T) -> R): R = mutex.write { block(cell.value) }

    /**
     * Replaces the value with [transform]'s result, computed from the current value in a write
     * scope, and returns the new value. If [transform] throws or is cancelled, the value stays as
     * it was. Cancellable while waiting (then nothing changes). The returned reference *is* the
     * guarded value, unprotected once this returns: use it freely only if it is immutable.
     */
    public suspend fun update(transform: suspend (T) -> T): T = mutex.write {
        val next = transform(cell.value)
        cell.value = next
        next
    }

    /** Replaces the value with `value` in a write scope. Cancellable while waiting (then nothing changes). */
    public suspend fun set(value: T): Unit = mutex.write {
        cell.value = value
    }

    /** The identity and the mutex's state, never the value (which may be a secret). */
    override fun toString(): String = "GuardedMutex@${Integer.toHexString(System.identityHashCode(this))}[$mutex]"
}

/**
 * The suspending face of this guarded value: the same value and the same lock (its
 * [Guarded.lock] through [asReadWriteMutex]), so threads using this [Guarded]
 * and coroutines using the returned [GuardedMutex] exclude each other and see each other's
 * changes. Every call returns the same object.
 *
 * ```
 * val names = Guarded.of(mutableListOf<String>())
 * thread { names.write { it.add("from a thread") } }
 * launch { names.asGuardedMutex().write { it.add("from a coroutine") } }
 * ```
 */
public fun <T> Guarded<T>.asGuardedMutex(): GuardedMutex<T> {
    val cell = GuardedAccess.cellOf(this)
    val lock = lock()
    @Suppress("UNCHECKED_CAST")
    return cell.twin { GuardedMutex<T>(cell, lock.asReadWriteMutex()) } as GuardedMutex<T>
}
