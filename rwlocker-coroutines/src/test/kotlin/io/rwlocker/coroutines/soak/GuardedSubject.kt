package io.rwlocker.coroutines.soak

import io.rwlocker.Guarded
import io.rwlocker.LockSide
import io.rwlocker.Policy
import io.rwlocker.RWLock
import io.rwlocker.coroutines.GuardedMutex
import io.rwlocker.coroutines.asGuardedMutex
import io.rwlocker.coroutines.snapshot
import java.util.SplittableRandom
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.ConcurrentLinkedQueue
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicLong
import java.util.concurrent.atomic.LongAdder
import java.util.concurrent.locks.LockSupport
import kotlin.time.Duration.Companion.microseconds
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.withTimeoutOrNull
import kotlinx.coroutines.yield

/**
 * One [Guarded] value shared by threads (its blocking `read`/`write`/`update`/`set`, and the
 * timed, try and interruptible acquisitions its documentation points to: `lock().read()` /
 * `lock().write()` taken by `tryLock()`, `tryLock(t, u)` with tiny, zero and negative timeouts or
 * `lockInterruptibly()`, then the Guarded call nested inside) and coroutines (the same value and
 * lock through `asGuardedMutex()`, also inside `withTimeoutOrNull`). Two configurations: the
 * default lock of `Guarded.of` (writer-preferring, not reentrant) and a FAIR lock with a reentrant
 * writer (nested `read`/`update`/`set` inside `write`, on both faces).
 *
 * The value ([Cell]) encodes its own consistency: `count` and `mirror` are plain fields that every
 * in-place `write` increments one after the other (with a pause between them half the time), and
 * `update` replaces the cell by a copy with both incremented; each increment is also counted in the
 * cell's [Epoch] (an atomic counter; `set` starts a new epoch with a fresh cell at 0).
 *
 * Invariants checked while running:
 *  - every section (read or write, either face) sees `count == mirror == epoch.increments`: a torn
 *    write (`count` changed, `mirror` not yet), a lost update (two writers read the same `count`)
 *    or a write under a read hold shows up at the next section; a read section sees no change
 *    across its pause;
 *  - [ExclusionMonitor]: no reader beside a writer, no two writers (nested calls of an owner are
 *    not registered twice);
 *  - no lost update: each worker counts the increments its calls reported done (a call that
 *    returned normally; a thrown or cancelled one counts 0), and the sum over workers equals the
 *    increments of all epochs; an `update` returns the very cell its block made;
 *  - a block that throws (a planted failure, or an interrupt seen inside the block) releases the
 *    hold and `update` leaves the old value (the next section's check sees it unchanged);
 *  - a coroutine `set` that was cancelled stored nothing (its epoch is never seen);
 *  - misuse fails fast with [IllegalStateException] and changes nothing: `write`/`update`/`set`
 *    inside `read` (upgrade), and, on the non-reentrant lock, any call inside `write`;
 *  - a thread step ends holding nothing (hold counts of both sides).
 *
 * At the end ([finish]): nobody inside, the lock free from both faces (no hold, nothing queued),
 * the final cell consistent with its epoch, and the value still readable and writable.
 */
internal class GuardedSubject(private val reentrant: Boolean, private val tally: Tally) : SoakSubject {
    override val name: String = nameOf(reentrant)

    /** An epoch of the value: started by `set` (or the initial value), counts every increment made in it. */
    private class Epoch {
        val increments = AtomicLong()

        /** Set when a coroutine's `set` of this epoch's cell was cancelled: the cell must never be seen. */
        @Volatile
        var abandoned = false
    }

    /** The guarded value: `count` and `mirror` must be equal, and equal to [epoch]'s increments. */
    private class Cell(@JvmField val epoch: Epoch, @JvmField var count: Long, @JvmField var mirror: Long)

