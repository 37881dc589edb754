package io.rwlocker.lincheck

import io.rwlocker.RWCondition
import io.rwlocker.RWLock
import org.jetbrains.lincheck.datastructures.Operation
import org.jetbrains.lincheck.datastructures.Validate
import java.time.Duration
import java.util.concurrent.TimeUnit

/**
 * A turnstile built on an [RWCondition], checked against [ConditionTurnstileModel] (a ticket
 * counter).
 *
 * Lincheck cannot check one operation that waits for a later operation that may never be part of
 * the scenario, so every operation here brings its own progress: it (1) takes a ticket under the
 * write lock, (2) waits on the condition, under the read or the write lock, until `serving`
 * reaches its ticket, reads `value`, and (3) under the write lock advances `serving` and `value`
 * and signals every waiter. Every waiter's turn therefore comes in every scenario, whatever the
 * interleaving; a lost signal, a waiter that is never re-admitted, or holds not restored after a
 * wait makes the run hang (reported by Lincheck) or an operation throw. Each operation returns the
 * `value` it saw in its turn, which equals its ticket: the model is a counter.
 *
 * The operations cover `waitFor(predicate)`, `waitFor(predicate, Duration)`, `await()`,
 * `awaitNanos`, `awaitUninterruptibly`, `signalAll()` and `signal(n)` (which must leave no
 * waiter), under read, under write, and with nested holds (recursive read; nested write plus read
 * for a reentrant writer) that `await` must release entirely and restore.
 * Timeouts are one minute (a timeout fails the operation), except in [pollingTurnUnderRead], which
 * retries a 50 µs wait; no timeout expires in model checking (`System.nanoTime()` is constant
 * there).
 *
 * `plantSignalOne` plants a bug for the negative control (`LincheckNegativeControlSpec`): the
 * advances that should `signalAll()` wake only one waiter, which may not be the next ticket's.
 */
