package io.rwlocker.coroutines

import io.rwlocker.Policy
import io.rwlocker.RWLock
import io.rwlocker.internal.LockEngine
import io.rwlocker.internal.jfr.LockEvents
import kotlin.coroutines.Continuation
import kotlin.coroutines.jvm.internal.CoroutineStackFrame
import kotlinx.coroutines.AbstractCoroutine
import kotlinx.coroutines.CancellableContinuation
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.InternalCoroutinesApi
import kotlinx.coroutines.Job
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.TimeoutCancellationException
import kotlinx.coroutines.suspendCancellableCoroutine

/*
 * Implementation notes
 *
 * The suspending face of a LockEngine (the same engine as the blocking RWLock: no second state
 * machine). All holds live in the engine's state word; this face only adds who-holds-what:
 *
 *  - raw calls are owner-less: `raw` (RawHolds) counts read holds taken by lockRead/tryLockRead/
 *    downgrade (unlockRead needs one) and records the raw write hold (unlockWrite/downgrade need
 *    it), announcing a fast acquisition before the engine's CAS so that a racing release waits
 *    for it instead of failing; raw writes are owned by the face-wide `rawWriter` token;
 *  - scopes are owned by the calling coroutine's Job (seen through coroutineScope/withContext/
 *    withTimeout, which run their block in a child Job of the same sequential coroutine: see
 *    scopeOwner): the write owner is the Job itself (so a
 *    nested write { } of the same coroutine is recognised), and scope read holds per Job are in
 *    `scopeReads` (read recursion while writers wait; upgrade detection). A coroutine without a
 *    Job (a bare startCoroutine) gets a fresh token per scope: no recursion detection.
 *
 * Fast paths (no suspension, no allocation): the engine's tryReadFast/tryWriteFast CAS, in plain
 * (non-suspending) functions; the waiting paths are separate suspend functions called only when
 * the fast path fails, so an uncontended call allocates no continuation. The slow path suspends
 * on a CoroutineWaiter node; see CoroutineWaiter for the grant/cancel protocol. The scopes' waits
 * (enterWriteSlow, awaitScopeRead -> acquire -> awaitGrant) are tail calls all the way down to
 * suspendCancellableCoroutine, so none of them has a state machine: the continuation that
 * suspends is the scope caller's own frame, intercepted once by kotlinx and kept, so a coroutine
 * that waits again and again allocates no frame and no DispatchedContinuation per wait
 * (FastPathSpec counts the interceptions). Code that must run after a wait stays with the caller
 * (read { } calls recordScopeRead) or on the JFR path (awaitRecorded).
 * Upgrade and re-entry checks are made only when the fast path fails: a coroutine holding a read
 * can never pass the write fast path (the read count is not 0), nor a writer the read fast path.
 *
 * JFR: a lock request that queues (acquire(), the slow path only) is an io.rwlocker.ContendedAcquire
 * event with waiter "coroutine", ended as acquired, cancelled, or timed out when the cancellation
 * is withTimeout's. Write holds are timed for io.rwlocker.LongHold by the engine (whoever owns
 * them); coroutine read holds are not (no per-owner record to keep the start in).
 *
 * Linearization points: those of the engine (the CAS that takes or releases the holds).
 */

