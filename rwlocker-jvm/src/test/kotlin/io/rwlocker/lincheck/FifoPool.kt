package io.rwlocker.lincheck

import io.rwlocker.FifoLock
import io.rwlocker.Modes
import org.jetbrains.lincheck.datastructures.Operation
import org.jetbrains.lincheck.datastructures.Validate
import java.time.Duration
import java.util.concurrent.atomic.AtomicInteger

/**
 * The semaphore recipe of [FifoLock] checked for linearizability against [FifoPoolModel]: a pool
 * of 2 ([Modes.semaphore]) whose users may run together, and a maintenance step under
 * [Modes.mutex] that must run alone. Maintenance bumps an epoch non-atomically (with a shadow);
 * pool users read the epoch and count themselves in `inside`, so a third pool user, or a pool user
 * overlapping maintenance, throws (and a lost epoch update shows in the results). Every operation
 * acquires and releases inside itself; [checkIdle] catches holds or queued requests left behind.
 */
abstract class FifoPool {
    private val lock = FifoLock()
    private val pool = Modes.semaphore(2)
    private val maintenance = Modes.mutex()
    private val inside = AtomicInteger()
    private var epoch = 0
    private var shadow = 0

    private fun use(): Int {
        val n = inside.incrementAndGet()
        try {
            check(n <= 2) { "$n users inside a pool of 2" }
            check(epoch == shadow) { "a pool user overlaps maintenance" }
            return epoch
        } finally {
            inside.decrementAndGet()
        }
    }

    private fun maintain(): Int {
        check(inside.get() == 0) { "maintenance overlaps pool users" }
        val before = epoch
        check(before == shadow) { "maintenance overlaps maintenance" }
        epoch = before + 1
        shadow = before + 1
        return before + 1
    }

    /** A pool user under `acquire(pool)`: returns the epoch it saw. */
    @Operation
    fun enter(): Int = lock.acquire(pool).use { use() }

    /** A pool user under `tryAcquire(pool, 1 minute)`. */
    @Operation
    fun timedEnter(): Int = lock.tryAcquire(pool, LONG)?.use { use() } ?: TIMED_OUT

    /** A pool user under `tryAcquire(pool)`; success depends on timing. */
    @Operation
    fun tryEnter(): Boolean {
        lock.tryAcquire(pool)?.use { use() }
        return true
    }

    /** A pool user under `tryAcquire(pool, 50 us)`: expires under contention in stress. */
    @Operation
    fun briefEnter(): Boolean {
        lock.tryAcquire(pool, BRIEF)?.use { use() }
        return true
    }

    /** Maintenance under `acquireInterruptibly(mutex)`: returns the new epoch. */
    @Operation
    fun maintenance(): Int = lock.acquireInterruptibly(maintenance).use { maintain() }

    /** Maintenance under `tryAcquire(mutex, 1 minute)`. */
    @Operation
    fun timedMaintenance(): Int = lock.tryAcquire(maintenance, LONG)?.use { maintain() } ?: TIMED_OUT

    /** After each run: nobody holds, nobody waits. */
    @Validate
    fun checkIdle() {
        check(lock.holds(pool) == 0 && lock.holds(maintenance) == 0 && lock.queueLength() == 0) { "lock not idle after the run: $lock" }
        check(inside.get() == 0 && epoch == shadow) { "torn state after the run" }
    }

    companion object {
        /** Returned by a timed acquisition that timed out; the model never returns it. */
        const val TIMED_OUT: Int = -1
        private val LONG: Duration = Duration.ofMinutes(1)
        private val BRIEF: Duration = Duration.ofNanos(50_000)
    }
}

/** Sequential specification of [FifoPool]: an epoch that maintenance increments. */
class FifoPoolModel {
    private var epoch = 0

    fun enter(): Int = epoch
    fun timedEnter(): Int = epoch
    fun tryEnter(): Boolean = true
    fun briefEnter(): Boolean = true
    fun maintenance(): Int = ++epoch
    fun timedMaintenance(): Int = ++epoch
}

/** The [FifoPool] test class. */
class FifoPoolOfTwo : FifoPool()
