package io.rwlocker.coroutines.lincheck

import io.rwlocker.FifoLock
import io.rwlocker.Guard
import io.rwlocker.Mode
import io.rwlocker.Modes
import io.rwlocker.coroutines.acquireQueued
import io.rwlocker.coroutines.withMode
import io.rwlocker.internal.FifoAccess
import java.util.concurrent.ConcurrentLinkedQueue
import java.util.concurrent.atomic.AtomicInteger
import org.jetbrains.lincheck.datastructures.Operation
import org.junit.jupiter.api.Test

/**
 * `FifoLock.withMode` checked for linearizability by Lincheck (model checking and stress), in
 * the shape of [CounterLincheck]: the read/write recipe guards a counter with a non-atomic
 * increment, and every operation is cancellable on suspension (Lincheck's default), so a waiter
 * cancelled before its grant must have had no effect and must let the requests behind it in.
 */
class FifoCounterLincheckTest {
    private val lock = FifoLock()
    private var value = 0

    /** Non-atomic increment under [Modes.write]; returns the new value. */
    @Operation
    suspend fun increment(): Int = lock.withMode(Modes.write()) {
        val next = value + 1
        value = next
        next
    }

    /** The value under [Modes.read]. */
    @Operation
    suspend fun get(): Int = lock.withMode(Modes.read()) { value }

    /** `tryAcquire(read)` from a coroutine: success depends on timing; returns consistency. */
    @Operation
    fun tryGet(): Boolean {
        lock.tryAcquire(Modes.read())?.use { check(value >= 0) }
        return true
    }

    @Test
    fun modelChecking() = LincheckBudget.modelChecking().check(this::class)

    @Test
    fun stress() = LincheckBudget.stress().check(this::class)
}

/**
 * The semaphore recipe through `withMode`: a pool of 2 whose users read an epoch, and a
 * maintenance step under [Modes.mutex] that bumps it non-atomically and must run alone. A third
 * pool user, or one overlapping maintenance, throws; cancellation on suspension as above.
 */
class FifoPoolLincheckTest {
    private val lock = FifoLock()
    private val pool = Modes.semaphore(2)
    private val inside = AtomicInteger()
    private var epoch = 0

    /** A pool user: returns the epoch it saw. */
    @Operation
    suspend fun enter(): Int = lock.withMode(pool) {
        val n = inside.incrementAndGet()
        try {
            check(n <= 2) { "$n users inside a pool of 2" }
            epoch
        } finally {
            inside.decrementAndGet()
        }
    }

    /** Maintenance, alone: returns the new epoch. */
    @Operation
    suspend fun maintenance(): Int = lock.withMode(Modes.mutex()) {
        check(inside.get() == 0) { "maintenance overlaps pool users" }
        val next = epoch + 1
        epoch = next
        next
    }

    @Test
    fun modelChecking() = LincheckBudget.modelChecking().check(this::class)

    @Test
    fun stress() = LincheckBudget.stress().check(this::class)
}

/**
 * Raw FIFO holds kept across operations, in the style of [RawLockLincheck] (and of
 * kotlinx.coroutines' own MutexLincheckTest): the sequential specification is this class itself,
 * run one operation at a time, so every admission decision (who is resumed by which release, in
 * which order) must match a sequential history. Acquisitions wait in the same queue as withMode
 * (plain, or cancellable with the prompt cancellation guarantee: Lincheck cancels the waiter,
 * possibly at the instant it is granted); releases are owner-less and return false when no hold
 * of that mode is left. See [RawLockLincheck] for what `promptCancellation` can check under
 * Lincheck's interceptor.
 */
abstract class FifoRawLincheck(private val first: Mode, private val second: Mode) {
    private val engine = FifoAccess.engineOf(FifoLock())
    private val firstHolds = RawHolds()
    private val secondHolds = RawHolds()

    /** The guards of one mode's raw holds; `count` counts the published ones. */
    private class RawHolds {
        val guards = ConcurrentLinkedQueue<Guard>()
        val count = AtomicInteger()

        fun add(guard: Guard) {
            guards.add(guard)
            count.incrementAndGet() // after the guard is published: a release that sees it finds a guard
        }
    }

    private suspend fun acquire(mode: Mode, holds: RawHolds) {
        holds.add(engine.tryAcquire(mode) ?: acquireQueued(engine, mode))
    }

    private fun tryAcquire(mode: Mode, holds: RawHolds): Boolean {
        holds.add(engine.tryAcquire(mode) ?: return false)
        return true
    }

    private fun release(mode: Mode, holds: RawHolds): Boolean {
        while (true) {
            val n = holds.count.get()
            // No published guard: false only if the lock holds no such hold either. A granted
            // acquirer publishes its guard just after the grant, and an operation that already
            // saw the grant (a queueLength behind it) must not see this release fail: wait for it.
            if (n == 0 && engine.holds(mode) == 0) return false
            if (n > 0 && holds.count.compareAndSet(n, n - 1)) break
            Thread.onSpinWait()
        }
        holds.guards.poll()!!.close() // owner-less: any of this mode's guards
        return true
    }

    @Operation(cancellableOnSuspension = false)
    suspend fun acquireFirst() = acquire(first, firstHolds)

    @Operation(cancellableOnSuspension = false)
    suspend fun acquireSecond() = acquire(second, secondHolds)

    @Operation(promptCancellation = true)
    suspend fun acquireFirstCancellable() = acquire(first, firstHolds)

    @Operation(promptCancellation = true)
    suspend fun acquireSecondCancellable() = acquire(second, secondHolds)

    @Operation
    fun tryFirst(): Boolean = tryAcquire(first, firstHolds)

    @Operation
    fun trySecond(): Boolean = tryAcquire(second, secondHolds)

    @Operation(nonParallelGroup = "release")
    fun releaseFirst(): Boolean = release(first, firstHolds)

    @Operation(nonParallelGroup = "release")
    fun releaseSecond(): Boolean = release(second, secondHolds)

    @Operation
    fun queueLength(): Int = engine.queueLength()

    @Test
    fun modelChecking() = LincheckBudget.modelChecking().check(this::class)

    @Test
    fun stress() = LincheckBudget.stress().check(this::class)
}

/** [FifoRawLincheck] for the read/write recipe. */
class FifoReadWriteRawLincheckTest : FifoRawLincheck(Modes.read(), Modes.write())

/** [FifoRawLincheck] for the semaphore recipe: a pool of 2 and a mutex. */
class FifoPoolRawLincheckTest : FifoRawLincheck(Modes.semaphore(2), Modes.mutex())