/** The [ReadWriteMutex] over a [LockEngine]. */
@PublishedApi
internal class EngineMutex(
    private val engine: LockEngine,
    private val lock: RWLock,
) : ReadWriteMutex {
    private val rawWriter = Any()
    /** The raw calls' holds: what unlockRead/unlockWrite/downgrade may release (see RawHolds). */
    private val raw = RawHolds()
    private val scopeReads = ScopeReads()

    /** The kotlinx `Mutex` views [readMutex] and [writeMutex] (MutexViews.kt), made on first use. */
    internal val views: MutexViews by lazy(LazyThreadSafetyMode.PUBLICATION) { MutexViews(this, engine) }

    override val policy: Policy get() = engine.policy()
    override val isWriteLocked: Boolean get() = engine.isWriteLocked
    override val readHolds: Int get() = engine.readHolds()

    /** The engine's (the lock's) name. */
    val name: String get() = engine.name()

    /** A monitoring snapshot of holds and waiters by face; see [ReadWriteMutexSnapshot]. */
    fun snapshot(): ReadWriteMutexSnapshot {
        val queued = engine.queuedByFace()
        val reads = engine.readHoldsByFace()
        val owner = engine.writeOwner()
        return ReadWriteMutexSnapshot(
            name = engine.name(),
            policy = engine.policy(),
            coroutineReadHolds = reads[1],
            threadReadHolds = reads[0],
            coroutineWriteHolds = if (owner == null || owner is Thread) 0 else engine.writeHoldsOf(owner),
            writeOwnerThread = owner as? Thread,
            queuedCoroutines = queued[1],
            queuedThreads = queued[0],
        )
    }

    // ------------------------------------------------------------------ raw, owner-less calls

    override suspend fun lockRead() {
        if (tryLockRead()) return
        return lockReadSlow()
    }

    private suspend fun lockReadSlow() {
        acquire(rawWriter, 0, 1)
        raw.addRead()
    }

    override fun tryLockRead(): Boolean {
        raw.beginRead()
        var taken = false
        try {
            taken = engine.tryReadFast()
        } finally {
            raw.endRead(taken)
        }
        return taken
    }

    override fun unlockRead() {
        raw.spendRead()
        engine.releaseReads(1)
    }

    override suspend fun lockWrite() {
        if (tryLockWrite()) return
        return lockWriteSlow()
    }

    private suspend fun lockWriteSlow() {
        acquire(rawWriter, 1, 0)
        raw.addWrite()
    }

    override fun tryLockWrite(): Boolean {
        raw.beginWrite()
        var taken = false
        try {
            taken = engine.tryWriteFast(rawWriter)
        } finally {
            raw.endWrite(taken)
        }
        return taken
    }

    override fun unlockWrite() {
        raw.claimWrite("unlockWrite()")
        engine.releaseWrite()
    }

    override fun downgrade() {
        raw.claimWrite("downgrade()")
        // The read hold is pending from the engine's downgrade on: a racing unlockRead waits for it.
        raw.beginRead()
        var downgraded = false
        try {
            engine.downgrade()
            downgraded = true
        } finally {
            raw.endRead(downgraded)
        }
    }

    override fun newCondition(): SuspendCondition = EngineCondition(engine, this)

    // ------------------------------------------------------------------ scopes

    /**
     * The non-suspending part of entering a read scope: a fast-path read, or a recursive one
     * (the coroutine already reads, or holds the write lock of a reentrant-writer mutex).
     * Kept apart from [awaitScopeRead] so that the uncontended scope calls no suspend function
     * with a state machine (which would allocate a continuation on every call).
     */
    @PublishedApi
    internal fun tryEnterRead(job: Job?): Boolean {
        if (engine.tryReadFast()) {
            if (job != null) scopeReads.add(job)
            return true
        }
        if (job == null) return false
        if (engine.writeOwner() === job) {
            check(engine.isReentrantWriter) { "read { } inside write { } of the same coroutine needs a reentrant writer" }
        } else if (scopeReads.holds(job) == 0) {
            return false
        }
        engine.addReadHolds(1)
        scopeReads.add(job)
        return true
    }

    /**
     * Waits in the queue for the read hold of a scope of [job] (after [tryEnterRead] failed); the
     * caller then calls [recordScopeRead], with no suspension in between. A tail call to [acquire],
     * so the continuation that waits is the caller's (see acquire).
     */
    @PublishedApi
    internal suspend fun awaitScopeRead(job: Job?): Any = acquire(job ?: Any(), 0, 1)

    /** Books the read hold [awaitScopeRead] just took for a scope of [job]. */
    @PublishedApi
    internal fun recordScopeRead(job: Job?) {
        if (job != null) scopeReads.add(job)
    }

    @PublishedApi
    internal fun exitRead(job: Job?) {
        if (job != null) scopeReads.remove(job)
        engine.releaseReads(1)
    }

    /**
     * The non-suspending part of entering a write scope of [job]: the fast path or a reentrant
     * nested write. Returns the scope's owner token, or null if the caller must wait
     * ([enterWriteSlow]). Throws for a nested write without reentrancy and for an upgrade.
     */
    @PublishedApi
    internal fun tryEnterWrite(job: Job?): Any? {
        if (job == null) return null
        if (engine.tryWriteFast(job)) return job
        if (engine.writeOwner() === job) {
            check(engine.isReentrantWriter) { "nested write { } in the same coroutine needs a reentrant writer" }
            engine.incrementWriteHolds()
            return job
        }
        check(scopeReads.holds(job) == 0) { "write { } inside read { } of the same coroutine: upgrading would deadlock" }
        return null
    }

    /** Takes the write lock for a scope of [job] by waiting; returns the scope's owner token. */
    @PublishedApi
    internal suspend fun enterWriteSlow(job: Job?): Any {
        val owner: Any = job ?: Any()
        if (job == null && engine.tryWriteFast(owner)) return owner
        return acquire(owner, 1, 0) // a tail call: see acquire
    }

    @PublishedApi
    internal fun exitWrite(scope: WriteScopeImpl) {
        if (scope.downgraded) {
            if (scope.owner is Job) scopeReads.remove(scope.owner)
            engine.releaseReads(1)
            return
        }
        check(engine.writeOwner() === scope.owner) { "the write lock of this scope was released by someone else" }
        engine.decrementWriteHolds()
    }

    internal fun downgradeScope(scope: WriteScopeImpl) {
        check(!scope.downgraded) { "this write scope was already downgraded" }
        check(engine.writeOwner() === scope.owner) { "the write lock of this scope is not held" }
        check(engine.writeHoldsOf(scope.owner) == 1) { "cannot downgrade a nested write hold: leave the inner write { } first" }
        engine.downgrade()
        if (scope.owner is Job) scopeReads.add(scope.owner)
        scope.downgraded = true
    }

    /** The receiver of one [write] block. */
    @PublishedApi
    internal class WriteScopeImpl(private val mutex: EngineMutex, val owner: Any) : WriteScope {
        var downgraded: Boolean = false

        override fun downgrade() = mutex.downgradeScope(this)
    }

    // ------------------------------------------------------------------ condition support

    /** Scope holds of [job]: (write holds, read holds). */
    internal fun scopeWriteHolds(job: Any): Int = engine.writeHoldsOf(job)

    internal fun scopeReadHolds(job: Any): Int = scopeReads.holds(job)

    internal fun forgetScopeReads(job: Any, n: Int) {
        if (n > 0) scopeReads.remove(job, n)
    }

    internal fun restoreScopeReads(job: Any, n: Int) {
        if (n > 0) scopeReads.add(job, n)
    }

    // ------------------------------------------------------------------ suspension

    /**
     * Suspends until [owner] is granted the holds and returns [owner]; prompt cancellation (see
     * CoroutineWaiter). A wait in the queue is a JFR ContendedAcquire event unless [recorded] is
     * false (a condition waiter re-acquiring after its cancellation: that is not a new request).
     *
     * Every suspending call here and in [awaitGrant] is a tail call, so neither function has a
     * state machine: the continuation that suspends is the caller's. For `write { }` (through
     * [enterWriteSlow], a tail call too) that is the user's own coroutine frame, whose intercepted
     * continuation kotlinx keeps, so a contended write allocates no continuation frame and no
     * DispatchedContinuation of its own (measured: CoroutineConvoyBench). The owner is the
     * resumption value so that callers which need it can tail-call this as well.
     */
    internal suspend fun acquire(owner: Any, writeHolds: Int, readHolds: Int, recorded: Boolean = true): Any {
        val node = CoroutineWaiter(engine, owner, writeHolds, readHolds)
        val event = if (recorded) LockEvents.beginAcquire() else null
        return if (event == null) awaitGrant(node) else awaitRecorded(node, event, writeHolds > 0)
    }

    private suspend fun awaitGrant(node: CoroutineWaiter): Any =
        suspendCancellableCoroutine { cont -> enqueueOrResume(node, cont) }

    /** [awaitGrant] inside a JFR ContendedAcquire event (only while the event is enabled). */
    private suspend fun awaitRecorded(node: CoroutineWaiter, event: Any, write: Boolean): Any {
        var queued = false
        try {
            suspendCancellableCoroutine<Any> { cont -> queued = !enqueueOrResume(node, cont) }
        } catch (e: CancellationException) {
            if (queued) {
                val outcome = if (e is TimeoutCancellationException) LockEvents.TIMED_OUT else LockEvents.CANCELLED
                LockEvents.endAcquire(event, engine.name(), engine.policy(), write, true, outcome)
            }
            throw e
        }
        if (queued) {
            LockEvents.endAcquire(event, engine.name(), engine.policy(), write, true, LockEvents.ACQUIRED)
        }
        return node.owner
    }

    /** Links [node] or acquires at once (then resumes [cont]); returns whether it acquired at once. */
    private fun enqueueOrResume(node: CoroutineWaiter, cont: CancellableContinuation<Any>): Boolean {
        node.continuation = cont
        if (engine.acquireOrEnqueue(node)) {
            cont.resume(node.owner) { _, _, _ -> node.settle() }
            return true
        }
        cont.invokeOnCancellation(node)
        return false
    }

    override fun toString(): String = "ReadWriteMutex[$engine]"
}

