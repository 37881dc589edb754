package io.rwlocker.lincheck

import io.rwlocker.RWLock
import org.jetbrains.lincheck.datastructures.Operation
import org.jetbrains.lincheck.datastructures.Validate
import java.util.concurrent.TimeUnit

/**
 * A lock-guarded data structure checked for linearizability against [GuardedCounterModel]: a
 * counter `x` written under the write lock with a non-atomic read-modify-write, so a writer that
 * is not exclusive shows up as a lost update (two increments returning the same value).
 *
 * Every write also updates a shadow `y` (and [tryTouch] a second pair `p`/`q`, invisible to the
 * model); every critical section checks `x == y` and `p == q`, so a reader or writer that
 * overlaps a writer sees a torn pair and the operation throws instead of returning a value.
 *
 * Every operation acquires and releases inside itself, through a different entry point of the
 * API (lock, timed tryLock, lockInterruptibly, Guard, the Lock drop-in, downgrade, recursion,
 * reentrancy, tryLock): a correct lock never blocks an operation forever, so a hang reported by
 * Lincheck is a lost grant. [checkLockIdle] verifies after each run that no hold or queued
 * waiter was left behind. The timed operations use a one-minute timeout: it never expires in
 * model checking (Lincheck's `System.nanoTime()` is constant there) and in stress a `false` is a
 * failure (`TIMED_OUT`, which the model never returns).
 *
 * One subclass per [LockConfig] (Lincheck builds the test object with a no-argument
 * constructor), see [GuardedCounters]. `plantIncrementUnderReadLock` plants a bug for the
 * negative control (`LincheckNegativeControlSpec`): [increment] then takes the READ lock, all the
 * other operations stay correct.
 */
