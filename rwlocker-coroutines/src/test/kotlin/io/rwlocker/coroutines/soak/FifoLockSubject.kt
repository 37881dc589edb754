package io.rwlocker.coroutines.soak

import io.rwlocker.FifoLock
import io.rwlocker.Guard
import io.rwlocker.Mode
import io.rwlocker.Modes
import io.rwlocker.coroutines.withMode
import java.time.Duration
import java.util.SplittableRandom
import java.util.concurrent.atomic.AtomicInteger
import java.util.concurrent.atomic.AtomicLong
import kotlin.time.Duration.Companion.microseconds
import kotlinx.coroutines.withTimeoutOrNull
import kotlinx.coroutines.yield

/**
 * One [FifoLock] shared by threads (`acquire`, `acquireInterruptibly`, `tryAcquire`, timed
 * `tryAcquire` with tiny, zero and negative timeouts) and coroutines (`withMode`, also inside
 * `withTimeoutOrNull`), in four modes at once: `Modes.read()`, `Modes.write()`, `Modes.mutex()`
 * and one `Modes.semaphore(3)` pool.
 *
 * Invariants checked while running: [ExclusionMonitor] for read, write and mutex (a mutex holder
 * registers as a writer); the pool never has more than 3 holders inside and never overlaps a
 * mutex holder; a plain counter written only under write or mutex never changes under a read hold
 * and never loses an update; every granted guard's `close()` works, a second `close()` does
 * nothing (holds are owner-less, released once). Misuse probes: a `null` mode, a mode that throws
 * (its requester gets that exception, whoever evaluated it, and the lock goes on), and a holder's
 * second request, which must not be granted at once (no reentrancy).
 *
 * At the end ([finish]): nobody inside, no hold in any mode, nothing queued, and the lock still
 * grants.
 */
internal class FifoLockSubject(private val tally: Tally) : SoakSubject {
    override val name: String = "FifoLock read/write/mutex/semaphore(3)"

    private val lock = FifoLock()
    private val read = Modes.read()
    private val write = Modes.write()
    private val mutex = Modes.mutex()
    private val pool: Mode = Modes.semaphore(PERMITS)
    private val modes = listOf(read, write, mutex, pool)
    private val monitor = ExclusionMonitor(false, tally)
    private val poolInside = AtomicInteger()
    private val mutexInside = AtomicInteger()
    private val boom = IllegalStateException("a mode that throws (a misuse probe)")
    private val throwing = Mode { throw boom }

    /** Written only under write or mutex: a plain field, so that broken exclusion loses updates. */
    private var plainWrites = 0L
    private val writes = AtomicLong()

    // ================================================================== threads

    override fun threadStep(worker: Worker, random: SplittableRandom) {
        if (random.nextInt(100) < 6) {
            misuse(worker, random)
            return
        }
        val mode = pickMode(random)
        worker.phase = "acquiring $mode"
        val guard = try {
            when (random.nextInt(5)) {
                0 -> lock.acquire(mode)
                1 -> lock.acquireInterruptibly(mode)
                2 -> lock.tryAcquire(mode)
                else -> timedTry(mode, random)
            }
        } catch (e: InterruptedException) {
            tally.interruptSeen()
            null
        } ?: return
        worker.phase = "inside $mode"
        try {
            section(mode, random.nextInt(8) == 0)
        } finally {
            guard.close()
            if (random.nextInt(8) == 0) guard.close() // owner-less, released once: a no-op
        }
    }

    private fun timedTry(mode: Mode, random: SplittableRandom): Guard? {
        val micros = tinyMicros(random)
        val guard = lock.tryAcquire(mode, Duration.ofNanos(micros * 1_000L))
        if (guard == null && micros > 0) tally.fault(Fault.ACQUIRE_TIMEOUT)
        return guard
    }

    private fun pickMode(random: SplittableRandom): Mode = when (random.nextInt(10)) {
        in 0..4 -> read
        in 5..7 -> write
        8 -> pool
        else -> mutex
    }

    /** The critical section of [mode]: register, check, (yield), check, unregister. */
    private fun section(mode: Mode, pause: Boolean) {
        enter(mode)
        try {
            val seen = plainWrites
            if (mode === write || mode === mutex) {
                plainWrites++
                writes.incrementAndGet()
            }
            if (pause) Thread.yield()
            if (mode === read) tally.expect(plainWrites == seen) { "data written under a read hold: $seen -> $plainWrites" }
        } finally {
            leave(mode)
        }
    }

