package io.rwlocker.lincheck

import io.rwlocker.Policy
import io.rwlocker.RWLock
import org.jetbrains.lincheck.datastructures.Operation
import org.jetbrains.lincheck.datastructures.Param
import org.jetbrains.lincheck.datastructures.ThreadIdGen
import org.jetbrains.lincheck.datastructures.Validate
import java.util.concurrent.TimeUnit

/**
 * The lock's own state checked against a sequential model of holds per thread ([LockStateModel]):
 * operations keep their holds across operations, so a thread may end an operation holding read,
 * write, or both, and later unlock, downgrade or re-enter.
 *
 * Only non-blocking entry points are used (`tryLock()`, `tryLock(0, unit)`, `unlock`,
 * `downgrade`, introspection): an operation that could block would hang the run whenever another
 * thread's scenario ends holding the lock. Misuse results (`IllegalMonitorStateException` for an
 * unlock or downgrade without the hold, `IllegalStateException` for a nested downgrade and for
 * the fail-fast rows of DESIGN.md 4.2) are part of the results and must match the model.
 *
 * The `tid` parameter ([ThreadIdGen]) is the Lincheck thread number: the lock ignores it (it
 * keys holds by the real thread), the model uses it as the owner. The scenarios have no init or
 * post part, so each tid is exactly one real thread.
 */
abstract class LockState(config: LockConfig) {
    private val lock: RWLock = config.newLock()
    private val read = lock.read()
    private val write = lock.write()

    /** `read().tryLock()`. */
    @Operation
    fun tryRead(@Param(gen = ThreadIdGen::class) tid: Int): Boolean = read.tryLock()

    /** `write().tryLock()`. */
    @Operation
    fun tryWrite(@Param(gen = ThreadIdGen::class) tid: Int): Boolean = write.tryLock()

    /** `read().tryLock(0, SECONDS)`: one non-blocking attempt; a non-reentrant writer fails fast. */
    @Operation
    fun tryReadNow(@Param(gen = ThreadIdGen::class) tid: Int): Boolean = read.tryLock(0, TimeUnit.SECONDS)

    /** `write().tryLock(0, SECONDS)`: one non-blocking attempt; an upgrade or non-reentrant re-entry fails fast. */
    @Operation
    fun tryWriteNow(@Param(gen = ThreadIdGen::class) tid: Int): Boolean = write.tryLock(0, TimeUnit.SECONDS)

    /** `read().unlock()`. */
    @Operation
    fun unlockRead(@Param(gen = ThreadIdGen::class) tid: Int) = read.unlock()

    /** `write().unlock()`. */
    @Operation
    fun unlockWrite(@Param(gen = ThreadIdGen::class) tid: Int) = write.unlock()

    /** `write().downgrade()`. */
    @Operation
    fun downgrade(@Param(gen = ThreadIdGen::class) tid: Int) = write.downgrade()

    /** This thread's holds: `100 * read holds + write holds`, and whether the side reports it holds. */
    @Operation
    fun holds(@Param(gen = ThreadIdGen::class) tid: Int): Int {
        val r = read.holdCount
        val w = write.holdCount
        check(read.isHeldByCurrentThread == (r > 0) && write.isHeldByCurrentThread == (w > 0)) { "isHeldByCurrentThread disagrees with getHoldCount" }
        check(lock.isWriteLockedByCurrentThread == (w > 0)) { "isWriteLockedByCurrentThread disagrees" }
        return 100 * r + w
    }

    /*
     * No readLockCount() operation: getReadLockCount() sums the threads' per-lock records one by one
     * (threads on the biased path publish their holds there, not in one shared word), so it is a
     * monitoring snapshot, as the JDK documents its own getReadLockCount, and not linearizable: the
     * stress run observed a transient biased publish and holds that never coexisted. Acquisition,
     * release, per-thread holds and isWriteLocked stay in the model.
     */

    /** Whether anyone holds write. */
    @Operation
    fun isWriteLocked(): Boolean = lock.isWriteLocked

    /** Nobody ever waits here. */
    @Validate
    fun checkNoQueue() {
        check(lock.queueLength == 0 && !lock.hasQueuedThreads()) { "a non-blocking operation left a queued waiter: $lock" }
    }
}

/**
 * Sequential model of [LockState]: the holds of each thread (`tid`) and the rules of
 * DESIGN.md 4.1/4.2 for non-blocking acquisition, which are the same for every policy except
 * that EXCLUSIVE admits a newcomer reader only when nobody holds.
 */
abstract class LockStateModel(config: LockConfig) {
    private val exclusive = config.policy == Policy.EXCLUSIVE
    private val reentrant = config.reentrantWriter
    private val readHolds = IntArray(MAX_THREADS)
    private var writer = NONE
    private var writeHolds = 0

    private fun totalReads() = readHolds.sum()

