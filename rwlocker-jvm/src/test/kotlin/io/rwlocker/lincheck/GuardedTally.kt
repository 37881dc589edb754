package io.rwlocker.lincheck

import io.rwlocker.Guarded
import org.jetbrains.lincheck.datastructures.Operation
import org.jetbrains.lincheck.datastructures.Validate

/**
 * A counter kept in a [Guarded] value and used only through `read`, `write`, `update` and `set`,
 * checked for linearizability against [TallyModel]. The value is a mutable [Tally] (a counter `x`
 * and its shadow `y`): [increment] mutates it in place with a non-atomic read-modify-write, so a
 * writer that is not exclusive shows up as a lost update; every block checks `x == y`, so a block
 * that overlaps a writer sees a torn pair and the operation throws instead of returning a value.
 * [replace] and [reset] swap in a new object (copy-on-write and set), so a reader that could see a
 * replacement half-way, or a write that mutated a stale object, would also show up.
 *
 * [nestedIncrement] re-enters (reentrant writer) or must fail fast with IllegalStateException and
 * no effect; [getNested] is read recursion; [failingUpdate] throws from the updater, which must
 * leave the value and the lock as they were. [checkIdle] checks after each run that no hold and
 * no waiter were left behind.
 *
 * `plantMutationUnderRead` plants the seed's flaw "readers can mutate" for the negative control:
 * [increment] then mutates the value inside `read`.
 */
abstract class GuardedTally(config: LockConfig, private val plantMutationUnderRead: Boolean = false) {
    /** The writer-preferring, non-reentrant configuration goes through `Guarded.of(value)`. */
    private val guarded: Guarded<Tally> =
        if (config == LockConfig.WRITER_PREFERRING) Guarded.of(Tally(0, 0)) else Guarded.of(Tally(0, 0), config.newLock())

    /** The counter and its shadow; a replacement is a new object. */
    class Tally(var x: Int, var y: Int) {
        /** `x`, checked against its shadow. */
        fun observe(): Int {
            val seenX = x
            val seenY = y
            check(seenX == seenY) { "torn value: x=$seenX, y=$seenY (a writer is not exclusive)" }
            return seenX
        }

        /** Non-atomic increment in place; returns the new value. */
        fun bump(): Int {
            val next = observe() + 1
            x = next
            y = next
            return next
        }
    }

    /** `read`: the counter. */
    @Operation
    fun get(): Int = guarded.read { it.observe() }

    /** `read` inside `read`: recursion, allowed even while a writer waits. */
    @Operation
    fun getNested(): Int = guarded.read { outer -> guarded.read { inner -> check(inner === outer); inner.observe() } }

    /** `write`: increments in place (under `read` when the bug is planted). */
    @Operation
    fun increment(): Int = if (plantMutationUnderRead) guarded.read { it.bump() } else guarded.write { it.bump() }

    /**
     * `update`: replaces the value with a new object one higher; returns the new counter. The
     * counter is taken inside the updater: the object `update` returns is the guarded value
     * itself, and reading its mutable fields after the call would be the caller's bug (an
     * in-place [increment] may already be changing it; the first version of this test did just
     * that and Lincheck caught it).
     */
    @Operation
    fun replace(): Int {
        var next = 0
        guarded.update { old ->
            next = old.observe() + 1
            Tally(next, next)
        }
        return next
    }

    /** `set`: replaces the value with a new zero. */
    @Operation
    fun reset() = guarded.set(Tally(0, 0))

    /** `write` inside `write`: re-enters with a reentrant writer, else IllegalStateException (no effect). */
    @Operation
    fun nestedIncrement(): Int = guarded.write { guarded.write { it.bump() } }

    /** `update` whose updater throws: the exception propagates, the value stays. */
    @Operation
    fun failingUpdate(): Int {
        guarded.update { throw IllegalArgumentException("updater failed at ${it.observe()}") }
        error("update returned although its updater threw")
    }

    /** After each run: nobody holds, nobody waits, the value is not torn. */
    @Validate
    fun checkIdle() {
        val lock = guarded.lock()
        check(lock.readLockCount == 0 && !lock.isWriteLocked && lock.queueLength == 0) { "lock not idle after the run: $lock" }
        guarded.read { it.observe() }
    }
}

/**
 * Sequential specification of [GuardedTally] for a lock without a reentrant writer: a plain
 * counter; the nested write fails with IllegalStateException, the failing update with
 * IllegalArgumentException, both without effect.
 */
open class TallyModel {
    protected var x: Int = 0

    fun get(): Int = x
    fun getNested(): Int = x
    fun increment(): Int = ++x
    fun replace(): Int = ++x
    fun reset() {
        x = 0
    }
    open fun nestedIncrement(): Int = throw IllegalStateException("nested write without a reentrant writer")
    fun failingUpdate(): Int = throw IllegalArgumentException("updater failed")
}

/** [TallyModel] for a lock with a reentrant writer: the nested write increments. */
class ReentrantTallyModel : TallyModel() {
    override fun nestedIncrement(): Int = ++x
}

/** [GuardedTally] in the checked configurations (Lincheck needs a no-argument constructor). */
object GuardedTallies {
    /** `Guarded.of(value)`: writer-preferring, not reentrant. */
    class Default : GuardedTally(LockConfig.WRITER_PREFERRING)

    /** `Guarded.of(value, lock)` over a phase-fair lock with a reentrant writer. */
    class FairReentrant : GuardedTally(LockConfig.FAIR_REENTRANT)

    /** `Guarded.of(value, lock)` over an exclusive lock (reads exclusive too), not reentrant. */
    class Exclusive : GuardedTally(LockConfig.EXCLUSIVE)

    /** Negative control: [GuardedTally.increment] mutates the value inside `read` (a planted bug). */
    class MutationUnderRead : GuardedTally(LockConfig.WRITER_PREFERRING, plantMutationUnderRead = true)
}
