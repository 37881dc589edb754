package io.rwlocker.coroutines.soak

import io.rwlocker.LockSide
import io.rwlocker.Policy
import io.rwlocker.RWLock
import io.rwlocker.coroutines.EngineCondition
import io.rwlocker.coroutines.EngineMutex
import io.rwlocker.coroutines.ReadWriteMutex
import io.rwlocker.coroutines.SuspendCondition
import io.rwlocker.coroutines.asReadWriteMutex
import io.rwlocker.coroutines.read
import io.rwlocker.coroutines.scopeOwner
import io.rwlocker.coroutines.write
import io.rwlocker.internal.WaitQueue
import java.util.Date
import java.util.SplittableRandom
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicLong
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.Job
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.withTimeoutOrNull
import kotlinx.coroutines.yield

/**
 * One [RWLock] (a policy, with or without a reentrant writer) shared by threads (its blocking
 * face) and coroutines (its suspending face, `asReadWriteMutex()`), under soak.
 *
 * Operations, chosen at random by every worker:
 *  - threads: read and write sections by every acquisition method (`lock`, `acquire`,
 *    `lockInterruptibly`, `acquireInterruptibly`, `tryLock`, `tryLock(t, u)` with tiny, zero and
 *    negative timeouts, and the RWLock's own `Lock` face), nested reads, reentrant nesting and
 *    the read-inside-write downgrade idiom, `downgrade()`, waits on the lock's [RWCondition]
 *    (`await(t, u)`, `awaitNanos`, `awaitUntil`, `await`, `awaitUninterruptibly`, `waitFor`, under
 *    the read or the write lock, with nested holds), `signal(n)` on both conditions, and misuse
 *    that must fail fast (upgrade, re-entry, foreign unlock, condition without the lock, a Guard
 *    closed twice);
 *  - coroutines: `read { }`/`write { }` scopes (nested, downgraded), the raw owner-less calls,
 *    `withTimeoutOrNull` around acquisitions and condition waits, waits on the mutex's
 *    [SuspendCondition] (`await`, `waitFor`), `signal(n)`/`signalAll()`, and misuse probes.
 *
 * Invariants checked while running: [ExclusionMonitor] on every section; a plain counter written
 * only under the write lock must not change under a read hold; hold counts after every
 * acquisition (a `true` holds exactly one more, a `false` or an exception holds nothing more);
 * a condition waiter returns with exactly the holds it had; every thread step and every
 * coroutine operation (also a cancelled one) ends holding nothing.
 *
 * At the end ([finish]): nobody inside, the lock free from both faces, both condition queues
 * empty, no lost update, and the signal accounting. Threads and coroutines wait on *different*
 * condition objects: an [RWCondition] belongs to the blocking face (its holds are per thread) and
 * a [SuspendCondition] to the suspending face (its holds are per coroutine scope); there is no
 * condition object that both faces can await. Threads signal both; coroutines can signal only
 * theirs. For the [RWCondition] the accounting is exact (DESIGN 4.3: a waiter whose timeout or
 * interrupt races a signal reports the signal): the sum of `signal(n)` results equals the number
 * of awaits that returned signalled. For the [SuspendCondition] a waiter cancelled after its
 * signal passes the signal on to the next waiter, which may not exist (DESIGN 5.1), so the check
 * is `sent - cancelled waits <= seen <= sent`.
 *
 * [plant] makes a deliberately broken variant for the harness's negative controls.
 */
