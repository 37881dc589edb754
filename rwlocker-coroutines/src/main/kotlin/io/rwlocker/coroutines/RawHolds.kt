package io.rwlocker.coroutines

import java.util.concurrent.atomic.AtomicInteger
import java.util.concurrent.atomic.AtomicLong

/*
 * Implementation notes
 *
 * The owner-less holds of a ReadWriteMutex's raw calls (lockRead/tryLockRead/unlockRead,
 * lockWrite/tryLockWrite/unlockWrite, downgrade). The holds themselves are in the engine's state
 * word; this records how many of them the raw calls may release, so that a release without a
 * matching acquisition fails with IllegalStateException instead of releasing someone else's hold.
 *
 * State:
 *   reads   AtomicLong: low 32 bits = raw read holds a release may spend; high 32 bits = raw read
 *           holds being published (PENDING_READ each)
 *   write   AtomicInteger: bit 0 = the raw write hold is held (HELD); the rest (PENDING_WRITE each)
 *           = raw write acquisitions being published
 *
 * Why "pending". An acquisition takes effect at the engine's CAS (its linearization point), and
 * only after that can it be recorded here. In between, another coroutine that has learned of the
 * hold (a failed tryLockRead shows a writer) could release it; finding nothing recorded, it
 * failed with IllegalStateException: not linearizable (the deep Lincheck run of the fair raw lock
 * found exactly that: tryLockRead() false, then downgrade() failing while lockWrite() was between
 * its CAS and the flag). So a fast acquisition announces itself first (pending + 1), then CASes
 * the engine, then turns its pending count into a hold (or just drops it) in one atomic add. A
 * release that finds no hold to spend but a pending one waits for it (spins, then yields): the
 * window is a few instructions of a running thread, never a suspension. kotlinx's Mutex.unlock
 * waits the same way for an owner being set.
 *
 * Not covered: a suspended lockRead/lockWrite is granted by the releasing thread and recorded here
 * when the coroutine resumes, a dispatch later. A release racing with that resumption, knowing of
 * the hold only by inference, fails with IllegalStateException instead of waiting: waiting could
 * block the very thread the resumption needs (a single-threaded dispatcher). A hand-off (the
 * acquirer tells the releaser, as any real owner-less use does) orders the two and never sees it.
 *
 * Linearization points: a hold becomes spendable at its publishing add; a release at its CAS here
 * (the engine release follows; only its winner makes it).
 */

/** The raw (owner-less) read and write holds of one [EngineMutex]. */
internal class RawHolds {
    private val reads = AtomicLong()
    private val write = AtomicInteger()

    /** Announces a fast read acquisition; call [endRead] right after the engine's attempt. */
    fun beginRead() {
        reads.addAndGet(PENDING_READ)
    }

    /** Ends an announced read acquisition: records the hold if [taken]. */
    fun endRead(taken: Boolean) {
        reads.addAndGet(if (taken) 1L - PENDING_READ else -PENDING_READ)
    }

    /** Records a read hold granted to a resumed lockRead (no announcement: see the notes). */
    fun addRead() {
        reads.incrementAndGet()
    }

    /** Spends one recorded read hold (waiting for a pending one); [IllegalStateException] if none. */
    fun spendRead() {
        var spins = 0
        while (true) {
            val s = reads.get()
            if (s and HOLDS_MASK != 0L) {
                if (reads.compareAndSet(s, s - 1)) return
            } else {
                check(s ushr 32 != 0L) { "unlockRead() without a read hold taken by lockRead/tryLockRead/downgrade" }
                awaitPendingHold(spins++)
            }
        }
    }

    /** Announces a fast write acquisition; call [endWrite] right after the engine's attempt. */
    fun beginWrite() {
        write.addAndGet(PENDING_WRITE)
    }

    /** Ends an announced write acquisition: records the hold if [taken]. */
    fun endWrite(taken: Boolean) {
        write.addAndGet(if (taken) HELD - PENDING_WRITE else -PENDING_WRITE)
    }

    /** Records the write hold granted to a resumed lockWrite. */
    fun addWrite() {
        write.incrementAndGet()
    }

    /**
     * Claims the recorded write hold for [call] (unlockWrite or downgrade; of racing calls exactly
     * one wins), waiting for a pending one; [IllegalStateException] if there is none.
     */
    fun claimWrite(call: String) {
        var spins = 0
        while (true) {
            val s = write.get()
            if (s and HELD != 0) {
                if (write.compareAndSet(s, s - HELD)) return
            } else {
                check(s ushr 1 != 0) { "$call without the write lock taken by lockWrite/tryLockWrite" }
                awaitPendingHold(spins++)
            }
        }
    }

    private companion object {
        const val PENDING_READ: Long = 1L shl 32
        const val HOLDS_MASK: Long = PENDING_READ - 1
        const val HELD: Int = 1
        const val PENDING_WRITE: Int = 2
    }
}

/**
 * One step of a release waiting for an acquisition that has taken its hold in the engine and is
 * about to record it (a few instructions of a running thread): spin, then yield.
 */
internal fun awaitPendingHold(spins: Int) {
    if (spins < 64) Thread.onSpinWait() else Thread.yield()
}
