package io.rwlocker.coroutines

import io.rwlocker.internal.LockEngine
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.atomic.AtomicInteger
import java.util.concurrent.atomic.AtomicReference
import kotlinx.coroutines.Job
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.selects.SelectClause2
import kotlinx.coroutines.sync.Mutex

/*
 * Implementation notes
 *
 * Two kotlinx.coroutines `Mutex` views of one EngineMutex: `readMutex` takes and releases read
 * holds, `writeMutex` the write lock, in the same engine as every other face (threads, scopes,
 * raw calls). No state machine of their own: the engine's fast paths (tryReadFast/tryWriteFast)
 * and EngineMutex.acquire (a CoroutineWaiter, prompt cancellation) do the locking; a view only
 * adds who holds what through it, as the raw calls do:
 *
 *  - writeMutex: the engine's write owner of a view hold is always the view's `token` (never the
 *    caller's owner object, which could otherwise be mistaken for a Thread or a scope's Job by the
 *    other faces). `holder` is the caller's owner (or NO_OWNER): set after the engine granted the
 *    write lock, cleared by CAS in unlock before the engine release, so two racing unlocks cannot
 *    both release, and a hold handed to a waiter is not released by an unlock made before the
 *    waiter resumed (it throws instead).
 *  - readMutex: read holds are counts. `anonymous` counts holds taken without an owner (unlock()
 *    needs one, decremented by CAS); `owners` is the identity set of owner objects holding one
 *    hold each (lock(owner) twice with the same owner throws, as kotlinx's Mutex does).
 *
 * Ownership checks happen before waiting (lock(owner) while owner holds: IllegalStateException)
 * and again when recording (a racing lock with the same owner that won first: the hold just
 * taken is released and IllegalStateException thrown). On the slow path only, the calling
 * coroutine's scopes are consulted (as read { } / write { } do): a coroutine reading in read { }
 * takes another read hold at once even while writers wait (recursion), readMutex inside
 * write { } needs a reentrant writer, and writeMutex inside its own read { } or write { } throws
 * instead of waiting for itself.
 *
 * Fast acquisitions announce themselves (`pending`) before the engine's CAS and withdraw after
 * recording: an unlock that finds nothing recorded while one is pending waits for it (spins, then
 * yields) instead of failing, as kotlinx's Mutex.unlock waits for its owner to be set; see
 * RawHolds for why (a hold learned of by inference between the CAS and the record) and for the
 * one window left (a suspended lock recorded only when it resumes).
 *
 * Linearization points: those of the engine (the CAS that takes or releases the hold).
 */

/**
 * The read side of this mutex as a kotlinx.coroutines [Mutex], for code written against `Mutex`
 * (and [kotlinx.coroutines.sync.withLock]):
 *
 * ```
 * suspend fun render(guard: Mutex) = guard.withLock { page.render() }   // code that takes a Mutex
 *
 * val mutex = ReadWriteMutex()
 * render(mutex.readMutex)      // many coroutines at once
 * mutex.writeMutex.withLock { page.edit() }
 * ```
 *
 * Every [lock][Mutex.lock] takes one read hold of this mutex, shared with other readers, under
 * the mutex's policy; [unlock][Mutex.unlock] releases one. Threads, scopes and raw calls of the
 * same lock see these holds (they count in [ReadWriteMutex.readHolds]).
 *
 * * **Owners.** `lock(owner)` / `tryLock(owner)` with an owner that already holds a read hold
 *   through this view throws [IllegalStateException], as kotlinx's `Mutex` does; `unlock(owner)`
 *   releases the hold of that owner, else [IllegalStateException]. Without an owner, holds are
 *   counted: `unlock()` releases one taken by `lock()`/`tryLock()` without an owner, else
 *   [IllegalStateException]. [holdsLock][Mutex.holdsLock]`(owner)` is true while `owner` holds a
 *   read hold taken through this view.
 * * **[isLocked][Mutex.isLocked]** is true while anyone holds a read hold (any face), not
 *   "`lock()` would suspend".
 * * **Cancellation** while waiting has the prompt cancellation guarantee of [ReadWriteMutex]: the
 *   coroutine holds nothing and leaves nothing queued. [tryLock][Mutex.tryLock] never waits: it
 *   takes a hold only if the policy admits a new reader now.
 * * **Scopes.** Inside a [read] scope of the same coroutine, `lock()` takes another hold at once
 *   even while writers wait; inside a [write] scope it needs a reentrant writer, else
 *   [IllegalStateException] (it would wait for itself). Holds taken through the view are not
 *   reentrant otherwise: like `Mutex`, lock twice only with different owners or none.
 * * **`onLock` / `select`** is not supported: [Mutex.onLock] throws
 *   [UnsupportedOperationException] (kotlinx.coroutines deprecated it without replacement).
 *
 * Every call returns the same view. Only for mutexes made by [ReadWriteMutex] or
 * [asReadWriteMutex], else [UnsupportedOperationException].
 */