    private val initial = Epoch()
    private val guarded: Guarded<Cell> =
        if (reentrant) {
            Guarded.of(Cell(initial, 0, 0), RWLock.builder().policy(Policy.FAIR).reentrantWriter(true).build())
        } else {
            Guarded.of(Cell(initial, 0, 0))
        }
    private val lock: RWLock = guarded.lock()
    private val twin: GuardedMutex<Cell> = guarded.asGuardedMutex()
    private val monitor = ExclusionMonitor(false, tally)

    /** Every epoch whose `set` returned, and the initial one. */
    private val epochs = ConcurrentLinkedQueue<Epoch>().apply { add(initial) }

    /** Increments reported done by each worker's calls. */
    private val committed = ConcurrentHashMap<String, LongAdder>()
    private val sets = LongAdder()
    private val failures = LongAdder()

    private fun committed(worker: Worker, n: Long) {
        committed.computeIfAbsent(worker.name) { LongAdder() }.add(n)
    }

    /** The consistency check of a cell, from inside a section. */
    private fun check(c: Cell, where: String) {
        val increments = c.epoch.increments.get()
        tally.expect(c.count == c.mirror && c.count == increments && !c.epoch.abandoned) {
            "$where saw count ${c.count}, mirror ${c.mirror}, epoch increments $increments" +
                if (c.epoch.abandoned) " (the cell of a cancelled set)" else ""
        }
    }

    // ================================================================== threads

    override fun threadStep(worker: Worker, random: SplittableRandom) {
        val pause = random.nextInt(4) == 0
        val roll = random.nextInt(100)
        when {
            roll < 30 -> {
                worker.phase = "read"
                guarded.read { c -> readSection(c, pause, registered = true) }
            }
            roll < 50 -> {
                worker.phase = "write"
                guarded.write { c -> writeSection(c, pause) }
                committed(worker, 1)
            }
            roll < 70 -> threadUpdate(worker, random, pause)
            roll < 72 -> {
                worker.phase = "set"
                val epoch = Epoch()
                guarded.set(Cell(epoch, 0, 0))
                epochs.add(epoch)
                sets.increment()
            }
            roll < 75 -> {
                worker.phase = "read"
                guarded.read { c -> readSection(c, pause, registered = true) }
            }
            roll < 90 -> threadTimed(worker, random, pause)
            roll < 95 -> if (reentrant) threadNested(worker, random, pause) else threadMisuseInWrite(worker, random)
            else -> threadMisuseInRead(worker, random)
        }
        worker.phase = "idle"
        val r = lock.read().holdCount
        val w = lock.write().holdCount
        tally.expect(r == 0 && w == 0) { "${worker.name} ended a step holding $r read / $w write hold(s)" }
    }

    /** A read section: consistent, and unchanged across the pause. */
    private fun readSection(c: Cell, pause: Boolean, registered: Boolean) {
        if (registered) monitor.enterRead()
        try {
            check(c, "read")
            val seen = c.count
            if (pause) Thread.yield()
            tally.expect(c.count == seen) { "the value changed under a read hold: $seen -> ${c.count}" }
            check(c, "read after a pause")
        } finally {
            if (registered) monitor.exitRead()
        }
    }

    /** An in-place write section: `count`, (pause), `mirror`, then the epoch's counter. */
    private fun writeSection(c: Cell, pause: Boolean) {
        monitor.enterWrite()
        try {
            check(c, "write")
            c.count++
            if (pause) Thread.yield()
            c.mirror++
            c.epoch.increments.incrementAndGet()
            monitor.checkWriterAlone()
        } finally {
            monitor.exitWrite()
        }
    }

    /**
     * The block of a thread's `update`: a copy with both fields incremented. Throws the planted
     * failure when [fail], and an [InterruptedException] when it pauses and sees an interrupt:
     * either way the value stays as it was.
     */
    private fun updateSection(c: Cell, pause: Boolean, fail: Boolean, registered: Boolean): Cell {
        if (registered) monitor.enterWrite()
        try {
            check(c, "update")
            if (fail) throw PlantedFailure()
            if (pause) {
                LockSupport.parkNanos(2_000L)
                if (Thread.interrupted()) throw InterruptedException("the update's block saw an interrupt")
            }
            val next = Cell(c.epoch, c.count + 1, c.mirror + 1)
            c.epoch.increments.incrementAndGet()
            monitor.checkWriterAlone()
            return next
        } finally {
            if (registered) monitor.exitWrite()
        }
    }

