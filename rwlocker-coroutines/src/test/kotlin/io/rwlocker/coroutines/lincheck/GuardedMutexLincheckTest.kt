package io.rwlocker.coroutines.lincheck

import io.rwlocker.Guarded
import io.rwlocker.Policy
import io.rwlocker.RWLock
import io.rwlocker.coroutines.GuardedMutex
import io.rwlocker.coroutines.ReadWriteMutex
import io.rwlocker.coroutines.asGuardedMutex
import org.jetbrains.lincheck.LincheckAssertionError
import org.jetbrains.lincheck.datastructures.Operation
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.Test

/**
 * A counter kept in a [GuardedMutex] and used only through its suspending `read`, `write`,
 * `update` and `set`, checked for linearizability by Lincheck (model checking and stress). The
 * value is a mutable pair (a counter and its shadow): `increment` mutates it in place with a
 * non-atomic read-modify-write, so only the mutex keeps it correct; every block checks the pair,
 * so a block overlapping a writer throws. `replace` and `reset` swap in a new object.
 *
 * The test object itself is the sequential specification (as in [CounterLincheck]); cancellation
 * on suspension is Lincheck's default: a cancelled operation that was waiting must have had no
 * effect. `incrementNested` re-enters (reentrant writer) or fails fast with IllegalStateException;
 * `getNested` is read recursion; `failingUpdate` throws from the transform and must change nothing.
 *
 * [GuardedMutexOverGuardedLincheckTest] goes through `Guarded.asGuardedMutex()`, so the cell and
 * the lock are the blocking Guarded's; [StandaloneGuardedMutexLincheckTest] owns its cell.
 */
abstract class GuardedMutexLincheck(
    private val guarded: GuardedMutex<Pair>,
    private val plantMutationUnderRead: Boolean = false,
) {
    /** The counter, mirrored by every operation that changes it; only for [equals]. */
    private var mirror = 0

    /** A counter and its shadow; a replacement is a new object. */
    class Pair(var x: Int, var y: Int) {
        fun observe(): Int {
            check(x == y) { "torn value: x=$x, y=$y (a writer is not exclusive)" }
            return x
        }
    }

    /** `read`: the counter. */
    @Operation
    suspend fun get(): Int = guarded.read { it.observe() }

    /** Read recursion: the inner read enters even if a writer waits. */
    @Operation
    suspend fun getNested(): Int = guarded.read { outer -> guarded.read { inner -> check(inner === outer); inner.observe() } }

    /** `write`: non-atomic increment in place; returns the new value (under `read` when the bug is planted). */
    @Operation
    suspend fun increment(): Int {
        val bump: suspend (Pair) -> Int = {
            val next = it.observe() + 1
            it.x = next
            it.y = next
            mirror = next
            next
        }
        return if (plantMutationUnderRead) guarded.read(bump) else guarded.write(bump)
    }

    /** `update`: a new object one higher; the counter is taken inside the transform. */
    @Operation
    suspend fun replace(): Int {
        var next = 0
        guarded.update { old ->
            next = old.observe() + 1
            mirror = next
            Pair(next, next)
        }
        return next
    }

    /** `set`: a new zero. */
    @Operation
    suspend fun reset() {
        guarded.set(Pair(0, 0))
        mirror = 0 // after the call: only the sequential specification's mirror is ever compared
    }

    /** Nested write: re-enters with a reentrant writer, else IllegalStateException (no effect). */
    @Operation
    suspend fun incrementNested(): Int = guarded.write {
        guarded.write { inner ->
            val next = inner.observe() + 1
            inner.x = next
            inner.y = next
            mirror = next
            next
        }
    }

    /** `update` whose transform throws: the exception propagates, the value stays. */
    @Operation
    suspend fun failingUpdate(): Int {
        guarded.update { throw IllegalArgumentException("transform failed at ${it.observe()}") }
        error("update returned although its transform threw")
    }

    /**
     * LTS state equivalence for the verifier: between operations of the sequential specification
     * the mutex is free, so the counter alone determines the future. The counter is mirrored in
     * [mirror] by every operation that changes it (GuardedMutex has no getter, by design).
     */
    override fun equals(other: Any?): Boolean = other is GuardedMutexLincheck && other.mirror == mirror

    override fun hashCode(): Int = mirror

    /** Model checking with cancellation on suspension. */
    @Test
    fun modelChecking() = LincheckBudget.modelChecking().check(this::class)

    /** Stress testing with cancellation on suspension. */
    @Test
    fun stress() = LincheckBudget.stress().check(this::class)
}

/** [GuardedMutexLincheck] through `Guarded.of(value).asGuardedMutex()`: writer-preferring, not reentrant. */
class GuardedMutexOverGuardedLincheckTest :
    GuardedMutexLincheck(Guarded.of(Pair(0, 0)).asGuardedMutex())

/** [GuardedMutexLincheck] through `Guarded.of(value, lock).asGuardedMutex()`: phase-fair, reentrant writer. */
class FairGuardedMutexOverGuardedLincheckTest :
    GuardedMutexLincheck(Guarded.of(Pair(0, 0), RWLock.builder().policy(Policy.FAIR).reentrantWriter(true).build()).asGuardedMutex())

/** [GuardedMutexLincheck] with its own cell: `GuardedMutex(value, ReadWriteMutex(READER_PREFERRING, reentrant))`. */
class StandaloneGuardedMutexLincheckTest :
    GuardedMutexLincheck(GuardedMutex(Pair(0, 0), ReadWriteMutex(Policy.READER_PREFERRING, reentrantWriter = true)))

/**
 * Negative control (not a test class itself: its inherited checks would fail): `increment`
 * mutates the value inside `read`, the seed's "readers can mutate" flaw.
 */
class MutationUnderReadGuardedMutexLincheck :
    GuardedMutexLincheck(GuardedMutex(Pair(0, 0)), plantMutationUnderRead = true)

/**
 * Proves that this module's model-checking budget finds the planted flaw of
 * [MutationUnderReadGuardedMutexLincheck]: Lincheck reports invalid execution results. It reports
 * them either as a [LincheckAssertionError] with the interleaving or, when replaying the failing
 * interleaving for its trace hits non-determinism in the scope bookkeeping, as an
 * IllegalStateException whose message still carries the invalid results (seen with Lincheck 3.7).
 */
class GuardedMutexNegativeControlTest {
    @Test
    fun modelCheckingFindsAMutationInsideRead() {
        val failure = assertThrows<Throwable> {
            LincheckBudget.modelChecking().minimizeFailedScenario(false).check(MutationUnderReadGuardedMutexLincheck::class)
        }
        assertTrue(failure is LincheckAssertionError || failure is IllegalStateException, failure.toString())
        assertTrue(failure.message!!.contains("Invalid execution results"), failure.message)
    }
}
