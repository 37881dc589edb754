package io.rwlocker.coroutines.reliability

import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.rwlocker.Guard
import io.rwlocker.LockSide
import io.rwlocker.Policy
import io.rwlocker.RWLock
import io.rwlocker.coroutines.EngineMutex
import io.rwlocker.coroutines.ReadWriteMutex
import io.rwlocker.coroutines.SuspendCondition
import io.rwlocker.coroutines.WriteScope
import io.rwlocker.coroutines.read
import io.rwlocker.coroutines.soak.RWLockSubject
import io.rwlocker.coroutines.write
import io.rwlocker.internal.EngineAccess
import java.lang.reflect.InvocationTargetException
import java.time.Duration
import java.util.Date
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicBoolean
import java.util.concurrent.atomic.AtomicInteger
import kotlin.coroutines.Continuation
import kotlin.coroutines.EmptyCoroutineContext
import kotlin.coroutines.startCoroutine
import kotlin.time.Duration.Companion.milliseconds
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.TimeoutCancellationException
import kotlinx.coroutines.launch
import kotlinx.coroutines.withTimeout

/**
 * The bad-input matrix (issue 15): every public method of every public type of `io.rwlocker` and
 * `io.rwlocker.coroutines` on this branch, with `null`, zero, negative and huge arguments, from
 * the wrong thread or coroutine, and after misuse. Each row states the documented result
 * (DESIGN.md 4.2, 4.3, 5.1 and the javadoc/KDoc) and checks it; [BadInputSpec] runs every row as
 * a test on the configurations it names and then checks that the lock is free and still works.
 * The README's Reliability table is generated from these rows ([BadInputSpec] fails if it is
 * out of date).
 *
 * The rows of the primitives built beside `RWLock` live in one file each and are appended to
 * [rows]: [guardedRows] (`Guarded`, `GuardedMutex`; DESIGN.md 4.4, 5.1a), [fifoRows] (`FifoLock`,
 * `Modes`, `Holds`, `withMode`), [keyedRows] (`KeyedLocks`, `KeyedReadWriteMutex`), [priorityRows]
 * (`PriorityDispatcher`, 5.2) and [monitoringRows] (names, holders, owner, queued threads,
 * `snapshot()`, 4.5). Rows that make their own object check that object's state after the row
 * (holds, queue length, `size()`, queued and running tasks) and that it still works.
 *
 * Pure getters without arguments appear once per type (from a thread or coroutine that holds
 * nothing, while others hold and wait). `Policy.values()` and the suspend functions' Java
 * entry points other than those listed take no argument that can be bad.
 */
internal object BadInputTable {
    private const val UNTOUCHED = "state untouched"

    private val sides: List<(RWLock) -> LockSide> = listOf({ it.read() }, { it.write() })

    /**
     * Every row: those of `RWLock` and its faces here, then those of the primitives built beside it
     * (appended, so the numbers of the rows above stay as the README cites them).
     */
    val rows: List<BadInput> by lazy { lockRows + guardedRows + fifoRows + keyedRows + priorityRows + monitoringRows }