    private fun threadUpdate(worker: Worker, random: SplittableRandom, pause: Boolean) {
        worker.phase = "update"
        val fail = random.nextInt(20) == 0
        var made: Cell? = null
        try {
            val returned = guarded.update { c -> updateSection(c, pause, fail, registered = true).also { made = it } }
            tally.expect(returned === made) { "update returned another value than its block made" }
            tally.expect(!fail) { "update returned normally, its block threw" }
            committed(worker, 1)
        } catch (e: PlantedFailure) {
            failures.increment()
            tally.expect(fail) { "update threw a planted failure that its block did not throw" }
        } catch (e: InterruptedException) {
            tally.interruptSeen()
        }
    }

    /** The timed, try and interruptible acquisitions, through [Guarded.lock], with the Guarded call nested inside. */
    private fun threadTimed(worker: Worker, random: SplittableRandom, pause: Boolean) {
        val write = reentrant && random.nextBoolean()
        val side: LockSide = if (write) lock.write() else lock.read()
        worker.phase = if (write) "timed write, then update inside" else "timed read, then read inside"
        val got = try {
            when (random.nextInt(4)) {
                0 -> side.tryLock()
                1 -> {
                    side.lockInterruptibly()
                    true
                }
                else -> {
                    val micros = tinyMicros(random)
                    side.tryLock(micros, TimeUnit.MICROSECONDS).also { if (!it && micros > 0) tally.fault(Fault.ACQUIRE_TIMEOUT) }
                }
            }
        } catch (e: InterruptedException) {
            tally.interruptSeen()
            false
        }
        if (!got) return
        try {
            if (write) {
                // Re-entry: the raw hold is not registered, the nested update is.
                guarded.update { c -> updateSection(c, pause = false, fail = false, registered = true) }
                committed(worker, 1)
            } else {
                guarded.read { c -> readSection(c, pause, registered = true) } // a recursive read
            }
        } finally {
            side.unlock()
        }
    }

    /** Reentrant writer: read, (set), update and an in-place write nested inside one write. */
    private fun threadNested(worker: Worker, random: SplittableRandom, pause: Boolean) {
        worker.phase = "nested calls inside write"
        val withSet = random.nextInt(4) == 0
        guarded.write { outer ->
            monitor.enterWrite()
            try {
                check(outer, "write (outer)")
                guarded.read { c ->
                    tally.expect(c === outer) { "a read nested in write saw another value" }
                    readSection(c, pause, registered = false)
                }
                if (withSet) {
                    val epoch = Epoch()
                    guarded.set(Cell(epoch, 0, 0))
                    epochs.add(epoch)
                    sets.increment()
                }
                val next = guarded.update { c ->
                    tally.expect(withSet || c === outer) { "an update nested in write saw another value" }
                    updateSection(c, pause = false, fail = false, registered = false)
                }
                // In place, on the value the nested update stored (still under the outer hold).
                check(next, "write after a nested update")
                next.count++
                next.mirror++
                next.epoch.increments.incrementAndGet()
            } finally {
                monitor.exitWrite()
            }
        }
        committed(worker, 2)
    }

