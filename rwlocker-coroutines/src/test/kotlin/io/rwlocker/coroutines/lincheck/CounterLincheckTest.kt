package io.rwlocker.coroutines.lincheck

import io.rwlocker.Policy
import io.rwlocker.coroutines.ReadWriteMutex
import io.rwlocker.coroutines.read
import io.rwlocker.coroutines.write
import org.jetbrains.lincheck.datastructures.Operation
import org.junit.jupiter.api.Test

/**
 * A counter guarded by a [ReadWriteMutex] through its scopes, checked for linearizability by
 * Lincheck (model checking and stress) for one policy. The increment is deliberately non-atomic
 * (read, then write back): only the mutex keeps it correct. Every operation may suspend and is
 * cancellable on suspension (Lincheck's default): Lincheck cancels a waiter that has not been
 * granted yet, and the cancelled operation must have had no effect (its node is unlinked and
 * whoever it blocked is admitted).
 *
 * Not `promptCancellation = true` here: Lincheck runs operations under its own
 * ContinuationInterceptor, which is not a CoroutineDispatcher, so kotlinx.coroutines never calls
 * the resume's onCancellation for a waiter cancelled after its grant; the grant is dropped and
 * the lock stays held. That matches the sequential specification only for operations that also
 * suspend in it (the raw lock operations of [RawLockLincheck]); a scope operation never suspends
 * sequentially. The give-back of a granted-then-cancelled waiter is tested with real dispatchers
 * in CancellationSpec.
 *
 * `incrementNested` re-enters the write lock (reentrant writer) or must fail fast with
 * IllegalStateException (non-reentrant); `getNested` is read recursion, which must never
 * self-deadlock behind a waiting writer; `incrementThenRead` downgrades and reads its own write.
 */
abstract class CounterLincheck(policy: Policy, reentrant: Boolean) {
    private val mutex = ReadWriteMutex(policy, reentrant)
    private var value = 0

    /** Non-atomic increment under the write lock; returns the new value. */
    @Operation
    suspend fun increment(): Int = mutex.write {
        val next = value + 1
        value = next
        next
    }

    /** The value under a read hold. */
    @Operation
    suspend fun get(): Int = mutex.read { value }

    /** Read recursion: the inner read enters even if a writer waits. */
    @Operation
    suspend fun getNested(): Int = mutex.read { mutex.read { value } }

    /** Nested write: re-enters with a reentrant writer, else IllegalStateException (no effect). */
    @Operation
    suspend fun incrementNested(): Int = mutex.write {
        mutex.write {
            value += 1
            value
        }
    }

    /** Increments, downgrades atomically, and must still read its own write. */
    @Operation
    suspend fun incrementThenRead(): Int = mutex.write {
        val next = value + 1
        value = next
        downgrade()
        check(value == next) { "a writer slipped in during the downgrade" }
        value
    }

    /**
     * LTS state equivalence for the verifier: between operations of the sequential specification
     * the mutex is always free, so the value alone determines the future.
     */
    override fun equals(other: Any?): Boolean = other is CounterLincheck && other.value == value

    override fun hashCode(): Int = value

    /** Model checking with cancellation on suspension. */
    @Test
    fun modelChecking() = LincheckBudget.modelChecking().check(this::class)

    /** Stress testing with cancellation on suspension. */
    @Test
    fun stress() = LincheckBudget.stress().check(this::class)
}

/** [CounterLincheck] for [Policy.WRITER_PREFERRING], non-reentrant. */
class WriterPreferringCounterLincheckTest : CounterLincheck(Policy.WRITER_PREFERRING, reentrant = false)

/** [CounterLincheck] for [Policy.READER_PREFERRING], reentrant writer. */
class ReaderPreferringCounterLincheckTest : CounterLincheck(Policy.READER_PREFERRING, reentrant = true)

/** [CounterLincheck] for [Policy.FAIR], non-reentrant. */
class FairCounterLincheckTest : CounterLincheck(Policy.FAIR, reentrant = false)

/** [CounterLincheck] for [Policy.EXCLUSIVE], reentrant writer. */
class ExclusiveCounterLincheckTest : CounterLincheck(Policy.EXCLUSIVE, reentrant = true)