    private fun enter(mode: Mode) {
        when (mode) {
            read -> monitor.enterRead()
            write -> monitor.enterWrite()
            mutex -> {
                mutexInside.incrementAndGet()
                monitor.enterWrite()
                val inPool = poolInside.get()
                tally.expect(inPool == 0) { "a mutex holder entered beside $inPool pool holder(s)" }
            }
            else -> {
                val inside = poolInside.incrementAndGet()
                tally.expect(inside <= PERMITS) { "$inside holders inside a semaphore($PERMITS) pool" }
                val mutexes = mutexInside.get()
                tally.expect(mutexes == 0) { "a pool holder entered beside $mutexes mutex holder(s)" }
            }
        }
    }

    private fun leave(mode: Mode) {
        when (mode) {
            read -> monitor.exitRead()
            write -> monitor.exitWrite()
            mutex -> {
                monitor.exitWrite()
                mutexInside.decrementAndGet()
            }
            else -> poolInside.decrementAndGet()
        }
    }

    private fun misuse(worker: Worker, random: SplittableRandom) {
        worker.phase = "misuse"
        when (random.nextInt(3)) {
            0 -> tally.probe<NullPointerException>("acquire(null)") { lock.acquire(null) }
            1 -> {
                // Evaluated by this thread, or (if it had to wait in line) by a releasing thread when
                // it reaches the head: either way this request fails with the mode's exception.
                worker.phase = "misuse: acquire(a mode that throws)"
                tally.fault(Fault.MISUSE)
                val thrown = runCatching { lock.acquire(throwing).close() }.exceptionOrNull()
                tally.expect(thrown === boom) { "acquire(a mode that throws) ended with ${thrown?.describe()}, expected the mode's exception" }
            }
            else -> {
                val held = lock.tryAcquire(write) ?: return
                try {
                    enter(write)
                    tally.fault(Fault.MISUSE)
                    val again = lock.tryAcquire(write)
                    if (again != null) {
                        again.close()
                        tally.violation("a holder of write() was granted write() again at once")
                    }
                    leave(write)
                } finally {
                    held.close()
                }
            }
        }
    }

    // ================================================================== coroutines

    override suspend fun coroutineStep(worker: Worker, random: SplittableRandom) {
        val mode = pickMode(random)
        val pause = random.nextInt(4) == 0
        worker.phase = "withMode($mode)"
        if (random.nextInt(3) == 0) {
            val micros = 1L + random.nextInt(500)
            val done = withTimeoutOrNull(micros.microseconds) { lock.withMode(mode) { coSection(mode, pause) } }
            if (done == null) tally.fault(Fault.ACQUIRE_TIMEOUT)
        } else {
            lock.withMode(mode) { coSection(mode, pause) }
        }
        worker.phase = "idle"
    }

    private suspend fun coSection(mode: Mode, pause: Boolean) {
        enter(mode)
        try {
            val seen = plainWrites
            if (mode === write || mode === mutex) {
                plainWrites++
                writes.incrementAndGet()
            }
            if (pause) yield() // a cancellation may land here: the hold is released by withMode
            if (mode === read) tally.expect(plainWrites == seen) { "data written under a read hold: $seen -> $plainWrites" }
        } finally {
            leave(mode)
        }
    }

    // ================================================================== end

    override fun drain() {}

    override fun finish(tally: Tally) {
        tally.expect(monitor.isEmpty && poolInside.get() == 0 && mutexInside.get() == 0) { "at the end: $monitor, pool ${poolInside.get()}, mutex ${mutexInside.get()}" }
        val holds = modes.map { lock.holds(it) }
        tally.expect(holds.all { it == 0 } && lock.queueLength() == 0) { "at the end the lock is not free: $lock (holds $holds)" }
        tally.expect(plainWrites == writes.get()) { "lost updates: ${writes.get()} write sections, the plain counter says $plainWrites" }
        val guard = lock.tryAcquire(mutex)
        tally.expect(guard != null) { "after the run tryAcquire(mutex) failed: $lock" }
        guard?.close()
        tally.note("FifoLock: ${writes.get()} write or mutex sections")
    }

    override fun describe(): String = "$lock; monitor: $monitor; pool ${poolInside.get()}, mutex ${mutexInside.get()}"

    private companion object {
        const val PERMITS = 3
    }
}
