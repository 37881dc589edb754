package io.rwlocker.condition

import io.kotest.assertions.withClue
import io.kotest.matchers.shouldBe
import io.rwlocker.Policy
import io.rwlocker.RWCondition
import io.rwlocker.RWLock
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicReference
import java.util.concurrent.locks.LockSupport

/*
 * Shared helpers of the RWCondition specs: bounded polling, threads whose failures reach the
 * test thread, and the "holds" a thread can carry into an await (the shapes the condition must
 * release and restore exactly).
 */

/** The upper bound of every wait in these specs: a hung scenario fails instead of hanging. */
internal const val BOUND_MS = 10_000L

/**
 * Polls [condition] until it is true, at most [timeoutMs]; fails with [what] otherwise. Between
 * polls it yields and parks for a few microseconds (this is a bounded poll of an observable
 * state, never a sleep that hopes something happened).
 */
internal fun eventually(what: String, timeoutMs: Long = BOUND_MS, condition: () -> Boolean) {
    val deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs)
    var spins = 0
    while (!condition()) {
        if (System.nanoTime() - deadline > 0) {
            throw AssertionError("timed out after $timeoutMs ms waiting for: $what")
        }
        if (++spins % 64 == 0) LockSupport.parkNanos(20_000) else Thread.yield()
    }
}

/** A started daemon thread running [body]; its failure is kept and rethrown by [join]. */
internal class TestThread(name: String, stackSize: Long = 0, body: () -> Unit) {
    private val failure = AtomicReference<Throwable?>(null)

    /** The underlying thread. */
    val thread: Thread = Thread(null, {
        try {
            body()
        } catch (t: Throwable) {
            failure.set(t)
        }
    }, name, stackSize).apply { isDaemon = true }

    /** Starts the thread and returns this. */
    fun start(): TestThread = apply { thread.start() }

    /** Whether the body has finished (normally or not). */
    val isDone: Boolean get() = !thread.isAlive

    /** Joins with a bound and rethrows the body's failure, if any. */
    fun join(timeoutMs: Long = BOUND_MS) {
        thread.join(timeoutMs)
        if (thread.isAlive) {
            val trace = thread.stackTrace.joinToString("\n  at ")
            throw AssertionError("${thread.name} did not finish within $timeoutMs ms; state ${thread.state}\n  at $trace")
        }
        failure.get()?.let { throw AssertionError("${thread.name} failed: $it", it) }
    }
}

/** Starts a [TestThread]. */
internal fun startThread(name: String, body: () -> Unit): TestThread = TestThread(name, body = body).start()

/** The holds the current thread has of [this] lock: (write holds, read holds). */
internal fun RWLock.myHolds(): Pair<Int, Int> = write().holdCount to read().holdCount

/**
 * Asserts the lock is idle: no read holds, no writer, nobody queued, and the current thread
 * holds nothing; and, if given, nobody waits on [condition].
 */
internal fun RWLock.shouldBeClean(condition: RWCondition? = null) {
    withClue("lock state $this") {
        readLockCount shouldBe 0
        isWriteLocked shouldBe false
        queueLength shouldBe 0
        hasQueuedThreads() shouldBe false
        write().holdCount shouldBe 0
        read().holdCount shouldBe 0
        if (condition != null) {
            condition.waitQueueLength shouldBe 0
            condition.hasWaiters() shouldBe false
        }
    }
}

/** A new lock of [policy]. */
internal fun lockOf(policy: Policy, reentrantWriter: Boolean = false): RWLock =
    RWLock.builder().policy(policy).reentrantWriter(reentrantWriter).build()

/**
 * The holds a thread carries into an await. Each shape knows how to take and release them and
 * what [writeHolds] / [readHolds] it leaves the thread with.
 */
internal enum class HoldShape(val writeHolds: Int, val readHolds: Int, val reentrant: Boolean) {
    /** One read hold. */
    READ_1(0, 1, false),

    /** Three nested read holds. */
    READ_3(0, 3, false),

    /** One write hold. */
    WRITE_1(1, 0, false),

    /** Three nested write holds of a reentrant writer. */
    WRITE_3(3, 0, true),

    /** A reentrant writer holding write twice and read twice. */
    WRITE_2_READ_2(2, 2, true),

    /** A writer that downgraded: one read hold, no write. */
    DOWNGRADED(0, 1, false);

    /** Takes the holds on [lock] (the current thread). */
    fun acquire(lock: RWLock) {
        when (this) {
            DOWNGRADED -> {
                lock.write().lock()
                lock.write().downgrade()
            }
            else -> {
                repeat(writeHolds) { lock.write().lock() }
                repeat(readHolds) { lock.read().lock() }
            }
        }
    }

    /** Releases the holds of the current thread taken by [acquire]. */
    fun release(lock: RWLock) {
        repeat(readHolds) { lock.read().unlock() }
        repeat(writeHolds) { lock.write().unlock() }
    }

    /** Asserts the current thread holds exactly this shape, and that nobody else holds. */
    fun shouldBeHeldAlone(lock: RWLock) {
        withClue("holds after await under $this on $lock") {
            lock.myHolds() shouldBe (writeHolds to readHolds)
            lock.isWriteLockedByCurrentThread shouldBe (writeHolds > 0)
            lock.isWriteLocked shouldBe (writeHolds > 0)
            lock.readLockCount shouldBe readHolds
        }
    }
}