    /** Non-reentrant lock: every Guarded call inside write fails fast and changes nothing. */
    private fun threadMisuseInWrite(worker: Worker, random: SplittableRandom) {
        worker.phase = "misuse inside write"
        val which = random.nextInt(4)
        guarded.write { c ->
            monitor.enterWrite()
            try {
                check(c, "write (misuse probe)")
                when (which) {
                    0 -> tally.probe<IllegalStateException>("read inside write (not reentrant)") { guarded.read { } }
                    1 -> tally.probe<IllegalStateException>("write inside write (not reentrant)") { guarded.write { } }
                    2 -> tally.probe<IllegalStateException>("update inside write (not reentrant)") { guarded.update { Cell(it.epoch, -1, -1) } }
                    else -> tally.probe<IllegalStateException>("set inside write (not reentrant)") { guarded.set(Cell(Epoch(), -1, -1)) }
                }
                check(c, "write after a misuse probe")
            } finally {
                monitor.exitWrite()
            }
        }
    }

    /** Every write-side call inside read is an upgrade: fails fast and changes nothing. */
    private fun threadMisuseInRead(worker: Worker, random: SplittableRandom) {
        worker.phase = "misuse inside read"
        val which = random.nextInt(3)
        guarded.read { c ->
            monitor.enterRead()
            try {
                when (which) {
                    0 -> tally.probe<IllegalStateException>("write inside read (upgrade)") { guarded.write { } }
                    1 -> tally.probe<IllegalStateException>("update inside read (upgrade)") { guarded.update { Cell(it.epoch, -1, -1) } }
                    else -> tally.probe<IllegalStateException>("set inside read (upgrade)") { guarded.set(Cell(Epoch(), -1, -1)) }
                }
                check(c, "read after a misuse probe")
            } finally {
                monitor.exitRead()
            }
        }
    }

    // ================================================================== coroutines

    override suspend fun coroutineStep(worker: Worker, random: SplittableRandom) {
        val pause = random.nextInt(4) == 0
        val roll = random.nextInt(100)
        val which = random.nextInt(12)
        if (random.nextInt(4) == 0) {
            val micros = 1L + random.nextInt(500)
            val done = withTimeoutOrNull(micros.microseconds) {
                coroutineOperation(worker, roll, which, pause)
                true
            }
            if (done == null) tally.fault(Fault.ACQUIRE_TIMEOUT)
        } else {
            coroutineOperation(worker, roll, which, pause)
        }
        worker.phase = "idle"
    }

    /**
     * One operation of a coroutine. The count of committed increments is taken right after the
     * call returns, with no suspension point in between, so a cancellation or a timeout either
     * happened before the increment (the call throws, nothing changed) or not at all.
     */
    private suspend fun coroutineOperation(worker: Worker, roll: Int, which: Int, pause: Boolean) {
        when {
            roll < 30 -> {
                worker.phase = "GuardedMutex.read"
                twin.read { c -> coroutineReadSection(c, pause, registered = true) }
            }
            roll < 50 -> {
                worker.phase = "GuardedMutex.write"
                twin.write { c -> coroutineWriteSection(c, pause) }
                committed(worker, 1)
            }
            roll < 70 -> {
                worker.phase = "GuardedMutex.update"
                val fail = which == 0
                var made: Cell? = null
                try {
                    val returned = twin.update { c -> coroutineUpdateSection(c, pause, fail, registered = true).also { made = it } }
                    tally.expect(returned === made) { "GuardedMutex.update returned another value than its block made" }
                    tally.expect(!fail) { "GuardedMutex.update returned normally, its block threw" }
                    committed(worker, 1)
                } catch (e: PlantedFailure) {
                    failures.increment()
                    tally.expect(fail) { "GuardedMutex.update threw a planted failure that its block did not throw" }
                }
            }
            roll < 72 -> {
                worker.phase = "GuardedMutex.set"
                val epoch = Epoch()
                try {
                    twin.set(Cell(epoch, 0, 0))
                } catch (e: CancellationException) {
                    epoch.abandoned = true
                    throw e
                }
                epochs.add(epoch)
                sets.increment()
            }
            roll < 80 -> {
                worker.phase = "GuardedMutex.read"
                twin.read { c -> coroutineReadSection(c, pause, registered = true) }
            }
            roll < 95 -> if (reentrant) coroutineNested(worker, which, pause) else coroutineMisuseInWrite(worker, which)
            else -> coroutineMisuseInRead(worker, which)
        }
    }

