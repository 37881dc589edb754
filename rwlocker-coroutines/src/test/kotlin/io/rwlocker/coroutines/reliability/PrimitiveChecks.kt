package io.rwlocker.coroutines.reliability

import io.kotest.assertions.withClue
import io.kotest.matchers.shouldBe
import io.rwlocker.FifoLock
import io.rwlocker.KeyedLocks
import io.rwlocker.Mode
import io.rwlocker.Modes
import io.rwlocker.coroutines.PriorityDispatcher
import io.rwlocker.coroutines.asKeyedReadWriteMutex
import io.rwlocker.coroutines.withMode
import java.lang.reflect.InvocationTargetException
import java.util.concurrent.CompletableFuture
import java.util.concurrent.TimeUnit

/*
 * Shared pieces of the bad-input rows of the primitives built on RWLock's engine or beside it
 * (Guarded, FifoLock, KeyedLocks, PriorityDispatcher, the monitoring API): the row list builder,
 * the result phrases, and "still works" checks for the objects that are not the fixture's lock.
 */

internal const val NPE = "`NullPointerException`"
internal const val ISE = "`IllegalStateException`"
internal const val IAE = "`IllegalArgumentException`"
internal const val IMSE = "`IllegalMonitorStateException`"

/** The rows of one primitive, in the order they are added. */
internal class RowList {
    val rows = ArrayList<BadInput>()

    fun row(type: String, call: String, input: String, result: String, variants: List<Variant> = Variant.all, check: BadInputCase.() -> Unit) {
        rows += BadInput(type, call, input, result, variants, check)
    }
}

/** Builds a list of rows. */
internal fun rowsOf(build: RowList.() -> Unit): List<BadInput> = RowList().apply(build).rows

/** One configuration, for rows that do not depend on the fixture lock's policy. */
internal val oneVariant: List<Variant> = listOf(Variant.all.first())

/** `null` typed as [T], for calls that a Java caller can make. */
@Suppress("UNCHECKED_CAST")
internal fun <T> javaNull(): T = null as T

/** A reflective call's own exception. */
internal fun invoking(call: () -> Any?): Any? = try {
    call()
} catch (e: InvocationTargetException) {
    throw e.targetException
}

/** Another platform thread that runs [take] and keeps what it returned until [release]. */
internal class Held(case: BadInputCase, take: () -> AutoCloseable) {
    private val go = CompletableFuture<Unit>()
    private val held = CompletableFuture<Unit>()
    private val step = case.background {
        val guard = take()
        held.complete(Unit)
        try {
            go.get(30, TimeUnit.SECONDS)
        } finally {
            guard.close()
        }
    }

    init {
        try {
            held.get(30, TimeUnit.SECONDS)
        } catch (e: Exception) {
            step.join() // the step's own failure, if it failed
            throw e
        }
    }

    /** The holding thread. */
    val thread: Thread get() = step.thread

    /** Closes what it holds (on its own thread) and waits for the thread to end. */
    fun release() {
        go.complete(Unit)
        step.join()
    }
}

// ---------------------------------------------------------------------- FifoLock

/** The holds of the built-in recipes (and [modes]) and the queue length. */
internal fun FifoLock.view(vararg modes: Mode): List<Int> =
    (listOf(Modes.read(), Modes.write(), Modes.mutex()) + modes).map { holds(it) } + queueLength()

/** Nothing held in the built-in modes (or [modes]), nothing queued. */
internal fun FifoLock.shouldBeIdle(vararg modes: Mode) {
    withClue("FifoLock not idle: $this") { view(*modes).all { it == 0 } shouldBe true }
}

/** A lock held by a reader thread with a writer thread queued behind it (a busy state to keep untouched). */
internal class FifoBusy(case: BadInputCase, val lock: FifoLock) {
    private val reader = Held(case) { lock.acquire(Modes.read()) }
    private val writer = case.background { lock.acquire(Modes.write()).close() }

    init {
        awaitTrue("a queued writer: $lock") { lock.queueLength() == 1 }
    }

    /** The reader leaves, the writer enters and leaves. */
    fun end() {
        reader.release()
        writer.join()
    }
}

/** The lock is idle and still grants: two readers together, then writers from another thread and a coroutine. */
internal fun BadInputCase.fifoStillWorks(lock: FifoLock, vararg modes: Mode) {
    lock.shouldBeIdle(*modes)
    val first = lock.tryAcquire(Modes.read())
    val second = lock.acquire(Modes.read())
    lock.holds(Modes.read()) shouldBe 2
    lock.tryAcquire(Modes.write()) shouldBe null
    first!!.close()
    second.close()
    other { lock.acquire(Modes.write()).close() }
    coroutine { lock.withMode(Modes.write()) { lock.holds(Modes.write()) shouldBe 1 } }
    lock.shouldBeIdle(*modes)
}

// ---------------------------------------------------------------------- KeyedLocks

/** The table has no entry left and still locks [key] from this thread, another thread and a coroutine. */
internal fun <K> BadInputCase.keyedStillWorks(locks: KeyedLocks<K>, key: K) {
    withClue("entries left: $locks") { locks.size() shouldBe 0 }
    val write = locks.write(key)
    locks.size() shouldBe 1
    write.close()
    locks.read(key).close()
    other { locks.write(key).close() }
    coroutine { locks.asKeyedReadWriteMutex().write(key) { locks.size() shouldBe 1 } }
    withClue("entries left: $locks") { locks.size() shouldBe 0 }
}

/** Whether another thread could take [key]'s write lock now (it releases it at once). */
internal fun <K> BadInputCase.othersCanWrite(locks: KeyedLocks<K>, key: K): Boolean =
    other { locks.tryWrite(key, java.time.Duration.ZERO)?.let { it.close(); true } ?: false }

// ---------------------------------------------------------------------- PriorityDispatcher

/** Nothing queued, nothing running (the counters settle within 30 s). */
internal fun PriorityDispatcher.shouldSettle() {
    awaitTrue("an idle dispatcher: $this") { queuedTasks == 0 && runningTasks == 0 }
}

/** The dispatcher is idle, open, and still runs writes and reads from both faces; then it is closed. */
internal fun BadInputCase.priorityStillWorks(dispatcher: PriorityDispatcher) {
    dispatcher.shouldSettle()
    dispatcher.isClosed shouldBe false
    coroutine {
        dispatcher.write { 1 } shouldBe 1
        dispatcher.read { 2 } shouldBe 2
    }
    dispatcher.writeAsync { 3 }.get(30, TimeUnit.SECONDS) shouldBe 3
    dispatcher.readAsync { 4 }.get(30, TimeUnit.SECONDS) shouldBe 4
    dispatcher.close()
    dispatcher.isClosed shouldBe true
    dispatcher.shouldSettle()
}