public val ReadWriteMutex.readMutex: Mutex
    get() = scopedFace().views.read

/**
 * The write side of this mutex as a kotlinx.coroutines [Mutex], for code written against `Mutex`
 * (and [kotlinx.coroutines.sync.withLock]):
 *
 * ```
 * val mutex = ReadWriteMutex()
 * mutex.writeMutex.withLock { cache.clear() }     // exclusive: no reader, no other writer
 * ```
 *
 * [lock][Mutex.lock] takes the write lock of this mutex under its policy (writers in arrival
 * order); [unlock][Mutex.unlock] releases it. It excludes readers and writers of every face of
 * the same lock (threads, scopes, raw calls, [readMutex]).
 *
 * * **Owners**, as kotlinx's `Mutex`: `lock(owner)` / `tryLock(owner)` while `owner` holds this
 *   view throws [IllegalStateException]; `unlock(owner)` must name the owner that locked it (and
 *   `unlock()` needs a `lock()` without an owner), else [IllegalStateException], the lock state
 *   untouched. [holdsLock][Mutex.holdsLock]`(owner)` is true while `owner` holds the write lock
 *   through this view. Not reentrant: `lock()` twice without an owner waits, like `Mutex`.
 * * **[isLocked][Mutex.isLocked]** is true while anyone (any face) holds the write lock.
 * * **Cancellation** while waiting has the prompt cancellation guarantee of [ReadWriteMutex]: the
 *   coroutine holds nothing and leaves nothing queued, even if the lock was handed to it at that
 *   instant (it is passed on at once). [tryLock][Mutex.tryLock] never waits.
 * * **Scopes.** Inside a [read] or [write] scope of the same coroutine, `lock()` throws
 *   [IllegalStateException] instead of waiting for itself forever (an upgrade, or a re-entry that
 *   a `Mutex` does not have).
 * * **`onLock` / `select`** is not supported: [Mutex.onLock] throws
 *   [UnsupportedOperationException] (kotlinx.coroutines deprecated it without replacement).
 *
 * Every call returns the same view. Only for mutexes made by [ReadWriteMutex] or
 * [asReadWriteMutex], else [UnsupportedOperationException].
 */
public val ReadWriteMutex.writeMutex: Mutex
    get() = scopedFace().views.write

/** The two views of one [EngineMutex]. */
internal class MutexViews(face: EngineMutex, engine: LockEngine) {
    val read: Mutex = ReadMutexView(face, engine)
    val write: Mutex = WriteMutexView(face, engine)
}

private const val NO_SELECT =
    "does not support select { onLock }: kotlinx.coroutines deprecated Mutex.onLock without replacement; " +
        "call lock() inside the select branch instead"

/** Identity key for owner objects (kotlinx compares owners by identity). */
private class Identity(val ref: Any) {
    override fun equals(other: Any?): Boolean = other is Identity && other.ref === ref
    override fun hashCode(): Int = System.identityHashCode(ref)
}

/** [readMutex]: read holds of the engine. */
private class ReadMutexView(private val face: EngineMutex, private val engine: LockEngine) : Mutex {
    private val anonymous = AtomicInteger()
    private val owners: MutableSet<Identity> = ConcurrentHashMap.newKeySet()
    /** Fast acquisitions between the engine's CAS and their record: a racing unlock waits for them. */
    private val pending = AtomicInteger()

    override val isLocked: Boolean get() = engine.readHolds() > 0

    override fun holdsLock(owner: Any): Boolean = !owners.isEmpty() && owners.contains(Identity(owner))

    override fun tryLock(owner: Any?): Boolean {
        checkNotHolding(owner)
        return tryFast(owner)
    }

    override suspend fun lock(owner: Any?) {
        checkNotHolding(owner)
        if (tryFast(owner)) return
        return lockSlow(owner)
    }

    private fun tryFast(owner: Any?): Boolean {
        pending.incrementAndGet()
        try {
            if (!engine.tryReadFast()) return false
            record(owner)
            return true
        } finally {
            pending.decrementAndGet()
        }
    }

    private suspend fun lockSlow(owner: Any?) {
        val job = scopeOwner(currentCoroutineContext()[Job])
        if (job != null && engine.writeOwner() === job) {
            check(engine.isReentrantWriter) { "readMutex.lock() inside write { } of the same coroutine needs a reentrant writer" }
            engine.addReadHolds(1)
        } else if (job != null && face.scopeReadHolds(job) > 0) {
            engine.addReadHolds(1) // recursion: the coroutine already reads in a read { } scope
        } else {
            face.acquire(this, 0, 1)
        }
        record(owner)
    }

    private fun checkNotHolding(owner: Any?) {
        if (owner != null) check(!holdsLock(owner)) { "This mutex is already locked by the specified owner: $owner" }
    }

