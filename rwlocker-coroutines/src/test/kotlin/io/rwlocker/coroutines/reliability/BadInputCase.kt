package io.rwlocker.coroutines.reliability

import io.kotest.assertions.withClue
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.rwlocker.Policy
import io.rwlocker.RWLock
import io.rwlocker.coroutines.ReadWriteMutex
import io.rwlocker.coroutines.asReadWriteMutex
import io.rwlocker.coroutines.read
import io.rwlocker.coroutines.write
import java.util.concurrent.CompletableFuture
import java.util.concurrent.ExecutionException
import java.util.concurrent.TimeUnit
import java.util.concurrent.TimeoutException
import java.util.concurrent.locks.LockSupport
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout

/** A lock configuration: a policy, with or without a reentrant writer. */
internal data class Variant(val policy: Policy, val reentrant: Boolean) {
    override fun toString(): String = policy.name + if (reentrant) " (reentrant writer)" else ""

    companion object {
        val all: List<Variant> = Policy.entries.flatMap { listOf(Variant(it, false), Variant(it, true)) }
        val reentrant: List<Variant> = all.filter { it.reentrant }
        val nonReentrant: List<Variant> = all.filter { !it.reentrant }
    }
}

/**
 * One row of the bad-input matrix: a public type, the call, the bad input or situation, the
 * documented result, the configurations it runs on, and the check. Every row is a test; after
 * the check the lock must be free and still work from both faces ([BadInputCase.stillWorks]).
 */
internal class BadInput(
    val type: String,
    val call: String,
    val input: String,
    val result: String,
    val variants: List<Variant>,
    val check: BadInputCase.() -> Unit,
) {
    /** The README row (without the number). */
    fun markdown(): String = "| $type | $call | $input | $result |"

    override fun toString(): String = "$type $call: $input"
}

/** What the lock looks like from the outside. */
internal data class LockState(val writeLocked: Boolean, val readHolds: Int, val queued: Int)

/**
 * The fixture of one row in one configuration: a fresh lock and its suspending face, and
 * helpers that keep every wait bounded. The row's check runs on a fresh platform thread, so
 * per-thread holds start at zero.
 */
internal class BadInputCase(val variant: Variant) {
    val lock: RWLock = RWLock.builder().policy(variant.policy).reentrantWriter(variant.reentrant).build()
    val mutex: ReadWriteMutex = lock.asReadWriteMutex()

    /** The outside view of the lock. */
    fun state(): LockState = LockState(lock.isWriteLocked, lock.readLockCount, lock.queueLength)

    /** Asserts that [call] throws exactly [T] whose message contains [naming] (if given). */
    inline fun <reified T : Throwable> throws(naming: String? = null, call: () -> Any?): T {
        val thrown = try {
            call()
            null
        } catch (e: Throwable) {
            e
        }
        withClue("expected ${T::class.java.simpleName}${naming?.let { " naming '$it'" } ?: ""}, got $thrown") {
            (thrown is T) shouldBe true
            if (naming != null) thrown!!.message.orEmpty() shouldContain naming
        }
        return thrown as T
    }

    /** Runs [call] and asserts that the lock state is the same after it as before. */
    inline fun <R> untouched(call: () -> R): R {
        val before = state()
        val result = call()
        withClue("the lock state changed: $lock") { state() shouldBe before }
        return result
    }

    /** Runs [block] on another platform thread and returns its result (bounded: 30 s). */
    fun <T> other(block: () -> T): T = background(block).join()

    /** Starts [block] on another platform thread. */
    fun <T> background(block: () -> T): Background<T> = Background(block)

    /** Another thread that holds the write lock until [Background.join]ed through [release]. */
    fun otherWriter(): Holder = Holder(this, write = true)

    /** Another thread that holds a read lock until released. */
    fun otherReader(): Holder = Holder(this, write = false)

    /** Waits (bounded: 30 s) until exactly [n] are queued. */
    fun awaitQueued(n: Int) = awaitTrue("queue length $n: $lock") { lock.queueLength == n }

    /** Runs suspending [block] in runBlocking on this thread, bounded by 30 s. */
    fun <T> coroutine(block: suspend CoroutineScope.() -> T): T = runBlocking { withTimeout(30.seconds) { block() } }

    /** After every row: nothing held, nothing queued, and both faces still lock and unlock. */
    fun stillWorks() {
        withClue("after the row the current thread still holds: ${lock.read().holdCount} read, ${lock.write().holdCount} write") {
            lock.read().holdCount shouldBe 0
            lock.write().holdCount shouldBe 0
        }
        withClue("after the row the lock is not free: $lock") { state() shouldBe LockState(false, 0, 0) }
        other {
            lock.write().lock()
            lock.write().unlock()
            lock.read().lock()
            lock.read().unlock()
        }
        coroutine {
            mutex.write { }
            mutex.read { }
        }
        lock.write().tryLock() shouldBe true
        lock.write().unlock()
        state() shouldBe LockState(false, 0, 0)
    }

    /** A step running on its own platform thread. */
    class Background<T>(block: () -> T) {
        private val result = CompletableFuture<T>()
        val thread: Thread = Thread {
            try {
                result.complete(block())
            } catch (t: Throwable) {
                result.completeExceptionally(t)
            }
        }.apply {
            isDaemon = true
            start()
        }

        /** The result (or the step's own exception), waiting at most 30 s. */
        fun join(): T = try {
            result.get(30, TimeUnit.SECONDS)
        } catch (e: ExecutionException) {
            throw e.cause ?: e
        } catch (e: TimeoutException) {
            throw AssertionError("a step did not finish within 30 s: ${thread.stackTrace.joinToString("\n  at ")}", e)
        }

        val isDone: Boolean get() = result.isDone
    }

    /** A thread holding one side of the lock until [release]. */
    class Holder(case: BadInputCase, write: Boolean) {
        private val go = CompletableFuture<Unit>()
        private val held = CompletableFuture<Unit>()
        private val step = case.background {
            val side = if (write) case.lock.write() else case.lock.read()
            side.lock()
            held.complete(Unit)
            try {
                go.get(30, TimeUnit.SECONDS)
            } finally {
                side.unlock()
            }
        }

        init {
            held.get(30, TimeUnit.SECONDS)
        }

        /** The holder's thread. */
        val thread: Thread get() = step.thread

        /** Releases the hold and waits for the thread to end. */
        fun release() {
            go.complete(Unit)
            step.join()
        }
    }
}

/** Polls [condition] until it holds, at most 30 s. */
internal fun awaitTrue(what: String, condition: () -> Boolean) {
    val deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30)
    while (!condition()) {
        check(System.nanoTime() - deadline < 0) { "timed out waiting for: $what" }
        LockSupport.parkNanos(200_000L)
    }
}