    private suspend fun coroutineReadSection(c: Cell, pause: Boolean, registered: Boolean) {
        if (registered) monitor.enterRead()
        try {
            check(c, "GuardedMutex.read")
            val seen = c.count
            if (pause) yield() // a cancellation may land here: nothing half-done
            tally.expect(c.count == seen) { "the value changed under a coroutine's read hold: $seen -> ${c.count}" }
            check(c, "GuardedMutex.read after a pause")
        } finally {
            if (registered) monitor.exitRead()
        }
    }

    /**
     * In-place write by a coroutine. A cancellation may land at the pause before the first field
     * changes; from there to the end the section does not give way to cancellation (NonCancellable),
     * so the cell is never left torn by a cancelled writer, yet it still suspends between the two
     * fields half the time.
     */
    private suspend fun coroutineWriteSection(c: Cell, pause: Boolean) {
        monitor.enterWrite()
        try {
            check(c, "GuardedMutex.write")
            if (pause) {
                yield()
                withContext(NonCancellable) {
                    c.count++
                    yield()
                    c.mirror++
                    c.epoch.increments.incrementAndGet()
                }
            } else {
                c.count++
                c.mirror++
                c.epoch.increments.incrementAndGet()
            }
            monitor.checkWriterAlone()
        } finally {
            monitor.exitWrite()
        }
    }

    /** The block of a coroutine's `update`: may be cancelled at its pause (the value stays), may throw the planted failure. */
    private suspend fun coroutineUpdateSection(c: Cell, pause: Boolean, fail: Boolean, registered: Boolean): Cell {
        if (registered) monitor.enterWrite()
        try {
            check(c, "GuardedMutex.update")
            if (pause) yield()
            if (fail) throw PlantedFailure()
            val next = Cell(c.epoch, c.count + 1, c.mirror + 1)
            c.epoch.increments.incrementAndGet() // no suspension from here to the store
            monitor.checkWriterAlone()
            return next
        } finally {
            if (registered) monitor.exitWrite()
        }
    }

    /**
     * Reentrant writer: read, (set), update nested in one write scope, then an in-place increment
     * of the stored value; nothing suspends after the nested update returns.
     */
    private suspend fun coroutineNested(worker: Worker, which: Int, pause: Boolean) {
        worker.phase = "GuardedMutex: nested calls inside write"
        val withSet = which < 3
        twin.write { outer ->
            monitor.enterWrite()
            try {
                check(outer, "GuardedMutex.write (outer)")
                twin.read { c ->
                    tally.expect(c === outer) { "a GuardedMutex.read nested in write saw another value" }
                    coroutineReadSection(c, pause, registered = false)
                }
                if (withSet) {
                    val epoch = Epoch()
                    try {
                        twin.set(Cell(epoch, 0, 0))
                    } catch (e: CancellationException) {
                        epoch.abandoned = true
                        throw e
                    }
                    epochs.add(epoch) // at once: a cancellation of the nested update below must not lose it
                    sets.increment()
                }
                val next = twin.update { c ->
                    tally.expect(withSet || c === outer) { "a GuardedMutex.update nested in write saw another value" }
                    coroutineUpdateSection(c, pause = false, fail = false, registered = false)
                }
                check(next, "GuardedMutex.write after a nested update")
                next.count++
                next.mirror++
                next.epoch.increments.incrementAndGet()
            } finally {
                monitor.exitWrite()
            }
        }
        committed(worker, 2)
    }

