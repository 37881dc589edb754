package io.rwlocker.lincheck

import io.rwlocker.FifoLock
import io.rwlocker.Guard
import io.rwlocker.Mode
import io.rwlocker.Modes
import org.jetbrains.lincheck.datastructures.Operation
import org.jetbrains.lincheck.datastructures.Param
import org.jetbrains.lincheck.datastructures.ThreadIdGen
import org.jetbrains.lincheck.datastructures.Validate

/**
 * The hold table of a [FifoLock] under holds kept across operations, against [FifoHoldsModel]:
 * each thread takes holds of [Modes.read], [Modes.write] and a `semaphore(2)` with `tryAcquire`
 * (never waiting, so nothing is ever queued), keeps their guards, and releases its newest one
 * later; `holds(mode)` is compared with the model. This checks the per-mode
 * counts, the built-in modes' compatibility and the release of exactly one hold per guard.
 *
 * The guards are kept per thread (`tid`, [ThreadIdGen]): holds are owner-less, but a guard
 * handed between threads through a shared structure would be published after its acquisition,
 * which no sequential model can describe.
 */
abstract class FifoHolds {
    private val lock = FifoLock()
    private val read = Modes.read()
    private val write = Modes.write()
    private val pool = Modes.semaphore(2)
    private val guards = Array(MAX_THREADS) { ArrayDeque<Guard>() }

    private fun take(tid: Int, mode: Mode): Boolean {
        val guard = lock.tryAcquire(mode) ?: return false
        guards[tid].addLast(guard)
        return true
    }

    @Operation
    fun tryRead(@Param(gen = ThreadIdGen::class) tid: Int): Boolean = take(tid, read)

    @Operation
    fun tryWrite(@Param(gen = ThreadIdGen::class) tid: Int): Boolean = take(tid, write)

    @Operation
    fun tryPool(@Param(gen = ThreadIdGen::class) tid: Int): Boolean = take(tid, pool)

    /** Closes this thread's newest guard twice (the second close releases nothing); false if it has none. */
    @Operation
    fun release(@Param(gen = ThreadIdGen::class) tid: Int): Boolean {
        val guard = guards[tid].removeLastOrNull() ?: return false
        guard.close()
        guard.close()
        return true
    }

    /** `holds(read)` (one snapshot per operation: reading several modes is not atomic). */
    @Operation
    fun readHolds(): Int = lock.holds(read)

    @Operation
    fun writeHolds(): Int = lock.holds(write)

    @Operation
    fun poolHolds(): Int = lock.holds(pool)

    @Validate
    fun checkNoQueue() {
        check(lock.queueLength() == 0) { "a non-blocking operation left a queued request: $lock" }
    }

    private companion object {
        const val MAX_THREADS = 16
    }
}

/** Sequential model of [FifoHolds]: counts per mode and each thread's stack of modes. */
class FifoHoldsModel {
    private var reads = 0
    private var writes = 0
    private var pooled = 0
    private val stacks = Array(16) { ArrayDeque<Char>() }

    fun tryRead(tid: Int): Boolean = (writes == 0).also { if (it) { reads++; stacks[tid].addLast('r') } }

    fun tryWrite(tid: Int): Boolean = (reads == 0 && writes == 0).also { if (it) { writes++; stacks[tid].addLast('w') } }

    fun tryPool(tid: Int): Boolean = (pooled < 2).also { if (it) { pooled++; stacks[tid].addLast('p') } }

    fun release(tid: Int): Boolean {
        when (stacks[tid].removeLastOrNull() ?: return false) {
            'r' -> reads--
            'w' -> writes--
            else -> pooled--
        }
        return true
    }

    fun readHolds(): Int = reads
    fun writeHolds(): Int = writes
    fun poolHolds(): Int = pooled
}

/** The [FifoHolds] test class. */
class FifoHoldsTable : FifoHolds()
