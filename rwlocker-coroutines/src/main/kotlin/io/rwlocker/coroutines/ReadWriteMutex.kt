package io.rwlocker.coroutines

import io.rwlocker.Policy
import io.rwlocker.RWLock
import io.rwlocker.internal.EngineAccess

/**
 * A suspending read-write mutex: many readers or one writer, admitted by a [Policy]
 * (see the policy table on [Policy]). Waiting suspends the coroutine, never blocks a thread.
 *
 * ```
 * val mutex = ReadWriteMutex(Policy.WRITER_PREFERRING)
 * val value = mutex.read { cache[key] }          // many coroutines at once
 * mutex.write { cache[key] = load(key) }           // one coroutine, no reader
 * ```
 *
 * **Scopes and ownership.** Prefer the [read] and [write] scope functions: they always release
 * what they took, and they know their owner (the calling coroutine's [kotlinx.coroutines.Job]):
 * a coroutine already reading may read again even while writers wait; a nested [write] in the
 * same coroutine re-enters if the mutex has a reentrant writer and otherwise fails fast with
 * [IllegalStateException], as does a [write] inside a [read] (an upgrade would deadlock).
 * Children of a coroutine are other owners.
 *
 * **Raw calls** ([lockRead], [unlockRead], [lockWrite], [unlockWrite], [downgrade]) are
 * owner-less, like kotlinx.coroutines' `Mutex` without an owner: any coroutine may release a
 * hold taken by a raw call, but an unlock without a matching raw hold throws
 * [IllegalStateException] and leaves the state untouched.
 *
 * **Cancellation.** Waiting is cancellable with the *prompt cancellation guarantee*: a coroutine
 * cancelled while waiting throws [kotlinx.coroutines.CancellationException] and does not hold the
 * mutex, even if the mutex was handed to it at that instant (it is then passed on at once). A
 * cancelled waiter leaves no queued node, and whoever it was blocking is admitted at once.
 *
 * **Fairness.** Writers are served in arrival order; [Policy.FAIR] never lets a newcomer overtake
 * a queued waiter, not even [tryLockRead]/[tryLockWrite].
 *
 * A mutex made by [RWLock.asReadWriteMutex] shares its state with that [RWLock]: threads and
 * coroutines exclude each other.
 *
 * **Monitoring.** A mutex has a [name] (`ReadWriteMutex(name = "sessions")`), shown in `toString()`
 * and in JDK Flight Recorder events; [snapshot] tells how many coroutines and threads hold it and
 * wait for it.
 */
public interface ReadWriteMutex {
    /** The admission policy. */
    public val policy: Policy

    /**
     * Whether anyone (a coroutine or a thread of the same [RWLock]) holds the write lock. A
     * snapshot for monitoring, not for control (as the JDK's `isWriteLocked`): it may already be
     * true while the acquiring call has not yet returned.
     */
    public val isWriteLocked: Boolean

    /** Read holds of all owners (coroutines and threads). */
    public val readHolds: Int

    /** Acquires a read hold, suspending while the policy keeps readers out. Owner-less. */
    public suspend fun lockRead()

    /** Takes a read hold if the policy admits a reader now, without suspending. Owner-less. */
    public fun tryLockRead(): Boolean

    /** Releases a read hold taken by [lockRead]/[tryLockRead]/[downgrade]; else [IllegalStateException]. */
    public fun unlockRead()

    /** Acquires the write lock, suspending until admitted. Owner-less and not reentrant. */
    public suspend fun lockWrite()

    /** Takes the write lock if it is free and nobody is queued, without suspending. Owner-less. */
    public fun tryLockWrite(): Boolean

    /** Releases the write lock taken by [lockWrite]/[tryLockWrite]; else [IllegalStateException]. */
    public fun unlockWrite()

    /**
     * Atomically turns the write lock taken by [lockWrite]/[tryLockWrite] into a read hold
     * (release it with [unlockRead]); waiting readers are admitted as the policy allows.
     * Without such a write hold: [IllegalStateException].
     */
    public fun downgrade()

    /** A new condition of this mutex, to be awaited inside [read] or [write] scopes. */
    public fun newCondition(): SuspendCondition
}

/**
 * A new suspending read-write mutex with the given [policy]; with [reentrantWriter] a nested
 * [write] (or [read]) inside a [write] scope of the same coroutine re-enters. Its [name] is made
 * of the policy and an identity hash; the overload with a `name` parameter names it.
 */
public fun ReadWriteMutex(
    policy: Policy = Policy.WRITER_PREFERRING,
    reentrantWriter: Boolean = false,
): ReadWriteMutex = RWLock.builder().policy(policy).reentrantWriter(reentrantWriter).build().asReadWriteMutex()

/**
 * A new suspending read-write mutex named [name], as `ReadWriteMutex(policy, reentrantWriter)`
 * otherwise. The name shows in `toString()`, in [snapshot] and in the JDK Flight Recorder events
 * of the mutex (`io.rwlocker.ContendedAcquire` for a coroutine that waited, with its outcome):
 *
 * ```
 * val sessions = ReadWriteMutex(Policy.FAIR, name = "sessions")
 * ```
 *
 * Throws [IllegalArgumentException] if [name] is empty.
 */
public fun ReadWriteMutex(
    policy: Policy = Policy.WRITER_PREFERRING,
    reentrantWriter: Boolean = false,
    name: String,
): ReadWriteMutex =
    RWLock.builder().policy(policy).reentrantWriter(reentrantWriter).name(name).build().asReadWriteMutex()

/**
 * The suspending face of this lock: the same state, so a thread holding `write()` keeps
 * coroutines out and a coroutine holding the write lock keeps threads out. Every call returns
 * the same object.
 */
public fun RWLock.asReadWriteMutex(): ReadWriteMutex =
    EngineAccess.engineOf(this).attachment { engine -> EngineMutex(engine, this) } as ReadWriteMutex