abstract class GuardedCounter(
    private val config: LockConfig,
    private val plantIncrementUnderReadLock: Boolean = false,
) {
    private val lock: RWLock = config.newLock()
    private val read = lock.read()
    private val write = lock.write()
    private var x = 0
    private var y = 0
    private var p = 0
    private var q = 0

    /** Increments both pairs' first counter non-atomically; the caller holds the write lock. */
    private fun bump(): Int {
        val before = observe()
        x = before + 1
        y = before + 1
        return before + 1
    }

    /** Reads `x`, checking that no writer is in the middle of an update. */
    private fun observe(): Int {
        val seenX = x
        val seenY = y
        check(seenX == seenY) { "torn read: x=$seenX, y=$seenY (a writer is not exclusive)" }
        check(p == q) { "torn read of the try pair (a tryLock writer is not exclusive)" }
        return seenX
    }

    /** Read under `read().lock()`. */
    @Operation
    fun get(): Int {
        read.lock()
        try {
            return observe()
        } finally {
            read.unlock()
        }
    }

    /** Read under `read().tryLock(1, MINUTES)`. */
    @Operation
    fun timedGet(): Int {
        if (!read.tryLock(1, TimeUnit.MINUTES)) return TIMED_OUT
        try {
            return observe()
        } finally {
            read.unlock()
        }
    }

    /** Read under `read().acquireInterruptibly()` (a Guard). */
    @Operation
    fun guardedGet(): Int = read.acquireInterruptibly().use { observe() }

    /** Read under a recursive read hold (allowed even while writers wait). */
    @Operation
    fun recursiveGet(): Int {
        read.lock()
        try {
            read.lock()
            try {
                check(read.holdCount == 2) { "recursive read: hold count ${read.holdCount}" }
                return observe()
            } finally {
                read.unlock()
            }
        } finally {
            read.unlock()
        }
    }

    /** `read().tryLock()`: whether it gets the lock depends on timing, so only consistency is returned. */
    @Operation
    fun tryPeek(): Boolean {
        if (read.tryLock()) {
            try {
                observe()
            } finally {
                read.unlock()
            }
        }
        return true
    }

    /** Increment under `write().lock()` (under `read().lock()` when the bug is planted). */
    @Operation
    fun increment(): Int {
        val side = if (plantIncrementUnderReadLock) read else write
        side.lock()
        try {
            return bump()
        } finally {
            side.unlock()
        }
    }

    /** Increment under `write().tryLock(1, MINUTES)`. */
    @Operation
    fun timedIncrement(): Int {
        if (!write.tryLock(1, TimeUnit.MINUTES)) return TIMED_OUT
        try {
            return bump()
        } finally {
            write.unlock()
        }
    }

    /** Increment under the lock itself used as a plain [java.util.concurrent.locks.Lock], interruptibly. */
    @Operation
    fun lockApiIncrement(): Int {
        lock.lockInterruptibly()
        try {
            check(lock.isWriteLockedByCurrentThread) { "lockInterruptibly() did not take the write side" }
            return bump()
        } finally {
            lock.unlock()
        }
    }

    /**
     * Write, increment, downgrade, read back, unlock read: returns the value it wrote, which proves
     * no writer slipped in between the downgrade and the read.
     */
    @Operation
    fun downgradeIncrement(): Int {
        write.lock()
        val wrote: Int
        try {
            wrote = bump()
        } catch (e: Throwable) {
            write.unlock()
            throw e
        }
        write.downgrade()
        try {
            check(!write.isHeldByCurrentThread && read.holdCount == 1) { "downgrade left holds w=${write.holdCount} r=${read.holdCount}" }
            val seen = observe()
            check(seen == wrote) { "a writer slipped in after the downgrade: wrote $wrote, read $seen" }
            return seen
        } finally {
            read.unlock()
        }
    }

    /**
     * Increment while re-entering the lock: with a reentrant writer, nested write and a read taken
     * by the writer; without it, each re-entry must fail fast (IllegalStateException, tryLock false)
     * and leave the hold count untouched.
     */
    @Operation
    fun reentryIncrement(): Int {
        write.lock()
        try {
            if (config.reentrantWriter) {
                write.lock()
                try {
                    read.lock()
                    try {
                        check(write.holdCount == 2 && read.holdCount == 1) { "nested holds w=${write.holdCount} r=${read.holdCount}" }
                        return bump()
                    } finally {
                        read.unlock()
                    }
                } finally {
                    write.unlock()
                }
            } else {
                check(failsFast { write.lock() }) { "non-reentrant write re-entry did not fail fast" }
                check(failsFast { read.lock() }) { "non-reentrant writer's read did not fail fast" }
                check(!write.tryLock() && !read.tryLock()) { "non-reentrant writer's tryLock succeeded" }
                check(write.holdCount == 1 && read.holdCount == 0) { "failed re-entry changed holds" }
                return bump()
            }
        } finally {
            write.unlock()
        }
    }

    /**
     * The `ReentrantReadWriteLock` downgrade idiom: take write, increment, take read, release
     * write, read back. A non-reentrant writer cannot take read (fail fast) and uses
     * [io.rwlocker.WriteLock.downgrade] instead. Returns the value it wrote.
     */
    @Operation
    fun writeThenReadIdiom(): Int {
        write.lock()
        val wrote: Int
        try {
            wrote = bump()
            if (config.reentrantWriter) {
                read.lock()
            } else {
                check(failsFast { read.lock() }) { "non-reentrant writer's read did not fail fast" }
            }
        } catch (e: Throwable) {
            write.unlock()
            throw e
        }
        if (config.reentrantWriter) write.unlock() else write.downgrade()
        try {
            check(!write.isHeldByCurrentThread && read.holdCount == 1) { "after releasing write: w=${write.holdCount} r=${read.holdCount}" }
            val seen = observe()
            check(seen == wrote) { "a writer slipped in after releasing write: wrote $wrote, read $seen" }
            return seen
        } finally {
            read.unlock()
        }
    }

    /** `write().tryLock()` on the try pair only (its success depends on timing): returns consistency. */
    @Operation
    fun tryTouch(): Boolean {
        if (write.tryLock()) {
            try {
                observe()
                val before = p
                p = before + 1
                q = before + 1
            } finally {
                write.unlock()
            }
        }
        return true
    }

    /**
     * `read().tryLock(50 µs)`: in stress the timeout really expires under contention, so the
     * withdrawal of a timed-out waiter (racing with a grant) runs; only consistency is returned,
     * and [checkLockIdle] catches a grant lost to a withdrawn waiter.
     */
    @Operation
    fun briefTryPeek(): Boolean {
        if (read.tryLock(BRIEF_MICROS, TimeUnit.MICROSECONDS)) {
            try {
                observe()
            } finally {
                read.unlock()
            }
        }
        return true
    }

    /** `write().tryLock(50 µs)` on the try pair; see [briefTryPeek]. */
    @Operation
    fun briefTryTouch(): Boolean {
        if (write.tryLock(BRIEF_MICROS, TimeUnit.MICROSECONDS)) {
            try {
                observe()
                val before = p
                p = before + 1
                q = before + 1
            } finally {
                write.unlock()
            }
        }
        return true
    }

    /** After each run: nobody holds, nobody is queued, the pairs agree. */
    @Validate
    fun checkLockIdle() {
        check(lock.readLockCount == 0 && !lock.isWriteLocked && lock.queueLength == 0) { "lock not idle after the run: $lock" }
        check(x == y && p == q) { "torn state after the run" }
    }

    private inline fun failsFast(acquire: () -> Unit): Boolean =
        try {
            acquire()
            false
        } catch (expected: IllegalStateException) {
            true
        }

    companion object {
        /** Returned by a timed acquisition that timed out; the model never returns it. */
        const val TIMED_OUT: Int = -1

        /** A timeout short enough to expire under contention in stress (never in model checking). */
        const val BRIEF_MICROS: Long = 50
    }
}