    private val lockRows: List<BadInput> = mutableListOf<BadInput>().apply {
        fun row(type: String, call: String, input: String, result: String, variants: List<Variant> = Variant.all, check: BadInputCase.() -> Unit) {
            add(BadInput(type, call, input, result, variants, check))
        }

        // ------------------------------------------------------------------ Policy, builder

        row("Policy", "`valueOf(name)`", "`null`", NPE, listOf(Variant.all.first())) {
            throws<NullPointerException> { Policy.valueOf(nullOf<String>()) }
        }
        row("Policy", "`valueOf(name)`", "a name that is not a policy (`\"FIFO\"`)", "`IllegalArgumentException`", listOf(Variant.all.first())) {
            throws<IllegalArgumentException> { Policy.valueOf("FIFO") }
        }
        row("RWLock.Builder", "`policy(policy)`", "`null`", "$NPE naming `policy`; the builder keeps its policy") {
            val builder = RWLock.builder().policy(variant.policy).reentrantWriter(variant.reentrant)
            throws<NullPointerException>("policy") { builder.policy(null) }
            val built = builder.build()
            built.policy() shouldBe variant.policy
            built.isReentrantWriter shouldBe variant.reentrant
        }

        // ------------------------------------------------------------------ RWLock as a Lock (the write side)

        row("RWLock", "`unlock()`", "the caller does not hold the write lock (lock free; another thread writes; the caller only reads)", "$IMSE, $UNTOUCHED") {
            untouched { throws<IllegalMonitorStateException> { lock.unlock() } }
            val writer = otherWriter()
            untouched { throws<IllegalMonitorStateException> { lock.unlock() } }
            writer.release()
            lock.read().lock()
            untouched { throws<IllegalMonitorStateException> { lock.unlock() } }
            lock.read().unlock()
        }
        row("RWLock", "`tryLock(time, unit)`", "`unit` = `null`", "$NPE naming `unit`; nothing taken") {
            untouched { throws<NullPointerException>("unit") { lock.tryLock(1, null) } }
        }
        row("RWLock", "`tryLock(time, unit)`", "`0`, `-1`, `Long.MIN_VALUE` while another thread writes", "`false` at once (one attempt, never \"wait forever\")") {
            val writer = otherWriter()
            for (time in listOf(0L, -1L, Long.MIN_VALUE)) untouched { lock.tryLock(time, TimeUnit.SECONDS) shouldBe false }
            writer.release()
        }
        row("RWLock", "`tryLock(time, unit)`", "`Long.MAX_VALUE` days while another thread writes", "waits (no overflow) and returns `true` when the writer leaves") {
            val writer = otherWriter()
            val waiter = background { lock.tryLock(Long.MAX_VALUE, TimeUnit.DAYS).also { if (it) lock.unlock() } }
            awaitQueued(1)
            writer.release()
            waiter.join() shouldBe true
        }
        row("RWLock", "`lockInterruptibly()`", "interrupt status set", "`InterruptedException`, status cleared, nothing queued or held") {
            Thread.currentThread().interrupt()
            untouched { throws<InterruptedException> { lock.lockInterruptibly() } }
            Thread.currentThread().isInterrupted shouldBe false
        }
        row(
            "RWLock",
            "`policy()`, `isReentrantWriter()`, `isWriteLocked()`, `isWriteLockedByCurrentThread()`, `getReadLockCount()`, `getQueueLength()`, `hasQueuedThreads()`, `read()`/`readLock()`, `write()`/`writeLock()`, `toString()`",
            "from a thread that holds nothing, while another thread writes and a third waits",
            "a true snapshot, no exception, nothing changed",
        ) {
            val writer = otherWriter()
            val waiter = background { lock.read().lock(); lock.read().unlock() }
            awaitQueued(1)
            untouched {
                lock.policy() shouldBe variant.policy
                lock.isReentrantWriter shouldBe variant.reentrant
                lock.isWriteLocked shouldBe true
                lock.isWriteLockedByCurrentThread shouldBe false
                lock.readLockCount shouldBe 0
                lock.queueLength shouldBe 1
                lock.hasQueuedThreads() shouldBe true
                (lock.read() === lock.readLock() && lock.write() === lock.writeLock()) shouldBe true
                lock.toString() shouldContain "queued = 1"
            }
            writer.release()
            waiter.join()
        }

        // ------------------------------------------------------------------ ReadLock, WriteLock

        row("ReadLock, WriteLock", "`tryLock(time, unit)`", "`unit` = `null`", "$NPE naming `unit`; nothing taken") {
            for (side in sides) untouched { throws<NullPointerException>("unit") { side(lock).tryLock(1, null) } }
        }
        row("ReadLock, WriteLock", "`tryLock(time, unit)`", "`0`, `-1`, `Long.MIN_VALUE`", "one attempt: `true` on a free lock, `false` at once while another thread writes") {
            for (side in sides) {
                for (time in listOf(0L, -1L, Long.MIN_VALUE)) {
                    side(lock).tryLock(time, TimeUnit.NANOSECONDS) shouldBe true
                    side(lock).unlock()
                }
            }
            val writer = otherWriter()
            for (side in sides) for (time in listOf(0L, -1L, Long.MIN_VALUE)) untouched { side(lock).tryLock(time, TimeUnit.MILLISECONDS) shouldBe false }
            writer.release()
        }
        row("ReadLock, WriteLock", "`tryLock(time, unit)`", "`Long.MAX_VALUE` (nanoseconds, days) while another thread writes", "waits (the deadline does not overflow), `true` when the writer leaves") {
            for (side in sides) {
                for (unit in listOf(TimeUnit.NANOSECONDS, TimeUnit.DAYS)) {
                    val writer = otherWriter()
                    val waiter = background { side(lock).tryLock(Long.MAX_VALUE, unit).also { if (it) side(lock).unlock() } }
                    awaitQueued(1)
                    writer.release()
                    waiter.join() shouldBe true
                }
            }
        }
        row("ReadLock, WriteLock", "`lockInterruptibly()`, `acquireInterruptibly()`, `tryLock(time, unit)`", "interrupt status set before the call", "`InterruptedException`, status cleared, nothing queued or held") {
            for (side in sides) {
                val calls: List<() -> Any?> = listOf({ side(lock).lockInterruptibly() }, { side(lock).acquireInterruptibly() }, { side(lock).tryLock(1, TimeUnit.SECONDS) })
                for (call in calls) {
                    Thread.currentThread().interrupt()
                    untouched { throws<InterruptedException> { call() } }
                    Thread.currentThread().isInterrupted shouldBe false
                }
            }
        }
        row("ReadLock, WriteLock", "`lockInterruptibly()`, `tryLock(time, unit)`", "interrupted while queued", "`InterruptedException`; the waiter leaves the queue (length 0), nothing held") {
            for (side in sides) {
                val calls: List<() -> Any?> = listOf({ side(lock).lockInterruptibly() }, { side(lock).tryLock(1, TimeUnit.DAYS) })
                for (call in calls) {
                    val writer = otherWriter()
                    val waiter = background { throws<InterruptedException> { call() } }
                    awaitQueued(1)
                    waiter.thread.interrupt()
                    waiter.join()
                    state() shouldBe LockState(true, 0, 0)
                    writer.release()
                }
            }
        }
        row("ReadLock, WriteLock", "`lock()`, `acquire()`", "interrupted while queued", "keeps waiting, acquires when the writer leaves, returns with the interrupt status set") {
            val takes: List<(LockSide) -> Unit> = listOf({ it.lock() }, { it.acquire() })
            for (side in sides) {
                for (take in takes) {
                    val writer = otherWriter()
                    val released = AtomicBoolean()
                    val waiter = background {
                        take(side(lock))
                        val result = released.get() to Thread.currentThread().isInterrupted
                        side(lock).unlock()
                        result
                    }
                    awaitQueued(1)
                    waiter.thread.interrupt()
                    released.set(true)
                    writer.release()
                    waiter.join() shouldBe (true to true)
                }
            }
        }
        row("ReadLock", "`unlock()`", "no read hold (lock free; another thread reads; the caller only writes)", "$IMSE, $UNTOUCHED") {
            untouched { throws<IllegalMonitorStateException> { lock.read().unlock() } }
            val reader = otherReader()
            untouched { throws<IllegalMonitorStateException> { lock.read().unlock() } }
            reader.release()
            lock.write().lock()
            untouched { throws<IllegalMonitorStateException> { lock.read().unlock() } }
            lock.write().unlock()
        }
        row("WriteLock", "`unlock()`", "no write hold (lock free; another thread writes; the caller only reads)", "$IMSE, $UNTOUCHED") {
            untouched { throws<IllegalMonitorStateException> { lock.write().unlock() } }
            val writer = otherWriter()
            untouched { throws<IllegalMonitorStateException> { lock.write().unlock() } }
            writer.release()
            lock.read().lock()
            untouched { throws<IllegalMonitorStateException> { lock.write().unlock() } }
            lock.read().unlock()
        }
        row("Guard", "`close()`", "a second time (guards of `acquire()` and `acquireInterruptibly()`, both sides)", "the second `close()`: $IMSE, $UNTOUCHED") {
            for (side in sides) {
                val guards: List<() -> Guard> = listOf({ side(lock).acquire() }, { side(lock).acquireInterruptibly() })
                for (acquire in guards) {
                    val guard = acquire()
                    guard.close()
                    untouched { throws<IllegalMonitorStateException> { guard.close() } }
                }
            }
        }
        row("WriteLock", "`downgrade()`", "the caller does not hold the write lock (lock free; the caller reads; another thread writes)", "$IMSE, $UNTOUCHED") {
            untouched { throws<IllegalMonitorStateException> { lock.write().downgrade() } }
            lock.read().lock()
            untouched { throws<IllegalMonitorStateException> { lock.write().downgrade() } }
            lock.read().unlock()
            val writer = otherWriter()
            untouched { throws<IllegalMonitorStateException> { lock.write().downgrade() } }
            writer.release()
        }
        row("WriteLock", "`downgrade()`", "nested write holds (reentrant writer, count 2)", "$ISE; still 2 write holds", Variant.reentrant) {
            lock.write().lock()
            lock.write().lock()
            untouched { throws<IllegalStateException> { lock.write().downgrade() } }
            lock.write().holdCount shouldBe 2
            lock.write().unlock()
            lock.write().unlock()
        }
        row(
            "WriteLock, RWLock",
            "`lock()`, `lockInterruptibly()`, `tryLock(time, unit)`, `acquire()`, `acquireInterruptibly()`; `tryLock()`",
            "the caller holds the read lock (an upgrade would deadlock)",
            "$ISE at once; `tryLock()` returns `false`; $UNTOUCHED",
        ) {
            lock.read().lock()
            val calls: List<() -> Any?> = listOf(
                { lock.write().lock() }, { lock.write().lockInterruptibly() }, { lock.write().tryLock(1, TimeUnit.DAYS) },
                { lock.write().acquire() }, { lock.write().acquireInterruptibly() }, { lock.lock() },
            )
            for (call in calls) untouched { throws<IllegalStateException> { call() } }
            untouched { lock.write().tryLock() shouldBe false }
            lock.read().holdCount shouldBe 1
            lock.read().unlock()
        }
        row(
            "ReadLock, WriteLock",
            "`lock()`, `lockInterruptibly()`, `tryLock(time, unit)`, `acquire()`, `acquireInterruptibly()`; `tryLock()`",
            "the caller holds the write lock of a lock without a reentrant writer",
            "$ISE at once; `tryLock()` returns `false`; $UNTOUCHED",
            Variant.nonReentrant,
        ) {
            lock.write().lock()
            for (side in sides) {
                val calls: List<() -> Any?> = listOf(
                    { side(lock).lock() }, { side(lock).lockInterruptibly() }, { side(lock).tryLock(1, TimeUnit.DAYS) },
                    { side(lock).acquire() }, { side(lock).acquireInterruptibly() },
                )
                for (call in calls) untouched { throws<IllegalStateException> { call() } }
                untouched { side(lock).tryLock() shouldBe false }
            }
            lock.write().holdCount shouldBe 1
            lock.write().unlock()
        }
        row("ReadLock, WriteLock", "`lock()`, `tryLock()`, `acquire()`", "the caller holds the write lock of a reentrant-writer lock", "counted re-entry (2 write holds; 1 read hold)", Variant.reentrant) {
            lock.write().lock()
            lock.write().tryLock() shouldBe true
            lock.write().holdCount shouldBe 2
            lock.read().acquire()
            lock.read().holdCount shouldBe 1
            lock.read().unlock()
            lock.write().unlock()
            lock.write().unlock()
        }
        row("ReadLock", "`lock()`, `tryLock()`", "the caller's read hold count at `Integer.MAX_VALUE` (set by reflection)", "`Error(\"Maximum lock count exceeded\")`, the count unchanged") {
            lock.read().lock()
            val record = EngineAccess.engineOf(lock).record()
            record.holds = Int.MAX_VALUE
            try {
                throws<Error>("Maximum lock count exceeded") { lock.read().lock() }
                throws<Error>("Maximum lock count exceeded") { lock.read().tryLock() }
                record.holds shouldBe Int.MAX_VALUE
            } finally {
                record.holds = 1
            }
            lock.read().unlock()
        }
        row("WriteLock", "`lock()`, `tryLock()`", "the write hold count at `Integer.MAX_VALUE` (reentrant writer; set by reflection)", "`Error(\"Maximum lock count exceeded\")`, the count unchanged", Variant.reentrant) {
            lock.write().lock()
            val engine = EngineAccess.engineOf(lock)
            val holds = Class.forName("io.rwlocker.internal.LockEngineWord").getDeclaredField("writeHolds").apply { isAccessible = true }
            holds.setInt(engine, Int.MAX_VALUE)
            try {
                throws<Error>("Maximum lock count exceeded") { lock.write().lock() }
                throws<Error>("Maximum lock count exceeded") { lock.write().tryLock() }
                lock.write().holdCount shouldBe Int.MAX_VALUE
            } finally {
                holds.setInt(engine, 1)
            }
            lock.write().unlock()
        }
        row("ReadLock, WriteLock", "`getHoldCount()`, `isHeldByCurrentThread()`, `owner()`, `toString()`", "from a thread that holds nothing, while another thread writes", "`0`, `false`, the lock; nothing changed") {
            val writer = otherWriter()
            untouched {
                for (side in sides) {
                    side(lock).holdCount shouldBe 0
                    side(lock).isHeldByCurrentThread shouldBe false
                    (side(lock).owner() === lock) shouldBe true
                    side(lock).toString()
                }
            }
            writer.release()
        }
        row("ReadLock, WriteLock", "`newCondition()`", "on either side", "a condition of the whole lock: usable under the read lock too") {
            for (side in sides) {
                val condition = side(lock).newCondition()
                (condition.lock() === lock) shouldBe true
                lock.read().lock()
                condition.awaitNanos(1_000L)
                condition.signal(1) shouldBe 0
                lock.read().unlock()
            }
        }

        // ------------------------------------------------------------------ RWCondition

        row(
            "RWCondition",
            "`await()`, `awaitUninterruptibly()`, `awaitNanos(n)`, `await(time, unit)`, `awaitUntil(deadline)`, `waitFor(predicate)`, `waitFor(predicate, timeout)`, `signal()`, `signal(n)`, `signalAll()`",
            "the caller holds neither side (lock free; another thread holds it; the caller holds another lock)",
            "$IMSE; no waiter left, $UNTOUCHED",
        ) {
            val condition = lock.newCondition()
            val calls: List<() -> Any?> = listOf(
                { condition.await() }, { condition.awaitUninterruptibly() }, { condition.awaitNanos(1_000L) },
                { condition.await(1, TimeUnit.SECONDS) }, { condition.awaitUntil(Date(System.currentTimeMillis() + 1_000)) },
                { condition.waitFor { false } }, { condition.waitFor({ false }, Duration.ofSeconds(1)) },
                { condition.signal() }, { condition.signal(1) }, { condition.signalAll() },
            )
            fun allFail() = calls.forEach { call -> untouched { throws<IllegalMonitorStateException> { call() } } }
            allFail()
            val writer = otherWriter()
            allFail()
            writer.release()
            val elsewhere = RWLock.fair()
            elsewhere.write().lock()
            allFail()
            elsewhere.write().unlock()
            condition.waitQueueLength shouldBe 0
        }
        row("RWCondition", "`await(time, unit)`", "`unit` = `null`", "$NPE naming `unit`; the holds kept") {
            val condition = lock.newCondition()
            lock.read().lock()
            untouched { throws<NullPointerException>("unit") { condition.await(1, null) } }
            lock.read().holdCount shouldBe 1
            lock.read().unlock()
        }
        row("RWCondition", "`awaitUntil(deadline)`", "`null`", "$NPE naming `deadline`; the holds kept") {
            val condition = lock.newCondition()
            lock.write().lock()
            untouched { throws<NullPointerException>("deadline") { condition.awaitUntil(null) } }
            lock.write().unlock()
        }
        row("RWCondition", "`waitFor(predicate)`, `waitFor(predicate, timeout)`", "`predicate` = `null`; `timeout` = `null`", "$NPE naming the argument; the holds kept") {
            val condition = lock.newCondition()
            lock.write().lock()
            untouched {
                throws<NullPointerException>("predicate") { condition.waitFor(null) }
                throws<NullPointerException>("predicate") { condition.waitFor(null, Duration.ofSeconds(1)) }
                throws<NullPointerException>("timeout") { condition.waitFor({ true }, null) }
            }
            lock.write().unlock()
        }
        row("RWCondition", "`awaitNanos(n)`, `await(time, unit)`", "`0`, `-1`, `Long.MIN_VALUE`", "returns at once (`<= 0`, `false`); the holds kept, no waiter left") {
            val condition = lock.newCondition()
            lock.read().lock()
            untouched {
                for (time in listOf(0L, -1L, Long.MIN_VALUE)) {
                    (condition.awaitNanos(time) <= 0L) shouldBe true
                    condition.await(time, TimeUnit.DAYS) shouldBe false
                }
            }
            condition.waitQueueLength shouldBe 0
            lock.read().unlock()
        }
        row("RWCondition", "`awaitUntil(deadline)`", "a deadline in the past; `Date(Long.MIN_VALUE)`", "`false` at once; the holds kept") {
            val condition = lock.newCondition()
            lock.write().lock()
            untouched {
                condition.awaitUntil(Date(System.currentTimeMillis() - 1_000)) shouldBe false
                condition.awaitUntil(Date(Long.MIN_VALUE)) shouldBe false
            }
            lock.write().unlock()
        }
        row("RWCondition", "`await(time, unit)`, `awaitNanos(n)`, `awaitUntil(deadline)`", "`Long.MAX_VALUE` (nanoseconds, days); `Date(Long.MAX_VALUE)`", "waits until signalled (no overflow): `true` / a positive value") {
            val condition = lock.newCondition()
            val waits: List<() -> Boolean> = listOf(
                { condition.await(Long.MAX_VALUE, TimeUnit.NANOSECONDS) }, { condition.await(Long.MAX_VALUE, TimeUnit.DAYS) },
                { condition.awaitNanos(Long.MAX_VALUE) > 0L }, { condition.awaitUntil(Date(Long.MAX_VALUE)) },
            )
            for (wait in waits) {
                val waiter = background { lock.read().lock(); try { wait() } finally { lock.read().unlock() } }
                awaitTrue("a condition waiter") { condition.waitQueueLength == 1 }
                other { lock.write().lock(); try { condition.signal(1) shouldBe 1 } finally { lock.write().unlock() } }
                waiter.join() shouldBe true
            }
        }
        row("RWCondition", "`waitFor(predicate, timeout)`", "zero or negative timeout", "the predicate checked once, `false`, no wait") {
            val condition = lock.newCondition()
            lock.read().lock()
            for (timeout in listOf(Duration.ZERO, Duration.ofNanos(-1), Duration.ofSeconds(Long.MIN_VALUE))) {
                val evaluations = AtomicInteger()
                untouched { condition.waitFor({ evaluations.incrementAndGet() < 0 }, timeout) shouldBe false }
                evaluations.get() shouldBe 1
            }
            lock.read().unlock()
        }
        row("RWCondition", "`waitFor(predicate, timeout)`", "`Duration.ofSeconds(Long.MAX_VALUE)` (too many nanoseconds for a `long`)", "waits until signalled and the predicate holds, `true`") {
            val condition = lock.newCondition()
            val ready = AtomicBoolean()
            val waiter = background { lock.read().lock(); try { condition.waitFor({ ready.get() }, Duration.ofSeconds(Long.MAX_VALUE)) } finally { lock.read().unlock() } }
            awaitTrue("a condition waiter") { condition.waitQueueLength == 1 }
            other { lock.write().lock(); try { ready.set(true); condition.signalAll() } finally { lock.write().unlock() } }
            waiter.join() shouldBe true
        }
        row("RWCondition", "`signal(n)`", "`0`, `-1`, `Integer.MIN_VALUE` (one thread waiting)", "`0`: nobody woken") {
            val condition = lock.newCondition()
            val waiter = background { lock.read().lock(); try { condition.await() } finally { lock.read().unlock() } }
            awaitTrue("a condition waiter") { condition.waitQueueLength == 1 }
            lock.read().lock()
            for (n in listOf(0, -1, Int.MIN_VALUE)) condition.signal(n) shouldBe 0
            condition.waitQueueLength shouldBe 1
            condition.signal(1) shouldBe 1
            lock.read().unlock()
            waiter.join()
        }
        row("RWCondition", "`signal(n)`", "`Integer.MAX_VALUE` (two threads waiting)", "`2`: both woken") {
            val condition = lock.newCondition()
            val waiters = (1..2).map { background { lock.read().lock(); try { condition.await() } finally { lock.read().unlock() } } }
            awaitTrue("two condition waiters") { condition.waitQueueLength == 2 }
            lock.write().lock()
            condition.signal(Int.MAX_VALUE) shouldBe 2
            lock.write().unlock()
            waiters.forEach { it.join() }
        }
        row("RWCondition", "`await()`, `awaitNanos(n)`, `await(time, unit)`, `awaitUntil(deadline)`, `waitFor(predicate)`", "interrupt status set", "`InterruptedException`, status cleared; the holds kept, no waiter left") {
            val condition = lock.newCondition()
            lock.write().lock()
            val calls: List<() -> Any?> = listOf(
                { condition.await() }, { condition.awaitNanos(1_000_000_000L) }, { condition.await(1, TimeUnit.SECONDS) },
                { condition.awaitUntil(Date(System.currentTimeMillis() + 1_000)) }, { condition.waitFor { false } },
            )
            for (call in calls) {
                Thread.currentThread().interrupt()
                untouched { throws<InterruptedException> { call() } }
                Thread.currentThread().isInterrupted shouldBe false
            }
            lock.write().holdCount shouldBe 1
            condition.waitQueueLength shouldBe 0
            lock.write().unlock()
        }
        row("RWCondition", "`waitFor(predicate)`, `waitFor(predicate, timeout)`", "a predicate that throws", "its exception propagates; the holds kept, no waiter left") {
            val condition = lock.newCondition()
            lock.read().lock()
            untouched {
                throws<ArithmeticException> { condition.waitFor { throw ArithmeticException("predicate") } }
                throws<ArithmeticException> { condition.waitFor({ throw ArithmeticException("predicate") }, Duration.ofSeconds(1)) }
            }
            condition.waitQueueLength shouldBe 0
            lock.read().unlock()
        }
        row("RWCondition", "`hasWaiters()`, `getWaitQueueLength()`, `lock()`, `toString()`", "from a thread that holds nothing", "a snapshot, no exception") {
            val condition = lock.newCondition()
            val waiter = background { lock.write().lock(); try { condition.await() } finally { lock.write().unlock() } }
            awaitTrue("a condition waiter") { condition.waitQueueLength == 1 }
            untouched {
                condition.hasWaiters() shouldBe true
                (condition.lock() === lock) shouldBe true
                condition.toString() shouldContain "waiters = 1"
            }
            other { lock.read().lock(); try { condition.signalAll() } finally { lock.read().unlock() } }
            waiter.join()
        }

        // ------------------------------------------------------------------ coroutines: factories

        row("ReadWriteMutex (function)", "`ReadWriteMutex(policy, reentrantWriter)`", "`policy` = `null` (a Java caller)", "$NPE naming `policy`") {
            val factory = Class.forName("io.rwlocker.coroutines.ReadWriteMutexKt")
                .getMethod("ReadWriteMutex", Policy::class.java, Boolean::class.javaPrimitiveType)
            throws<NullPointerException>("policy") { unwrap { factory.invoke(null, null, variant.reentrant) } }
        }
        row("RWLock.asReadWriteMutex (function)", "`asReadWriteMutex()`", "receiver `null` (a Java caller)", NPE) {
            val view = Class.forName("io.rwlocker.coroutines.ReadWriteMutexKt").getMethod("asReadWriteMutex", RWLock::class.java)
            throws<NullPointerException> { unwrap { view.invoke(null, null) } }
            (view.invoke(null, lock) === mutex) shouldBe true
        }
        row("read { }, write { } (functions)", "`read(block)`, `write(block)`", "`null` mutex or block (a Java caller)", NPE) {
            val scopes = Class.forName("io.rwlocker.coroutines.ScopesKt")
            val continuation = Continuation<Any?>(EmptyCoroutineContext) {}
            for (name in listOf("read", "write")) {
                val method = scopes.methods.single { it.name == name }
                throws<NullPointerException> { unwrap { method.invoke(null, null, null, continuation) } }
                throws<NullPointerException> { unwrap { method.invoke(null, mutex, null, continuation) } }
            }
        }
        row("read { }, write { } (functions)", "`read(block)`, `write(block)`", "a `ReadWriteMutex` that this library did not make", "`UnsupportedOperationException`") {
            val foreign = object : ReadWriteMutex by mutex {}
            coroutine {
                throws<UnsupportedOperationException> { foreign.read { } }
                throws<UnsupportedOperationException> { foreign.write { } }
            }
        }

        // ------------------------------------------------------------------ ReadWriteMutex raw calls

        row("ReadWriteMutex", "`unlockRead()`", "no raw read hold (mutex free; a `read { }` scope reads; a thread reads)", "$ISE, $UNTOUCHED") {
            untouched { throws<IllegalStateException> { mutex.unlockRead() } }
            coroutine { mutex.read { untouched { throws<IllegalStateException> { mutex.unlockRead() } } } }
            val reader = otherReader()
            untouched { throws<IllegalStateException> { mutex.unlockRead() } }
            reader.release()
        }
        row("ReadWriteMutex", "`unlockWrite()`", "no raw write hold (mutex free; a `write { }` scope writes; a thread writes)", "$ISE, $UNTOUCHED") {
            untouched { throws<IllegalStateException> { mutex.unlockWrite() } }
            coroutine { mutex.write { untouched { throws<IllegalStateException> { mutex.unlockWrite() } } } }
            val writer = otherWriter()
            untouched { throws<IllegalStateException> { mutex.unlockWrite() } }
            writer.release()
        }
        row("ReadWriteMutex", "`downgrade()`", "no raw write hold (mutex free; a `write { }` scope writes; a thread writes; after a raw read)", "$ISE, $UNTOUCHED") {
            untouched { throws<IllegalStateException> { mutex.downgrade() } }
            coroutine { mutex.write { untouched { throws<IllegalStateException> { mutex.downgrade() } } } }
            val writer = otherWriter()
            untouched { throws<IllegalStateException> { mutex.downgrade() } }
            writer.release()
            mutex.tryLockRead() shouldBe true
            untouched { throws<IllegalStateException> { mutex.downgrade() } }
            mutex.unlockRead()
        }
        row("ReadWriteMutex", "`unlockRead()`, `unlockWrite()`", "one more time than locked", "$ISE, $UNTOUCHED") {
            coroutine {
                mutex.lockRead()
                mutex.unlockRead()
                untouched { throws<IllegalStateException> { mutex.unlockRead() } }
                mutex.lockWrite()
                mutex.unlockWrite()
                untouched { throws<IllegalStateException> { mutex.unlockWrite() } }
            }
        }
        row("ReadWriteMutex", "`unlockRead()`, `unlockWrite()`", "from another coroutine than the one that locked (raw calls)", "allowed: raw holds are owner-less, like kotlinx `Mutex` without an owner (DESIGN 5.1)") {
            coroutine {
                launch { mutex.lockRead() }.join()
                launch { mutex.unlockRead() }.join()
                launch { mutex.lockWrite() }.join()
                mutex.isWriteLocked shouldBe true
                launch { mutex.unlockWrite() }.join()
            }
        }
        row("ReadWriteMutex", "`lockRead()`, `lockWrite()`, `read { }`, `write { }`", "cancelled while waiting (a thread writes)", "`CancellationException`; no hold, no queued node") {
            val writer = otherWriter()
            coroutine {
                val attempts: List<suspend () -> Unit> = listOf({ mutex.lockRead() }, { mutex.lockWrite() }, { mutex.read { } }, { mutex.write { } })
                for (attempt in attempts) {
                    val outcome = CompletableDeferred<Throwable?>()
                    val job = launch(Dispatchers.Unconfined, start = CoroutineStart.UNDISPATCHED) {
                        outcome.complete(runCatching { attempt() }.exceptionOrNull())
                    }
                    lock.queueLength shouldBe 1
                    job.cancel()
                    job.join()
                    (outcome.await() is CancellationException) shouldBe true
                    state() shouldBe LockState(true, 0, 0)
                }
            }
            writer.release()
        }
        row("ReadWriteMutex", "`lockRead()`, `lockWrite()`, `read { }`, `write { }`", "`withTimeout` expires while waiting (a thread writes)", "`TimeoutCancellationException`; no hold, no queued node") {
            val writer = otherWriter()
            coroutine {
                val attempts: List<suspend () -> Unit> = listOf({ mutex.lockRead() }, { mutex.lockWrite() }, { mutex.read { } }, { mutex.write { } })
                for (attempt in attempts) {
                    throws<TimeoutCancellationException> { withTimeout(5.milliseconds) { attempt() } }
                    state() shouldBe LockState(true, 0, 0)
                }
            }
            writer.release()
        }
        row("ReadWriteMutex", "`tryLockRead()`, `tryLockWrite()`", "a thread writes", "`false`, nothing taken") {
            val writer = otherWriter()
            untouched {
                mutex.tryLockRead() shouldBe false
                mutex.tryLockWrite() shouldBe false
            }
            writer.release()
        }
        row("ReadWriteMutex", "`policy`, `isWriteLocked`, `readHolds`, `newCondition()`, `toString()`", "from a coroutine that holds nothing, while a thread writes and another waits", "a true snapshot, no exception") {
            val writer = otherWriter()
            val waiter = background { lock.read().lock(); lock.read().unlock() }
            awaitQueued(1)
            coroutine {
                untouched {
                    mutex.policy shouldBe variant.policy
                    mutex.isWriteLocked shouldBe true
                    mutex.readHolds shouldBe 0
                    mutex.newCondition()
                    mutex.toString() shouldContain "queued = 1"
                }
            }
            writer.release()
            waiter.join()
        }
        row("RWLock, ReadWriteMutex", "`write().unlock()`; `unlockWrite()`", "the other face holds the write lock (a coroutine scope; a thread)", "the thread: $IMSE; the coroutine: $ISE; $UNTOUCHED") {
            coroutine { mutex.write { other { untouched { throws<IllegalMonitorStateException> { lock.write().unlock() } } } } }
            val writer = otherWriter()
            coroutine { untouched { throws<IllegalStateException> { mutex.unlockWrite() } } }
            writer.release()
        }

        // ------------------------------------------------------------------ scopes

        row("write { } (function)", "`write(block)`", "inside `read { }` of the same coroutine (an upgrade would deadlock)", "$ISE at once; the read scope intact") {
            coroutine {
                mutex.read {
                    untouched { throws<IllegalStateException> { mutex.write { } } }
                    (mutex as EngineMutex).scopeReadHolds(ownerHere()) shouldBe 1
                }
            }
        }
        row("read { }, write { } (functions)", "`read(block)`, `write(block)`", "inside `write { }` of the same coroutine, no reentrant writer", "$ISE at once; the write scope intact", Variant.nonReentrant) {
            coroutine {
                mutex.write {
                    untouched {
                        throws<IllegalStateException> { mutex.write { } }
                        throws<IllegalStateException> { mutex.read { } }
                    }
                    (mutex as EngineMutex).scopeWriteHolds(ownerHere()) shouldBe 1
                }
            }
        }
        row("read { }, write { } (functions)", "`read(block)`, `write(block)`", "inside `write { }` of the same coroutine, reentrant writer", "counted re-entry", Variant.reentrant) {
            coroutine {
                mutex.write {
                    mutex.write { (mutex as EngineMutex).scopeWriteHolds(ownerHere()) shouldBe 2 }
                    mutex.read { (mutex as EngineMutex).scopeReadHolds(ownerHere()) shouldBe 1 }
                }
            }
        }
        row("WriteScope", "`downgrade()`", "a second time", "$ISE; the scope stays a reader") {
            coroutine {
                mutex.write {
                    downgrade()
                    untouched { throws<IllegalStateException> { downgrade() } }
                    mutex.readHolds shouldBe 1
                }
            }
        }
        row("WriteScope", "`downgrade()`", "inside a nested `write { }` (reentrant writer)", "$ISE; 2 write holds kept", Variant.reentrant) {
            coroutine {
                mutex.write {
                    val outer = this
                    mutex.write {
                        untouched {
                            throws<IllegalStateException> { downgrade() }
                            throws<IllegalStateException> { outer.downgrade() }
                        }
                    }
                }
            }
        }
        row("WriteScope", "`downgrade()`", "after its block ended (the scope object kept)", "$ISE, $UNTOUCHED") {
            coroutine {
                var kept: WriteScope? = null
                mutex.write { kept = this }
                untouched { throws<IllegalStateException> { kept!!.downgrade() } }
                val writer = otherWriter() // also while someone else holds the write lock
                untouched { throws<IllegalStateException> { kept!!.downgrade() } }
                writer.release()
            }
        }

        // ------------------------------------------------------------------ SuspendCondition

        row(
            "SuspendCondition",
            "`await()`, `waitFor(predicate)`",
            "outside any scope of its mutex (no scope; only a raw hold; inside a scope of another mutex; a predicate already true)",
            "$ISE; no waiter left, $UNTOUCHED",
        ) {
            val condition = mutex.newCondition()
            val another = ReadWriteMutex(variant.policy)
            coroutine {
                untouched {
                    throws<IllegalStateException> { condition.await() }
                    throws<IllegalStateException> { condition.waitFor { false } }
                    throws<IllegalStateException> { condition.waitFor { true } }
                }
                mutex.lockWrite()
                untouched { throws<IllegalStateException> { condition.await() } }
                mutex.unlockWrite()
                another.write { untouched { throws<IllegalStateException> { condition.await() } } }
            }
            RWLockSubject.waiters(condition) shouldBe 0
        }
        row("SuspendCondition", "`await()`", "a coroutine whose context has no `Job` (started with `startCoroutine`)", ISE) {
            val condition = mutex.newCondition()
            var result: Result<Unit>? = null
            suspend { condition.await() }.startCoroutine(Continuation(EmptyCoroutineContext) { result = it })
            throws<IllegalStateException> { result!!.getOrThrow() }
        }
        row("SuspendCondition", "`signal(n)`, `signalAll()`", "nobody holds the mutex", "$ISE") {
            val condition = mutex.newCondition()
            untouched {
                throws<IllegalStateException> { condition.signal(1) }
                throws<IllegalStateException> { condition.signalAll() }
            }
        }
        row("SuspendCondition", "`signal(n)`", "`0`, `-1`, `Int.MIN_VALUE` (one coroutine waiting)", "`0`: nobody woken") {
            val condition = mutex.newCondition()
            coroutine {
                val waiter = launch(Dispatchers.Default) { mutex.read { condition.await() } }
                awaitTrue("a condition waiter") { RWLockSubject.waiters(condition) == 1 }
                mutex.read {
                    for (n in listOf(0, -1, Int.MIN_VALUE)) condition.signal(n) shouldBe 0
                    RWLockSubject.waiters(condition) shouldBe 1
                    condition.signal(1) shouldBe 1
                }
                waiter.join()
            }
        }
        row("SuspendCondition", "`signal(n)`", "`Int.MAX_VALUE` (two coroutines waiting)", "`2`: both woken") {
            val condition = mutex.newCondition()
            coroutine {
                val waiters = (1..2).map { launch(Dispatchers.Default) { mutex.read { condition.await() } } }
                awaitTrue("two condition waiters") { RWLockSubject.waiters(condition) == 2 }
                mutex.write { condition.signal(Int.MAX_VALUE) shouldBe 2 }
                waiters.forEach { it.join() }
            }
        }
        row("SuspendCondition", "`signal(n)`, `signalAll()`", "from a caller that holds nothing while another holds the mutex (a thread reads)", "allowed: the check is that someone holds (owner-less, like the raw calls); returns the count") {
            val condition = mutex.newCondition()
            val reader = otherReader()
            coroutine { condition.signal(1) shouldBe 0 }
            condition.signalAll() shouldBe 0
            reader.release()
        }
        row("SuspendCondition", "`await()`", "cancelled while waiting, while a thread holds the write lock", "re-acquires first (waits for the thread), then `CancellationException`; the scope releases exactly what it took") {
            val condition = mutex.newCondition()
            coroutine {
                val outcome = CompletableDeferred<Throwable?>()
                val waiter = launch(Dispatchers.Default) { outcome.complete(runCatching { mutex.write { condition.await() } }.exceptionOrNull()) }
                awaitTrue("a condition waiter") { RWLockSubject.waiters(condition) == 1 }
                val writer = otherWriter()
                waiter.cancel()
                awaitQueued(1) // the cancelled waiter queues for its write hold again
                outcome.isCompleted shouldBe false
                writer.release()
                waiter.join()
                (outcome.await() is CancellationException) shouldBe true
                RWLockSubject.waiters(condition) shouldBe 0
            }
        }
    }

    /** `null` typed as [T], for calls that a Java caller can make. */
    @Suppress("UNCHECKED_CAST")
    private fun <T> nullOf(): T = null as T

    /** The reflective call's own exception. */
    private fun unwrap(call: () -> Any?): Any? = try {
        call()
    } catch (e: InvocationTargetException) {
        throw e.targetException
    }
}

/** The scope owner of the calling coroutine (its Job, seen through scoping functions). */
private suspend fun ownerHere(): kotlinx.coroutines.Job =
    io.rwlocker.coroutines.scopeOwner(kotlinx.coroutines.currentCoroutineContext()[kotlinx.coroutines.Job])!!
