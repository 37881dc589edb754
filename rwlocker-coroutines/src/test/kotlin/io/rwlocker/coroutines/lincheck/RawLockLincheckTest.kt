package io.rwlocker.coroutines.lincheck

import io.rwlocker.Policy
import io.rwlocker.coroutines.ReadWriteMutex
import org.jetbrains.lincheck.datastructures.Operation
import org.junit.jupiter.api.Test

/**
 * The bare, owner-less lock operations of a [ReadWriteMutex] checked for linearizability by
 * Lincheck (model checking and stress) for one policy, in the style of kotlinx.coroutines' own
 * `MutexLincheckTest`: the sequential specification is the mutex itself, run one operation at a
 * time, so every admission decision (who is resumed by which release) must match a sequential
 * history. Suspending acquisitions come in two flavours: plain (a waiter waits until granted or
 * the test ends) and cancellable with the prompt cancellation guarantee (Lincheck cancels the
 * waiter, possibly at the instant it is granted; then it must hold nothing and the lock must go
 * on). Unlocks without a matching raw hold throw IllegalStateException, which is a result too.
 *
 * The releases (`unlockRead`, `unlockWrite`, `downgrade`) are one non-parallel group: Lincheck never
 * runs two of them at the same time, because two racing releases expose the check-then-act bug
 * reproduced by [RawReleaseRaceLincheckTest] (disabled until fixed). Acquisitions, try-locks and
 * releases still race freely with each other.
 *
 * Note on `promptCancellation = true`: Lincheck resumes operations through its own
 * ContinuationInterceptor (not a CoroutineDispatcher), so kotlinx.coroutines does not call the
 * resume's onCancellation when Lincheck cancels a waiter after its grant: the grant is dropped in
 * the run and in the sequential specification alike (as in kotlinx.coroutines' MutexLincheckTest).
 * What this checks is that cancellation before the grant leaves no trace and that a grant is never
 * given to two waiters; the give-back itself is tested on real dispatchers in CancellationSpec.
 */
abstract class RawLockLincheck(policy: Policy) {
    private val mutex = ReadWriteMutex(policy)

    /** lockRead(), waiting until granted. */
    @Operation(cancellableOnSuspension = false)
    suspend fun lockRead() = mutex.lockRead()

    /** lockWrite(), waiting until granted. */
    @Operation(cancellableOnSuspension = false)
    suspend fun lockWrite() = mutex.lockWrite()

    /** lockRead(), cancelled by Lincheck when it suspends (prompt cancellation). */
    @Operation(promptCancellation = true)
    suspend fun lockReadCancellable() = mutex.lockRead()

    /** lockWrite(), cancelled by Lincheck when it suspends (prompt cancellation). */
    @Operation(promptCancellation = true)
    suspend fun lockWriteCancellable() = mutex.lockWrite()

    /** tryLockRead(). */
    @Operation
    fun tryLockRead() = mutex.tryLockRead()

    /** tryLockWrite(). */
    @Operation
    fun tryLockWrite() = mutex.tryLockWrite()

    /** unlockRead(): IllegalStateException without a raw read hold. */
    @Operation(nonParallelGroup = "release")
    fun unlockRead() = mutex.unlockRead()

    /** unlockWrite(): IllegalStateException without the raw write lock. */
    @Operation(nonParallelGroup = "release")
    fun unlockWrite() = mutex.unlockWrite()

    /** downgrade(): IllegalStateException without the raw write lock. */
    @Operation(nonParallelGroup = "release")
    fun downgrade() = mutex.downgrade()

    /** Model checking with cancellation on suspension. */
    @Test
    fun modelChecking() = LincheckBudget.modelChecking().check(this::class)

    /** Stress testing with cancellation on suspension. */
    @Test
    fun stress() = LincheckBudget.stress().check(this::class)
}

/** [RawLockLincheck] for [Policy.WRITER_PREFERRING]. */
class WriterPreferringRawLockLincheckTest : RawLockLincheck(Policy.WRITER_PREFERRING)

/** [RawLockLincheck] for [Policy.READER_PREFERRING]. */
class ReaderPreferringRawLockLincheckTest : RawLockLincheck(Policy.READER_PREFERRING)

/** [RawLockLincheck] for [Policy.FAIR]. */
class FairRawLockLincheckTest : RawLockLincheck(Policy.FAIR)

/** [RawLockLincheck] for [Policy.EXCLUSIVE]. */
class ExclusiveRawLockLincheckTest : RawLockLincheck(Policy.EXCLUSIVE)