/**
 * Sequential specification of [GuardedCounter]: a plain counter. Every read returns the current
 * value, every write increments and returns the new value, the try operations (whose success
 * depends on timing) return true.
 */
class GuardedCounterModel {
    private var x = 0

    fun get(): Int = x
    fun timedGet(): Int = x
    fun guardedGet(): Int = x
    fun recursiveGet(): Int = x
    fun tryPeek(): Boolean = true
    fun increment(): Int = ++x
    fun timedIncrement(): Int = ++x
    fun lockApiIncrement(): Int = ++x
    fun downgradeIncrement(): Int = ++x
    fun reentryIncrement(): Int = ++x
    fun writeThenReadIdiom(): Int = ++x
    fun tryTouch(): Boolean = true
    fun briefTryPeek(): Boolean = true
    fun briefTryTouch(): Boolean = true
}

/** [GuardedCounter] in each [LockConfig]. */
object GuardedCounters {
    class WriterPreferring : GuardedCounter(LockConfig.WRITER_PREFERRING)
    class WriterPreferringReentrant : GuardedCounter(LockConfig.WRITER_PREFERRING_REENTRANT)
    class ReaderPreferring : GuardedCounter(LockConfig.READER_PREFERRING)
    class ReaderPreferringReentrant : GuardedCounter(LockConfig.READER_PREFERRING_REENTRANT)
    class Fair : GuardedCounter(LockConfig.FAIR)
    class FairReentrant : GuardedCounter(LockConfig.FAIR_REENTRANT)
    class Exclusive : GuardedCounter(LockConfig.EXCLUSIVE)
    class ExclusiveReentrant : GuardedCounter(LockConfig.EXCLUSIVE_REENTRANT)

    /** Negative control: [GuardedCounter.increment] takes the read lock (a planted bug). */
    class IncrementUnderReadLock : GuardedCounter(LockConfig.WRITER_PREFERRING, plantIncrementUnderReadLock = true)

    /** The test class for [config]. */
    fun of(config: LockConfig): Class<out GuardedCounter> = when (config) {
        LockConfig.WRITER_PREFERRING -> WriterPreferring::class.java
        LockConfig.WRITER_PREFERRING_REENTRANT -> WriterPreferringReentrant::class.java
        LockConfig.READER_PREFERRING -> ReaderPreferring::class.java
        LockConfig.READER_PREFERRING_REENTRANT -> ReaderPreferringReentrant::class.java
        LockConfig.FAIR -> Fair::class.java
        LockConfig.FAIR_REENTRANT -> FairReentrant::class.java
        LockConfig.EXCLUSIVE -> Exclusive::class.java
        LockConfig.EXCLUSIVE_REENTRANT -> ExclusiveReentrant::class.java
    }
}
