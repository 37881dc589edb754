package io.rwlocker.lincheck

import io.rwlocker.FifoLock
import io.rwlocker.Modes
import org.jetbrains.lincheck.datastructures.Operation
import org.jetbrains.lincheck.datastructures.Validate
import java.time.Duration

/**
 * The read/write recipe of [FifoLock] checked for linearizability against [FifoCounterModel] (a
 * plain counter), as [GuardedCounter] does for RWLock: a counter `x` written under
 * [Modes.write] with a non-atomic read-modify-write and a shadow `y`, read under [Modes.read];
 * every critical section checks `x == y` (and the try pair `p == q`), so a writer that is not
 * exclusive shows as a lost update or a torn read.
 *
 * Every operation acquires and releases inside itself, through a different entry point
 * (acquire, acquireInterruptibly, the timed tryAcquire, tryAcquire): a hang reported by Lincheck
 * is a lost grant, and [checkIdle] catches a hold or a queued request left behind (a timed-out
 * waiter that lingered, a grant to a withdrawn waiter). The one-minute timeouts never expire in
 * model checking (Lincheck's clock stands still) and a `TIMED_OUT` in stress fails the check;
 * the 50 us ones expire under contention in stress, which runs the withdrawal racing with grants.
 *
 * `plantIncrementUnderRead` is the negative control: [increment] then takes the READ mode.
 */
abstract class FifoCounter(private val plantIncrementUnderRead: Boolean = false) {
    private val lock = FifoLock()
    private val read = Modes.read()
    private val write = Modes.write()
    private var x = 0
    private var y = 0
    private var p = 0
    private var q = 0

    private fun bump(): Int {
        val before = observe()
        x = before + 1
        y = before + 1
        return before + 1
    }

    private fun observe(): Int {
        val seenX = x
        val seenY = y
        check(seenX == seenY) { "torn read: x=$seenX, y=$seenY (a writer is not exclusive)" }
        check(p == q) { "torn read of the try pair" }
        return seenX
    }

    private fun touch() {
        observe()
        val before = p
        p = before + 1
        q = before + 1
    }

    /** Read under `acquire(read)`. */
    @Operation
    fun get(): Int = lock.acquire(read).use { observe() }

    /** Read under `acquireInterruptibly(read)`. */
    @Operation
    fun interruptibleGet(): Int = lock.acquireInterruptibly(read).use { observe() }

    /** Read under `tryAcquire(read, 1 minute)`. */
    @Operation
    fun timedGet(): Int = lock.tryAcquire(read, LONG)?.use { observe() } ?: TIMED_OUT

    /** `tryAcquire(read)`: success depends on timing, so only consistency is returned. */
    @Operation
    fun tryPeek(): Boolean {
        lock.tryAcquire(read)?.use { observe() }
        return true
    }

    /** Increment under `acquire(write)` (under `acquire(read)` when the bug is planted). */
    @Operation
    fun increment(): Int = lock.acquire(if (plantIncrementUnderRead) read else write).use { bump() }

    /** Increment under `acquireInterruptibly(write)`. */
    @Operation
    fun interruptibleIncrement(): Int = lock.acquireInterruptibly(write).use { bump() }

    /** Increment under `tryAcquire(write, 1 minute)`. */
    @Operation
    fun timedIncrement(): Int = lock.tryAcquire(write, LONG)?.use { bump() } ?: TIMED_OUT

    /** `tryAcquire(write)` on the try pair. */
    @Operation
    fun tryTouch(): Boolean {
        lock.tryAcquire(write)?.use { touch() }
        return true
    }

    /** `tryAcquire(read, 50 us)`: expires under contention in stress (withdrawal racing a grant). */
    @Operation
    fun briefTryPeek(): Boolean {
        lock.tryAcquire(read, BRIEF)?.use { observe() }
        return true
    }

    /** `tryAcquire(write, 50 us)` on the try pair. */
    @Operation
    fun briefTryTouch(): Boolean {
        lock.tryAcquire(write, BRIEF)?.use { touch() }
        return true
    }

    /** After each run: nobody holds, nobody waits, the pairs agree. */
    @Validate
    fun checkIdle() {
        check(lock.holds(read) == 0 && lock.holds(write) == 0 && lock.queueLength() == 0) { "lock not idle after the run: $lock" }
        check(x == y && p == q) { "torn state after the run" }
    }

    companion object {
        /** Returned by a timed acquisition that timed out; the model never returns it. */
        const val TIMED_OUT: Int = -1
        private val LONG: Duration = Duration.ofMinutes(1)
        private val BRIEF: Duration = Duration.ofNanos(50_000)
    }
}

/** Sequential specification of [FifoCounter]: a plain counter. */
class FifoCounterModel {
    private var x = 0

    fun get(): Int = x
    fun interruptibleGet(): Int = x
    fun timedGet(): Int = x
    fun tryPeek(): Boolean = true
    fun increment(): Int = ++x
    fun interruptibleIncrement(): Int = ++x
    fun timedIncrement(): Int = ++x
    fun tryTouch(): Boolean = true
    fun briefTryPeek(): Boolean = true
    fun briefTryTouch(): Boolean = true
}

/** The [FifoCounter] test classes (Lincheck needs no-argument constructors). */
object FifoCounters {
    /** The correct read/write recipe. */
    class ReadWrite : FifoCounter()

    /** Negative control: [FifoCounter.increment] takes the read mode (a planted bug). */
    class IncrementUnderRead : FifoCounter(plantIncrementUnderRead = true)
}