    /** A newcomer (no hold) reader's single attempt. */
    private fun newcomerRead(tid: Int): Boolean {
        if (writer != NONE || (exclusive && totalReads() > 0)) return false
        readHolds[tid]++
        return true
    }

    fun tryRead(tid: Int): Boolean = when {
        writer == tid -> reentrant.also { if (it) readHolds[tid]++ }
        readHolds[tid] > 0 -> { readHolds[tid]++; true }
        else -> newcomerRead(tid)
    }

    fun tryWrite(tid: Int): Boolean = when {
        writer == tid -> reentrant.also { if (it) writeHolds++ }
        writer == NONE && totalReads() == 0 -> { writer = tid; writeHolds = 1; true }
        else -> false
    }

    fun tryReadNow(tid: Int): Boolean = when {
        writer == tid && !reentrant -> throw IllegalStateException("non-reentrant writer reads")
        else -> tryRead(tid)
    }

    fun tryWriteNow(tid: Int): Boolean = when {
        writer == tid -> if (reentrant) { writeHolds++; true } else throw IllegalStateException("non-reentrant re-entry")
        readHolds[tid] > 0 -> throw IllegalStateException("upgrade")
        else -> tryWrite(tid)
    }

    fun unlockRead(tid: Int) {
        if (readHolds[tid] == 0) throw IllegalMonitorStateException("not a reader")
        readHolds[tid]--
    }

    fun unlockWrite(tid: Int) {
        if (writer != tid) throw IllegalMonitorStateException("not the writer")
        if (--writeHolds == 0) writer = NONE
    }

    fun downgrade(tid: Int) {
        if (writer != tid) throw IllegalMonitorStateException("not the writer")
        if (writeHolds > 1) throw IllegalStateException("nested write holds")
        writer = NONE
        writeHolds = 0
        readHolds[tid]++
    }

    fun holds(tid: Int): Int = 100 * readHolds[tid] + if (writer == tid) writeHolds else 0

    fun readLockCount(): Int = totalReads()

    fun isWriteLocked(): Boolean = writer != NONE

    private companion object {
        const val NONE = -1
        const val MAX_THREADS = 16
    }
}

/** [LockState] and its [LockStateModel] in each [LockConfig]. */
object LockStates {
    class WriterPreferring : LockState(LockConfig.WRITER_PREFERRING)
    class WriterPreferringReentrant : LockState(LockConfig.WRITER_PREFERRING_REENTRANT)
    class ReaderPreferring : LockState(LockConfig.READER_PREFERRING)
    class ReaderPreferringReentrant : LockState(LockConfig.READER_PREFERRING_REENTRANT)
    class Fair : LockState(LockConfig.FAIR)
    class FairReentrant : LockState(LockConfig.FAIR_REENTRANT)
    class Exclusive : LockState(LockConfig.EXCLUSIVE)
    class ExclusiveReentrant : LockState(LockConfig.EXCLUSIVE_REENTRANT)

    class WriterPreferringModel : LockStateModel(LockConfig.WRITER_PREFERRING)
    class WriterPreferringReentrantModel : LockStateModel(LockConfig.WRITER_PREFERRING_REENTRANT)
    class ReaderPreferringModel : LockStateModel(LockConfig.READER_PREFERRING)
    class ReaderPreferringReentrantModel : LockStateModel(LockConfig.READER_PREFERRING_REENTRANT)
    class FairModel : LockStateModel(LockConfig.FAIR)
    class FairReentrantModel : LockStateModel(LockConfig.FAIR_REENTRANT)
    class ExclusiveModel : LockStateModel(LockConfig.EXCLUSIVE)
    class ExclusiveReentrantModel : LockStateModel(LockConfig.EXCLUSIVE_REENTRANT)

    /** The test class and the model class for [config]. */
    fun of(config: LockConfig): Pair<Class<out LockState>, Class<out LockStateModel>> = when (config) {
        LockConfig.WRITER_PREFERRING -> WriterPreferring::class.java to WriterPreferringModel::class.java
        LockConfig.WRITER_PREFERRING_REENTRANT -> WriterPreferringReentrant::class.java to WriterPreferringReentrantModel::class.java
        LockConfig.READER_PREFERRING -> ReaderPreferring::class.java to ReaderPreferringModel::class.java
        LockConfig.READER_PREFERRING_REENTRANT -> ReaderPreferringReentrant::class.java to ReaderPreferringReentrantModel::class.java
        LockConfig.FAIR -> Fair::class.java to FairModel::class.java
        LockConfig.FAIR_REENTRANT -> FairReentrant::class.java to FairReentrantModel::class.java
        LockConfig.EXCLUSIVE -> Exclusive::class.java to ExclusiveModel::class.java
        LockConfig.EXCLUSIVE_REENTRANT -> ExclusiveReentrant::class.java to ExclusiveReentrantModel::class.java
    }
}