    private suspend fun coroutineMisuseInWrite(worker: Worker, which: Int) {
        worker.phase = "GuardedMutex: misuse inside write"
        twin.write { c ->
            monitor.enterWrite()
            try {
                check(c, "GuardedMutex.write (misuse probe)")
                when (which % 4) {
                    0 -> tally.probe<IllegalStateException>("GuardedMutex.read inside write (not reentrant)") { twin.read { } }
                    1 -> tally.probe<IllegalStateException>("GuardedMutex.write inside write (not reentrant)") { twin.write { } }
                    2 -> tally.probe<IllegalStateException>("GuardedMutex.update inside write (not reentrant)") { twin.update { Cell(it.epoch, -1, -1) } }
                    else -> tally.probe<IllegalStateException>("GuardedMutex.set inside write (not reentrant)") { twin.set(Cell(Epoch(), -1, -1)) }
                }
                check(c, "GuardedMutex.write after a misuse probe")
            } finally {
                monitor.exitWrite()
            }
        }
    }

    private suspend fun coroutineMisuseInRead(worker: Worker, which: Int) {
        worker.phase = "GuardedMutex: misuse inside read"
        twin.read { c ->
            monitor.enterRead()
            try {
                when (which % 3) {
                    0 -> tally.probe<IllegalStateException>("GuardedMutex.write inside read (upgrade)") { twin.write { } }
                    1 -> tally.probe<IllegalStateException>("GuardedMutex.update inside read (upgrade)") { twin.update { Cell(it.epoch, -1, -1) } }
                    else -> tally.probe<IllegalStateException>("GuardedMutex.set inside read (upgrade)") { twin.set(Cell(Epoch(), -1, -1)) }
                }
                check(c, "GuardedMutex.read after a misuse probe")
            } finally {
                monitor.exitRead()
            }
        }
    }

    // ================================================================== end

    override fun drain() {}

    override fun finish(tally: Tally) {
        tally.expect(monitor.isEmpty) { "at the end: $monitor" }
        tally.expect(!lock.isWriteLocked && lock.readLockCount == 0 && lock.queueLength == 0 && !lock.hasQueuedThreads()) {
            "at the end the lock is not free: $lock"
        }
        val snapshot = twin.mutex.snapshot()
        tally.expect(!snapshot.isWriteLocked && snapshot.coroutineReadHolds == 0 && snapshot.threadReadHolds == 0 && snapshot.queuedCoroutines == 0) {
            "at the end the mutex is not free: $snapshot"
        }
        tally.expect(guarded.asGuardedMutex() === twin) { "asGuardedMutex() returned another object" }

        val last = guarded.read { c ->
            check(c, "the final read")
            c
        }
        val reported = committed.values.sumOf { it.sum() }
        val counted = epochs.sumOf { it.increments.get() }
        tally.expect(reported == counted) {
            "lost or phantom updates: the workers' calls reported $reported increments, the epochs counted $counted"
        }
        tally.expect(epochs.any { it === last.epoch }) { "the final value belongs to no set that returned" }

        // The value still works, from both faces.
        val afterThread = guarded.update { c -> Cell(c.epoch, c.count + 1, c.mirror + 1).also { c.epoch.increments.incrementAndGet() } }
        tally.expect(afterThread.count == last.count + 1) { "after the run update() did not apply: ${afterThread.count}" }
        runBlocking {
            withTimeout(10.seconds) {
                twin.write { c -> coroutineWriteSection(c, pause = false) }
                twin.read { c -> check(c, "the last coroutine read") }
            }
        }
        tally.expect(!lock.isWriteLocked && lock.readLockCount == 0 && lock.queueLength == 0) { "after the final use: $lock" }
        tally.note(
            "$name: $reported increments reported by ${committed.size} workers, $counted counted, ${sets.sum()} sets, " +
                "${failures.sum()} planted block failures, final value ${last.count} in its epoch",
        )
    }

    override fun describe(): String = "$guarded; ${twin.mutex.snapshot()}; monitor: $monitor"

    /** A failure planted in an update's block: it must reach the caller, release the hold and leave the value. */
    private class PlantedFailure : RuntimeException("a planted failure in an update block", null, false, false)

    companion object {
        fun nameOf(reentrant: Boolean): String =
            if (reentrant) "Guarded+GuardedMutex FAIR, reentrant writer" else "Guarded+GuardedMutex (Guarded.of default)"
    }
}