abstract class ConditionTurnstile(
    private val config: LockConfig,
    private val plantSignalOne: Boolean = false,
) {
    private val lock: RWLock = config.newLock()
    private val read = lock.read()
    private val write = lock.write()
    private val turn: RWCondition = lock.newCondition()
    private var nextTicket = 0
    private var serving = 0
    private var value = 0

    private fun takeTicket(): Int {
        write.lock()
        try {
            return nextTicket++
        } finally {
            write.unlock()
        }
    }

    /** Step 3 under a write hold the caller already has. */
    private fun advanceHeld(bySignalCount: Boolean) {
        check(value == serving) { "value $value and serving $serving disagree: a writer was not exclusive" }
        value++
        serving++
        if (bySignalCount) {
            // Under the write lock nobody can start waiting; a polling waiter may only leave.
            val waiting = turn.waitQueueLength
            val woken = turn.signal(waiting)
            check(woken in 0..waiting) { "signal($waiting) woke $woken" }
        } else if (plantSignalOne) {
            turn.signal() // the planted lost wake-up: the next ticket's holder may not be the one woken
            return
        } else {
            turn.signalAll()
        }
        check(!turn.hasWaiters()) { "waiters left after signalling all" }
    }

    private fun advance(bySignalCount: Boolean) {
        write.lock()
        try {
            advanceHeld(bySignalCount)
        } finally {
            write.unlock()
        }
    }

    private fun checkHolds(reads: Int, writes: Int) {
        check(read.holdCount == reads && write.holdCount == writes) {
            "holds after the wait: r=${read.holdCount} w=${write.holdCount}, expected r=$reads w=$writes"
        }
    }

    /** Waits with `waitFor(predicate)` under read; advances with `signalAll()`. */
    @Operation
    fun turnUnderRead(): Int {
        val ticket = takeTicket()
        val seen: Int
        read.lock()
        try {
            turn.waitFor { serving == ticket }
            checkHolds(reads = 1, writes = 0)
            seen = value
        } finally {
            read.unlock()
        }
        advance(bySignalCount = false)
        return seen
    }

    /** Waits with `waitFor(predicate)` under write; advances with `signal(n)` without releasing. */
    @Operation
    fun turnUnderWrite(): Int {
        write.lock()
        try {
            val ticket = nextTicket++
            turn.waitFor { serving == ticket }
            checkHolds(reads = 0, writes = 1)
            val seen = value
            advanceHeld(bySignalCount = true)
            return seen
        } finally {
            write.unlock()
        }
    }

    /** Waits with `waitFor(predicate, 1 minute)` under read (a timeout fails the operation). */
    @Operation
    fun timedTurnUnderRead(): Int {
        val ticket = takeTicket()
        val seen: Int
        read.lock()
        try {
            check(turn.waitFor({ serving == ticket }, Duration.ofMinutes(1))) { "waitFor timed out" }
            checkHolds(reads = 1, writes = 0)
            seen = value
        } finally {
            read.unlock()
        }
        advance(bySignalCount = true)
        return seen
    }

    /**
     * Polls with `waitFor(predicate, 50 µs)` under read until its turn: in stress the timeout
     * really expires, so the withdrawal of a timed-out condition waiter (racing with signals) and
     * the re-acquisition after a timeout run.
     */
    @Operation
    fun pollingTurnUnderRead(): Int {
        val ticket = takeTicket()
        val seen: Int
        read.lock()
        try {
            while (!turn.waitFor({ serving == ticket }, BRIEF)) {
                checkHolds(reads = 1, writes = 0)
            }
            checkHolds(reads = 1, writes = 0)
            seen = value
        } finally {
            read.unlock()
        }
        advance(bySignalCount = true)
        return seen
    }

    /** Waits with an `awaitNanos` loop under write (a timeout fails the operation). */
    @Operation
    fun timedTurnUnderWrite(): Int {
        write.lock()
        try {
            val ticket = nextTicket++
            var nanos = TimeUnit.MINUTES.toNanos(1)
            while (serving != ticket) {
                nanos = turn.awaitNanos(nanos)
                check(nanos > 0) { "awaitNanos timed out" }
            }
            checkHolds(reads = 0, writes = 1)
            val seen = value
            advanceHeld(bySignalCount = false)
            return seen
        } finally {
            write.unlock()
        }
    }

    /**
     * Waits with nested holds: a reentrant writer holds write twice plus read and uses `await()`;
     * otherwise a reader holds read twice and uses `awaitUninterruptibly()`. The wait must release
     * every hold (else the turn holder could never advance) and restore exactly them.
     */
    @Operation
    fun nestedTurn(): Int = if (config.reentrantWriter) nestedWriterTurn() else nestedReaderTurn()

    private fun nestedWriterTurn(): Int {
        write.lock()
        try {
            write.lock()
            try {
                read.lock()
                try {
                    val ticket = nextTicket++
                    while (serving != ticket) turn.await()
                    checkHolds(reads = 1, writes = 2)
                    val seen = value
                    advanceHeld(bySignalCount = true)
                    return seen
                } finally {
                    read.unlock()
                }
            } finally {
                write.unlock()
            }
        } finally {
            write.unlock()
        }
    }

    private fun nestedReaderTurn(): Int {
        val ticket = takeTicket()
        val seen: Int
        read.lock()
        try {
            read.lock()
            try {
                while (serving != ticket) turn.awaitUninterruptibly()
                checkHolds(reads = 2, writes = 0)
                seen = value
            } finally {
                read.unlock()
            }
        } finally {
            read.unlock()
        }
        advance(bySignalCount = false)
        return seen
    }

    /** After each run: every turn was served, nobody holds, waits or is queued. */
    @Validate
    fun checkIdle() {
        check(serving == nextTicket && value == serving) { "turns not all served: next=$nextTicket serving=$serving value=$value" }
        check(lock.readLockCount == 0 && !lock.isWriteLocked && lock.queueLength == 0) { "lock not idle after the run: $lock" }
        check(turn.waitQueueLength == 0) { "condition waiters left after the run" }
    }

    private companion object {
        /** A timeout short enough to expire in stress (never in model checking). */
        val BRIEF: Duration = Duration.ofNanos(50_000)
    }
}

/** Sequential specification of [ConditionTurnstile]: each turn returns the next ticket. */
class ConditionTurnstileModel {
    private var next = 0

    fun turnUnderRead(): Int = next++
    fun turnUnderWrite(): Int = next++
    fun timedTurnUnderRead(): Int = next++
    fun timedTurnUnderWrite(): Int = next++
    fun pollingTurnUnderRead(): Int = next++
    fun nestedTurn(): Int = next++
}

/** [ConditionTurnstile] in each [LockConfig]. */
object ConditionTurnstiles {
    class WriterPreferring : ConditionTurnstile(LockConfig.WRITER_PREFERRING)
    class WriterPreferringReentrant : ConditionTurnstile(LockConfig.WRITER_PREFERRING_REENTRANT)
    class ReaderPreferring : ConditionTurnstile(LockConfig.READER_PREFERRING)
    class ReaderPreferringReentrant : ConditionTurnstile(LockConfig.READER_PREFERRING_REENTRANT)
    class Fair : ConditionTurnstile(LockConfig.FAIR)
    class FairReentrant : ConditionTurnstile(LockConfig.FAIR_REENTRANT)
    class Exclusive : ConditionTurnstile(LockConfig.EXCLUSIVE)
    class ExclusiveReentrant : ConditionTurnstile(LockConfig.EXCLUSIVE_REENTRANT)

    /** Negative control: `signal()` where `signalAll()` is needed (a planted lost wake-up). */
    class SignalOne : ConditionTurnstile(LockConfig.WRITER_PREFERRING, plantSignalOne = true)

    /** The test class for [config]. */
    fun of(config: LockConfig): Class<out ConditionTurnstile> = when (config) {
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