    /** Books the read hold just taken under [owner]; releases it if a racing lock(owner) won. */
    private fun record(owner: Any?) {
        if (owner == null) {
            anonymous.incrementAndGet()
        } else if (!owners.add(Identity(owner))) {
            engine.releaseReads(1)
            throw IllegalStateException("This mutex is already locked by the specified owner: $owner")
        }
    }

    override fun unlock(owner: Any?) {
        var spins = 0
        while (!takeRecord(owner)) {
            if (pending.get() > 0) {
                awaitPendingHold(spins++)
                continue
            }
            // Nothing pending: a record made before the last fast lock withdrew is visible now.
            if (takeRecord(owner)) break
            throw IllegalStateException(
                if (owner == null) {
                    "readMutex.unlock() without a read hold taken by readMutex.lock()/tryLock() without an owner"
                } else {
                    "readMutex.unlock($owner): that owner holds no read hold of this view"
                },
            )
        }
        engine.releaseReads(1)
    }

    /** Removes one recorded read hold of [owner] (anonymous if null); false if there is none. */
    private fun takeRecord(owner: Any?): Boolean {
        if (owner != null) return owners.remove(Identity(owner))
        while (true) {
            val n = anonymous.get()
            if (n == 0) return false
            if (anonymous.compareAndSet(n, n - 1)) return true
        }
    }

    @Deprecated("Mutex.onLock is deprecated in kotlinx.coroutines and not supported by this view", level = DeprecationLevel.WARNING)
    override val onLock: SelectClause2<Any?, Mutex>
        get() = throw UnsupportedOperationException("readMutex $NO_SELECT")

    override fun toString(): String = "ReadWriteMutex.readMutex[read holds = ${engine.readHolds()}]"
}

/** [writeMutex]: the engine's write lock, owned by the view's token. */
private class WriteMutexView(private val face: EngineMutex, private val engine: LockEngine) : Mutex {
    /** The engine's write owner of every hold taken through this view. */
    private val token = Any()
    /** Who holds the write lock through this view: the caller's owner, NO_OWNER, or null. */
    private val holder = AtomicReference<Any?>()
    /** Fast acquisitions between the engine's CAS and setting [holder]: a racing unlock waits for them. */
    private val pending = AtomicInteger()

    override val isLocked: Boolean get() = engine.isWriteLocked

    override fun holdsLock(owner: Any): Boolean = holder.get() === owner

    override fun tryLock(owner: Any?): Boolean {
        checkNotHolding(owner)
        return tryFast(owner)
    }

    override suspend fun lock(owner: Any?) {
        checkNotHolding(owner)
        if (tryFast(owner)) return
        return lockSlow(owner)
    }

    private fun tryFast(owner: Any?): Boolean {
        pending.incrementAndGet()
        try {
            if (!engine.tryWriteFast(token)) return false
            holder.set(owner ?: NO_OWNER)
            return true
        } finally {
            pending.decrementAndGet()
        }
    }

    private suspend fun lockSlow(owner: Any?) {
        val job = scopeOwner(currentCoroutineContext()[Job])
        if (job != null) {
            check(engine.writeOwner() !== job) { "writeMutex.lock() inside write { } of the same coroutine would wait for itself" }
            check(face.scopeReadHolds(job) == 0) { "writeMutex.lock() inside read { } of the same coroutine: upgrading would deadlock" }
        }
        face.acquire(token, 1, 0)
        holder.set(owner ?: NO_OWNER)
    }

    private fun checkNotHolding(owner: Any?) {
        if (owner != null) check(holder.get() !== owner) { "This mutex is already locked by the specified owner: $owner" }
    }

    override fun unlock(owner: Any?) {
        val expected = owner ?: NO_OWNER
        var spins = 0
        while (!holder.compareAndSet(expected, null)) {
            if (pending.get() > 0) {
                awaitPendingHold(spins++) // a fast lock may hold the engine's write lock and be about to set holder
                continue
            }
            // Nothing pending: a holder set before the last fast lock withdrew is visible now.
            if (holder.compareAndSet(expected, null)) break
            val current = holder.get()
            throw IllegalStateException(
                when {
                    current == null -> "writeMutex.unlock(): the write lock is not held through this view"
                    current === NO_OWNER -> "writeMutex is locked without an owner, but $owner is expected"
                    else -> "writeMutex is locked by $current, but ${owner ?: "no owner"} is expected"
                },
            )
        }
        engine.releaseWrite()
    }

    @Deprecated("Mutex.onLock is deprecated in kotlinx.coroutines and not supported by this view", level = DeprecationLevel.WARNING)
    override val onLock: SelectClause2<Any?, Mutex>
        get() = throw UnsupportedOperationException("writeMutex $NO_SELECT")

    override fun toString(): String =
        "ReadWriteMutex.writeMutex[" + when (val h = holder.get()) {
            null -> if (engine.isWriteLocked) "write locked by another face" else "unlocked"
            NO_OWNER -> "locked"
            else -> "locked by $h"
        } + "]"

    private companion object {
        val NO_OWNER = Any()
    }
}