private val SCOPE_COROUTINE: Class<*>? =
    try {
        Class.forName("kotlinx.coroutines.internal.ScopeCoroutine")
    } catch (e: ClassNotFoundException) {
        null
    }

/**
 * The Job that owns scope holds: the coroutine itself, not the Jobs in which `coroutineScope`,
 * `supervisorScope`, `withContext` (whatever Job it installs: `NonCancellable`, `Job()`) and
 * `withTimeout` run their block while the coroutine waits for it (they are the same sequential
 * coroutine). Concurrent children (`launch`, `async`) are other owners.
 *
 * Those blocks run in a kotlinx `ScopeCoroutine`, whose caller frame (`CoroutineStackFrame.
 * callerFrame`, the continuation of the suspended caller) carries the caller's own context: its
 * Job is the owner one level up. The parent link is not used: `withContext(NonCancellable)` or
 * `withContext(Job())` cut it (the block's parent is then that Job, shared by unrelated
 * coroutines).
 *
 * A Job that is not a coroutine but sits in a coroutine's context (a bare `startCoroutine` with a
 * `Job()` of its own, as Lincheck runs its operations) is that coroutine's owner, as before.
 *
 * Fail safe: where the owner cannot be told (a caller frame that cannot be followed, or the
 * global `NonCancellable` as the context Job of a bare `startCoroutine`: it is shared by every
 * such coroutine) the result is null: every scope is then its own owner (no recursion or upgrade
 * detection, never an owner shared with another coroutine); the README documents it.
 */
@PublishedApi
internal fun scopeOwner(job: Job?): Job? {
    var current = job ?: return null
    val scoped = SCOPE_COROUTINE
    if (scoped != null) {
        while (scoped.isInstance(current)) {
            val caller = (current as CoroutineStackFrame).callerFrame as? Continuation<*> ?: return null
            current = caller.context[Job] ?: return null
        }
    }
    return if (current === NonCancellable) null else current
}