internal class RWLockSubject(
    private val policy: Policy,
    private val reentrant: Boolean,
    private val tally: Tally,
    private val plant: Plant = Plant.NONE,
) : SoakSubject {
    /** A planted bug, for the negative controls. */
    enum class Plant {
        NONE,

        /** Write sections take the read lock: writers overlap readers and each other. */
        WRITERS_SHARE,

        /** Thread signals are counted once too often. */
        PHANTOM_SIGNAL,
    }

    override val name: String = nameOf(policy, reentrant) + if (plant != Plant.NONE) " [planted: $plant]" else ""

    private val lock: RWLock = RWLock.builder().policy(policy).reentrantWriter(reentrant).build()
    private val mutex: ReadWriteMutex = lock.asReadWriteMutex()
    private val face = mutex as EngineMutex
    private val threadCondition = lock.newCondition()
    private val coroutineCondition: SuspendCondition = mutex.newCondition()
    private val monitor = ExclusionMonitor(policy == Policy.EXCLUSIVE, tally)

    /** Written only under the write lock: a plain field, so that broken exclusion loses updates. */
    private var plainWrites = 0L
    private val writes = AtomicLong()

    private val threadSignals = AtomicLong()
    private val threadSeen = AtomicLong()
    private val coroutineSignals = AtomicLong()
    private val coroutineSeen = AtomicLong()
    private val coroutineWaitsCancelled = AtomicLong()

    // ================================================================== threads

    override fun threadStep(worker: Worker, random: SplittableRandom) {
        when (random.nextInt(100)) {
            in 0 until 20 -> readSection(worker, random)
            in 20 until 40 -> writeSection(worker, random)
            in 40 until 50 -> timedTry(worker, random)
            in 50 until 56 -> downgrade(worker, random)
            in 56 until 74 -> conditionWait(worker, random)
            in 74 until 94 -> signal(worker, random)
            else -> misuse(worker, random)
        }
        worker.phase = "idle"
        val reads = lock.read().holdCount
        val writes = lock.write().holdCount
        tally.expect(reads == 0 && writes == 0) { "${worker.name} ended a step holding $reads read and $writes write hold(s)" }
    }

    /** Acquires [side] by a random method; true if it now holds one more. */
    private fun acquire(side: LockSide, random: SplittableRandom): Boolean {
        val before = side.holdCount
        val acquired = try {
            when (random.nextInt(7)) {
                0 -> {
                    if (side === lock.write() && random.nextBoolean()) lock.lock() else side.lock()
                    true
                }
                1 -> {
                    side.acquire()
                    true
                }
                2 -> {
                    side.lockInterruptibly()
                    true
                }
                3 -> {
                    side.acquireInterruptibly()
                    true
                }
                4 -> side.tryLock()
                else -> timedTryLock(side, random)
            }
        } catch (e: InterruptedException) {
            tally.interruptSeen()
            false
        }
        val after = side.holdCount
        tally.expect(after == before + if (acquired) 1 else 0) {
            "$side: an acquisition returned $acquired but the hold count went $before -> $after"
        }
        return acquired
    }

    private fun timedTryLock(side: LockSide, random: SplittableRandom): Boolean {
        val time = tinyTime(random)
        val unit = if (time == 1L && random.nextBoolean()) TimeUnit.MILLISECONDS else TimeUnit.MICROSECONDS
        val acquired = side.tryLock(time, unit)
        if (!acquired && time > 0) tally.fault(Fault.ACQUIRE_TIMEOUT)
        return acquired
    }

    /** A tiny timeout in microseconds (or 1 ms when the caller picks milliseconds), zero or negative. */
    private fun tinyTime(random: SplittableRandom): Long = tinyMicros(random)

    private fun enter(asWriter: Boolean) = if (asWriter) monitor.enterWrite() else monitor.enterRead()

    private fun leave(asWriter: Boolean) = if (asWriter) monitor.exitWrite() else monitor.exitRead()

    private fun readSection(worker: Worker, random: SplittableRandom) {
        worker.phase = "read: acquiring"
        val read = lock.read()
        if (!acquire(read, random)) return
        worker.phase = "read: inside"
        try {
            monitor.enterRead()
            try {
                val seen = plainWrites
                if (random.nextInt(4) == 0) {
                    read.lock() // recursion never waits, not even behind a queued writer
                    tally.expect(read.holdCount == 2) { "nested read: hold count ${read.holdCount}, expected 2" }
                    read.unlock()
                }
                if (random.nextInt(8) == 0) Thread.yield()
                tally.expect(plainWrites == seen) { "data written under a read hold: $seen -> $plainWrites" }
            } finally {
                monitor.exitRead()
            }
        } finally {
            read.unlock()
        }
    }

    private fun writeSection(worker: Worker, random: SplittableRandom) {
        worker.phase = "write: acquiring"
        val write = lock.write()
        if (plant == Plant.WRITERS_SHARE) {
            if (!acquire(lock.read(), random)) return
            monitor.enterWrite()
            plainWrites++
            writes.incrementAndGet()
            Thread.yield()
            monitor.exitWrite()
            lock.read().unlock()
            return
        }
        if (!acquire(write, random)) return
        worker.phase = "write: inside"
        var writing = true
        var reading = false
        try {
            monitor.enterWrite()
            tally.expect(lock.isWriteLockedByCurrentThread) { "write acquired, but isWriteLockedByCurrentThread is false" }
            plainWrites++
            writes.incrementAndGet()
            if (reentrant) {
                when (random.nextInt(4)) {
                    0 -> {
                        write.lock()
                        tally.expect(write.holdCount == 2) { "nested write: hold count ${write.holdCount}, expected 2" }
                        plainWrites++
                        writes.incrementAndGet()
                        write.unlock()
                    }
                    1 -> {
                        lock.read().lock()
                        tally.expect(lock.read().holdCount == 1) { "read inside write: read hold count ${lock.read().holdCount}" }
                        if (random.nextBoolean()) {
                            lock.read().unlock()
                        } else {
                            // Release the write first: the thread stays a reader (ReentrantReadWriteLock's idiom).
                            monitor.writeToRead()
                            writing = false
                            reading = true
                            write.unlock()
                            tally.expect(!lock.isWriteLockedByCurrentThread && lock.read().holdCount == 1) {
                                "after releasing the write under a read: ${lock.read().holdCount} read, write owned = ${lock.isWriteLockedByCurrentThread}"
                            }
                        }
                    }
                    else -> {}
                }
            }
            if (writing && random.nextInt(8) == 0) {
                Thread.yield()
                monitor.checkWriterAlone()
            }
        } finally {
            if (writing) {
                monitor.exitWrite()
                write.unlock()
            }
            if (reading) {
                monitor.exitRead()
                lock.read().unlock()
            }
        }
    }

    /** Every `true` of a timed try really holds, every `false` (or interrupt) holds nothing. */
    private fun timedTry(worker: Worker, random: SplittableRandom) {
        worker.phase = "timed try"
        val asWriter = random.nextBoolean()
        val side = if (asWriter) lock.write() else lock.read()
        val acquired = try {
            timedTryLock(side, random)
        } catch (e: InterruptedException) {
            tally.interruptSeen()
            false
        }
        val reads = lock.read().holdCount
        val writes = lock.write().holdCount
        if (!acquired) {
            tally.expect(reads == 0 && writes == 0) { "a timed tryLock returned false, but the thread holds $reads read / $writes write" }
            return
        }
        val expected = if (asWriter) writes == 1 && reads == 0 && lock.isWriteLockedByCurrentThread else reads == 1 && writes == 0
        tally.expect(expected) { "a timed tryLock of $side returned true, but the thread holds $reads read / $writes write" }
        enter(asWriter)
        if (asWriter) {
            plainWrites++
            this.writes.incrementAndGet()
        }
        leave(asWriter)
        side.unlock()
    }

    private fun downgrade(worker: Worker, random: SplittableRandom) {
        worker.phase = "downgrade: acquiring"
        val write = lock.write()
        val read = lock.read()
        if (!acquire(write, random)) return
        monitor.enterWrite()
        plainWrites++
        writes.incrementAndGet()
        if (reentrant && random.nextBoolean()) {
            write.lock()
            tally.probe<IllegalStateException>("downgrade() of a nested write hold") { write.downgrade() }
            tally.expect(write.holdCount == 2 && read.holdCount == 0) { "a failed downgrade changed the holds: ${write.holdCount} write, ${read.holdCount} read" }
            write.unlock()
        }
        monitor.writeToRead()
        write.downgrade()
        worker.phase = "downgrade: reading"
        tally.expect(read.holdCount == 1 && write.holdCount == 0 && !lock.isWriteLockedByCurrentThread) {
            "after downgrade(): ${read.holdCount} read, ${write.holdCount} write hold(s)"
        }
        val seen = plainWrites
        if (random.nextInt(4) == 0) Thread.yield()
        tally.expect(plainWrites == seen) { "data written under a downgraded read: $seen -> $plainWrites" }
        monitor.exitRead()
        read.unlock()
    }

    private fun conditionWait(worker: Worker, random: SplittableRandom) {
        worker.phase = "condition: acquiring"
        val asWriter = random.nextBoolean()
        val side = if (asWriter) lock.write() else lock.read()
        if (!acquire(side, random)) return
        var extraRead = false
        var extraWrite = false
        if (random.nextInt(3) == 0) {
            if (!asWriter) {
                lock.read().lock()
                extraRead = true
            } else if (reentrant) {
                if (random.nextBoolean()) {
                    lock.write().lock()
                    extraWrite = true
                } else {
                    lock.read().lock()
                    extraRead = true
                }
            }
        }
        val reads = lock.read().holdCount
        val writes = lock.write().holdCount
        enter(asWriter)
        leave(asWriter)
        worker.phase = "condition: waiting"
        var signalled = false
        try {
            signalled = awaitOnce(random)
        } catch (e: InterruptedException) {
            tally.interruptSeen()
        } finally {
            val r = lock.read().holdCount
            val w = lock.write().holdCount
            tally.expect(r == reads && w == writes) { "a condition waiter returned with $r read / $w write hold(s), expected $reads / $writes" }
            enter(asWriter)
        }
        if (signalled) threadSeen.incrementAndGet()
        worker.phase = "condition: releasing"
        leave(asWriter)
        if (extraWrite) lock.write().unlock()
        if (extraRead) lock.read().unlock()
        side.unlock()
    }

    /** One wait on the [RWCondition]; true if it returned signalled. */
    private fun awaitOnce(random: SplittableRandom): Boolean {
        val c = threadCondition
        return when (random.nextInt(16)) {
            in 0..4 -> {
                val time = tinyTime(random)
                c.await(time, TimeUnit.MICROSECONDS).also { if (!it && time > 0) tally.fault(Fault.CONDITION_TIMEOUT) }
            }
            in 5..8 -> {
                val nanos = tinyTime(random) * 1_000L
                (c.awaitNanos(nanos) > 0L).also { if (!it && nanos > 0) tally.fault(Fault.CONDITION_TIMEOUT) }
            }
            9, 10 -> c.awaitUntil(Date(System.currentTimeMillis() + 1 + random.nextInt(2))).also {
                if (!it) tally.fault(Fault.CONDITION_TIMEOUT)
            }
            11, 12 -> {
                c.await() // untimed: a signal, an interrupt, or the final drain ends it
                true
            }
            13, 14 -> {
                var evaluations = 0
                c.waitFor { evaluations++ >= 1 } // true after the first wake-up: exactly one signal
                evaluations == 2
            }
            else -> {
                c.awaitUninterruptibly()
                true
            }
        }
    }

    private fun signal(worker: Worker, random: SplittableRandom) {
        worker.phase = "signal: acquiring"
        val asWriter = random.nextBoolean()
        val side = if (asWriter) lock.write() else lock.read()
        if (!acquire(side, random)) return
        worker.phase = "signal"
        try {
            enter(asWriter)
            try {
                val n = signalCount(random)
                if (random.nextInt(3) < 2) {
                    val woken = threadCondition.signal(n)
                    tally.expect(woken in 0..maxOf(n, 0)) { "RWCondition.signal($n) returned $woken" }
                    threadSignals.addAndGet(woken.toLong() + if (plant == Plant.PHANTOM_SIGNAL) 1 else 0)
                } else {
                    // A thread may signal the coroutines' condition too (it checks that anyone holds).
                    val woken = if (n == Int.MAX_VALUE) coroutineCondition.signalAll() else coroutineCondition.signal(n)
                    tally.expect(woken in 0..maxOf(n, 0)) { "SuspendCondition.signal($n) returned $woken" }
                    coroutineSignals.addAndGet(woken.toLong())
                }
            } finally {
                leave(asWriter)
            }
        } finally {
            side.unlock()
        }
    }

    private fun signalCount(random: SplittableRandom): Int = when (random.nextInt(8)) {
        0 -> 0
        1 -> -1 - random.nextInt(1000)
        2 -> Int.MAX_VALUE
        3 -> 2
        4 -> 3
        else -> 1
    }

    private fun misuse(worker: Worker, random: SplittableRandom) {
        worker.phase = "misuse"
        val read = lock.read()
        val write = lock.write()
        when (random.nextInt(5)) {
            0 -> {
                read.lock()
                try {
                    tally.probe<IllegalStateException>("upgrade: write().lock()") { write.lock() }
                    tally.probe<IllegalStateException>("upgrade: write().lockInterruptibly()") { write.lockInterruptibly() }
                    tally.probe<IllegalStateException>("upgrade: write().tryLock(1 ms)") { write.tryLock(1, TimeUnit.MILLISECONDS) }
                    tally.fault(Fault.MISUSE)
                    tally.expect(!write.tryLock()) { "upgrade: write().tryLock() returned true" }
                    tally.expect(read.holdCount == 1 && write.holdCount == 0) { "failed upgrades changed the holds: ${read.holdCount} read, ${write.holdCount} write" }
                } finally {
                    read.unlock()
                }
            }
            1 -> {
                write.lock()
                monitor.enterWrite()
                try {
                    if (reentrant) {
                        write.acquire()
                        tally.expect(write.tryLock()) { "a reentrant writer's tryLock() returned false" }
                        tally.expect(write.holdCount == 3) { "reentrant write holds: ${write.holdCount}, expected 3" }
                        write.unlock()
                        write.unlock()
                    } else {
                        tally.probe<IllegalStateException>("non-reentrant re-entry: write().lock()") { write.lock() }
                        tally.probe<IllegalStateException>("non-reentrant re-entry: read().lock()") { read.lock() }
                        tally.probe<IllegalStateException>("non-reentrant re-entry: read().lockInterruptibly()") { read.lockInterruptibly() }
                        tally.fault(Fault.MISUSE)
                        tally.expect(!write.tryLock() && !read.tryLock()) { "non-reentrant re-entry: a tryLock() returned true" }
                    }
                    tally.expect(read.holdCount == 0 && write.holdCount == 1) { "after re-entry: ${read.holdCount} read, ${write.holdCount} write" }
                } finally {
                    monitor.exitWrite()
                    write.unlock()
                }
            }
            2 -> {
                tally.probe<IllegalMonitorStateException>("read().unlock() without a hold") { read.unlock() }
                tally.probe<IllegalMonitorStateException>("write().unlock() without a hold") { write.unlock() }
                tally.probe<IllegalMonitorStateException>("downgrade() without the write lock") { write.downgrade() }
            }
            3 -> {
                tally.probe<IllegalMonitorStateException>("RWCondition.await(t, u) without the lock") {
                    threadCondition.await(1, TimeUnit.MICROSECONDS)
                }
                tally.probe<IllegalMonitorStateException>("RWCondition.signal(1) without the lock") { threadCondition.signal(1) }
            }
            else -> {
                val guard = read.acquire()
                monitor.enterRead()
                monitor.exitRead()
                guard.close()
                tally.probe<IllegalMonitorStateException>("a read Guard closed twice") { guard.close() }
            }
        }
    }

    // ================================================================== coroutines

    override suspend fun coroutineStep(worker: Worker, random: SplittableRandom) {
        val owner = scopeOwner(currentCoroutineContext()[Job]) ?: error("no coroutine owner")
        try {
            when (random.nextInt(100)) {
                in 0 until 20 -> coRead(worker, random, owner)
                in 20 until 40 -> coWrite(worker, random, owner)
                in 40 until 50 -> coRaw(worker, random)
                in 50 until 58 -> coTimed(worker, random, owner)
                in 58 until 76 -> coConditionWait(worker, random, owner)
                in 76 until 94 -> coSignal(worker, random)
                else -> coMisuse(worker, random, owner)
            }
        } finally {
            // Also after a cancellation: the operation's owner holds nothing any more.
            val w = face.scopeWriteHolds(owner)
            val r = face.scopeReadHolds(owner)
            tally.expect(w == 0 && r == 0) { "${worker.name} ended an operation with $w write / $r read scope hold(s)" }
            worker.phase = "idle"
        }
    }

    private suspend fun coRead(worker: Worker, random: SplittableRandom, owner: Job) {
        worker.phase = "read { }: entering"
        mutex.read {
            worker.phase = "read { }: inside"
            monitor.enterRead()
            try {
                tally.expect(face.scopeReadHolds(owner) == 1) { "inside read { }: ${face.scopeReadHolds(owner)} scope read holds" }
                val seen = plainWrites
                if (random.nextInt(4) == 0) {
                    mutex.read { tally.expect(face.scopeReadHolds(owner) == 2) { "nested read { }: ${face.scopeReadHolds(owner)} holds" } }
                }
                if (random.nextInt(4) == 0) yield()
                tally.expect(plainWrites == seen) { "data written under a read { } scope: $seen -> $plainWrites" }
            } finally {
                monitor.exitRead()
            }
        }
    }

    private suspend fun coWrite(worker: Worker, random: SplittableRandom, owner: Job) {
        worker.phase = "write { }: entering"
        if (plant == Plant.WRITERS_SHARE) {
            mutex.read {
                monitor.enterWrite()
                try {
                    plainWrites++
                    writes.incrementAndGet()
                    yield()
                } finally {
                    monitor.exitWrite()
                }
            }
            return
        }
        mutex.write {
            worker.phase = "write { }: inside"
            monitor.enterWrite()
            var reader = false
            try {
                tally.expect(face.scopeWriteHolds(owner) == 1) { "inside write { }: ${face.scopeWriteHolds(owner)} write holds" }
                plainWrites++
                writes.incrementAndGet()
                when (random.nextInt(6)) {
                    0 -> if (reentrant) {
                        mutex.write {
                            tally.expect(face.scopeWriteHolds(owner) == 2) { "nested write { }: ${face.scopeWriteHolds(owner)} write holds" }
                            plainWrites++
                            writes.incrementAndGet()
                        }
                    } else {
                        tally.probe<IllegalStateException>("nested write { } without a reentrant writer") { mutex.write { } }
                    }
                    1 -> if (reentrant) {
                        mutex.read { tally.expect(face.scopeReadHolds(owner) == 1) { "read { } inside write { }: ${face.scopeReadHolds(owner)} read holds" } }
                    } else {
                        tally.probe<IllegalStateException>("read { } inside write { } without a reentrant writer") { mutex.read { } }
                    }
                    2 -> {
                        monitor.writeToRead()
                        reader = true
                        downgrade()
                        tally.expect(face.scopeReadHolds(owner) == 1 && face.scopeWriteHolds(owner) == 0) {
                            "after WriteScope.downgrade(): ${face.scopeWriteHolds(owner)} write / ${face.scopeReadHolds(owner)} read"
                        }
                        val seen = plainWrites
                        yield()
                        tally.expect(plainWrites == seen) { "data written under a downgraded scope: $seen -> $plainWrites" }
                    }
                    3 -> {
                        yield()
                        monitor.checkWriterAlone()
                    }
                    else -> {}
                }
            } finally {
                if (reader) monitor.exitRead() else monitor.exitWrite()
            }
        }
    }

    private suspend fun coRaw(worker: Worker, random: SplittableRandom) {
        worker.phase = "raw"
        when (random.nextInt(5)) {
            0 -> {
                mutex.lockRead()
                try {
                    monitor.enterRead()
                    try {
                        if (random.nextBoolean()) yield()
                    } finally {
                        monitor.exitRead()
                    }
                } finally {
                    mutex.unlockRead()
                }
            }
            1 -> {
                mutex.lockWrite()
                try {
                    rawWriteSection(random)
                } finally {
                    mutex.unlockWrite()
                }
            }
            2 -> if (mutex.tryLockRead()) {
                try {
                    monitor.enterRead()
                    monitor.exitRead()
                } finally {
                    mutex.unlockRead()
                }
            }
            3 -> if (mutex.tryLockWrite()) {
                try {
                    rawWriteSection(random)
                } finally {
                    mutex.unlockWrite()
                }
            }
            else -> {
                mutex.lockWrite()
                monitor.enterWrite()
                plainWrites++
                writes.incrementAndGet()
                monitor.writeToRead()
                mutex.downgrade()
                try {
                    val seen = plainWrites
                    if (random.nextBoolean()) yield()
                    tally.expect(plainWrites == seen) { "data written under a raw downgraded read: $seen -> $plainWrites" }
                } finally {
                    monitor.exitRead()
                    mutex.unlockRead()
                }
            }
        }
    }

    private suspend fun rawWriteSection(random: SplittableRandom) {
        monitor.enterWrite()
        try {
            tally.expect(mutex.isWriteLocked && lock.isWriteLocked) { "a raw write hold, but isWriteLocked is false" }
            plainWrites++
            writes.incrementAndGet()
            if (random.nextBoolean()) yield()
        } finally {
            monitor.exitWrite()
        }
    }

    /** A timed acquisition: a result means the block held exactly its hold; no result leaves nothing held. */
    private suspend fun coTimed(worker: Worker, random: SplittableRandom, owner: Job) {
        worker.phase = "withTimeout { scope }"
        val asWriter = random.nextBoolean()
        var entered = false
        val result = withTimeoutOrNull((1 + random.nextInt(3)).milliseconds) {
            if (asWriter) {
                mutex.write {
                    entered = true
                    monitor.enterWrite()
                    tally.expect(face.scopeWriteHolds(owner) == 1) { "a timed write { } got in with ${face.scopeWriteHolds(owner)} write holds" }
                    plainWrites++
                    writes.incrementAndGet()
                    monitor.exitWrite()
                }
            } else {
                mutex.read {
                    entered = true
                    monitor.enterRead()
                    tally.expect(face.scopeReadHolds(owner) == 1) { "a timed read { } got in with ${face.scopeReadHolds(owner)} read holds" }
                    monitor.exitRead()
                }
            }
            true
        }
        if (result == null) {
            tally.fault(Fault.ACQUIRE_TIMEOUT)
            val w = face.scopeWriteHolds(owner)
            val r = face.scopeReadHolds(owner)
            tally.expect(w == 0 && r == 0) { "withTimeoutOrNull { scope } returned null, but the coroutine holds $w write / $r read" }
        } else {
            tally.expect(entered) { "withTimeoutOrNull { scope } returned a result without entering the scope" }
        }
    }

    private suspend fun coConditionWait(worker: Worker, random: SplittableRandom, owner: Job) {
        worker.phase = "condition (coroutine): entering"
        val asWriter = random.nextBoolean()
        val nested = random.nextInt(3) == 0
        if (asWriter) {
            mutex.write {
                registered(true) {
                    when {
                        nested && reentrant && random.nextBoolean() -> mutex.write { coAwait(worker, random, owner, true) }
                        nested && reentrant -> mutex.read { coAwait(worker, random, owner, true) }
                        else -> coAwait(worker, random, owner, true)
                    }
                }
            }
        } else {
            mutex.read {
                registered(false) {
                    if (nested) mutex.read { coAwait(worker, random, owner, false) } else coAwait(worker, random, owner, false)
                }
            }
        }
    }

    private inline fun <T> registered(asWriter: Boolean, block: () -> T): T {
        enter(asWriter)
        try {
            return block()
        } finally {
            leave(asWriter)
        }
    }

    /** One wait on the [SuspendCondition] inside the caller's scopes (registered as [asWriter]). */
    private suspend fun coAwait(worker: Worker, random: SplittableRandom, owner: Job, asWriter: Boolean) {
        val writes = face.scopeWriteHolds(owner)
        val reads = face.scopeReadHolds(owner)
        leave(asWriter)
        worker.phase = "condition (coroutine): waiting"
        try {
            when (random.nextInt(3)) {
                0 -> {
                    coroutineCondition.await() // a signal, a cancellation, or the final drain ends it
                    coroutineSeen.incrementAndGet()
                }
                1 -> {
                    val result = withTimeoutOrNull((1 + random.nextInt(3)).milliseconds) { coroutineCondition.await() }
                    if (result == null) {
                        coroutineWaitsCancelled.incrementAndGet()
                        tally.fault(Fault.CONDITION_TIMEOUT)
                    } else {
                        coroutineSeen.incrementAndGet()
                    }
                }
                else -> {
                    var evaluations = 0
                    try {
                        coroutineCondition.waitFor { evaluations++ >= 1 } // true after the first wake-up
                    } finally {
                        coroutineSeen.addAndGet(maxOf(0, evaluations - 1).toLong())
                    }
                }
            }
        } catch (e: CancellationException) {
            coroutineWaitsCancelled.incrementAndGet()
            throw e
        } finally {
            val w = face.scopeWriteHolds(owner)
            val r = face.scopeReadHolds(owner)
            tally.expect(w == writes && r == reads) { "a SuspendCondition waiter came back with $w write / $r read, expected $writes / $reads" }
            enter(asWriter)
        }
    }

    private suspend fun coSignal(worker: Worker, random: SplittableRandom) {
        worker.phase = "signal (coroutine)"
        val n = signalCount(random)
        val signalNow = {
            val woken = if (n == Int.MAX_VALUE) coroutineCondition.signalAll() else coroutineCondition.signal(n)
            tally.expect(woken in 0..maxOf(n, 0)) { "SuspendCondition.signal($n) returned $woken" }
            coroutineSignals.addAndGet(woken.toLong())
        }
        if (random.nextBoolean()) {
            mutex.write { registered(true) { signalNow() } }
        } else {
            mutex.read { registered(false) { signalNow() } }
        }
    }

    private suspend fun coMisuse(worker: Worker, random: SplittableRandom, owner: Job) {
        worker.phase = "misuse (coroutine)"
        when (random.nextInt(4)) {
            0 -> mutex.read {
                registered(false) {
                    tally.probe<IllegalStateException>("write { } inside read { } (upgrade)") { mutex.write { } }
                    tally.expect(face.scopeReadHolds(owner) == 1 && face.scopeWriteHolds(owner) == 0) { "a failed upgrade changed the scope holds" }
                }
            }
            1 -> tally.probe<IllegalStateException>("SuspendCondition.await() outside a scope") { coroutineCondition.await() }
            2 -> mutex.write {
                monitor.enterWrite()
                monitor.writeToRead()
                downgrade()
                try {
                    tally.probe<IllegalStateException>("WriteScope.downgrade() twice") { downgrade() }
                } finally {
                    monitor.exitRead()
                }
            }
            else -> mutex.write {
                registered(true) {
                    if (reentrant) {
                        mutex.write { tally.expect(face.scopeWriteHolds(owner) == 2) { "nested write { }: ${face.scopeWriteHolds(owner)}" } }
                    } else {
                        tally.probe<IllegalStateException>("nested write { } without a reentrant writer") { mutex.write { } }
                    }
                }
            }
        }
    }

    // ================================================================== end of the run

    override fun drain() {
        val write = lock.write()
        if (!write.tryLock(5, TimeUnit.MILLISECONDS)) return
        try {
            monitor.enterWrite()
            threadSignals.addAndGet(threadCondition.signal(Int.MAX_VALUE).toLong())
            coroutineSignals.addAndGet(coroutineCondition.signalAll().toLong())
            monitor.exitWrite()
        } finally {
            write.unlock()
        }
    }

    override fun finish(tally: Tally) {
        tally.expect(monitor.isEmpty) { "at the end: $monitor" }
        tally.expect(!lock.isWriteLocked && lock.readLockCount == 0 && lock.queueLength == 0 && !lock.hasQueuedThreads()) {
            "at the end the lock is not free: $lock"
        }
        tally.expect(!mutex.isWriteLocked && mutex.readHolds == 0) { "at the end the mutex is not free: $mutex" }
        tally.expect(threadCondition.waitQueueLength == 0 && !threadCondition.hasWaiters()) { "at the end: $threadCondition" }
        tally.expect(waiters(coroutineCondition) == 0) { "at the end: $coroutineCondition" }
        tally.expect(plainWrites == writes.get()) { "lost updates: ${writes.get()} write sections, the plain counter says $plainWrites" }

        val sent = threadSignals.get()
        val seen = threadSeen.get()
        tally.expect(sent == seen) { "RWCondition: signal(n) returned $sent in total, but $seen awaits returned signalled" }
        val coSent = coroutineSignals.get()
        val coSeen = coroutineSeen.get()
        val coCancelled = coroutineWaitsCancelled.get()
        tally.expect(coSeen <= coSent && coSeen >= coSent - coCancelled) {
            "SuspendCondition: $coSent signals returned, $coSeen awaits returned signalled, $coCancelled waits cancelled"
        }
        tally.note("RWCondition (threads): signal(n) counted $sent, awaits that returned signalled $seen")
        tally.note("SuspendCondition (coroutines): signal(n) counted $coSent, awaits returned signalled $coSeen, waits cancelled or timed out $coCancelled")

        // The lock still works, from both faces.
        tally.expect(lock.write().tryLock()) { "after the run write().tryLock() failed: $lock" }
        lock.write().unlock()
        lock.read().lock()
        lock.read().unlock()
        runBlocking {
            withTimeout(10.seconds) {
                mutex.write { }
                mutex.read { }
            }
        }
        tally.expect(!lock.isWriteLocked && lock.readLockCount == 0 && lock.queueLength == 0) { "after the final use: $lock" }
    }

    override fun describe(): String = "$lock; $threadCondition; $coroutineCondition; monitor: $monitor"

    companion object {
        fun nameOf(policy: Policy, reentrant: Boolean): String =
            "RWLock $policy" + if (reentrant) ", reentrant writer" else ""

        /** Waiters queued on a [SuspendCondition] (its queue is private to the condition). */
        fun waiters(condition: SuspendCondition): Int {
            val field = EngineCondition::class.java.getDeclaredField("waiters").apply { isAccessible = true }
            return (field.get(condition) as WaitQueue).size()
        }
    }
}
