package io.rwlocker

import io.kotest.assertions.withClue
import io.kotest.matchers.shouldBe
import java.util.concurrent.Callable
import java.util.concurrent.ConcurrentLinkedQueue
import java.util.concurrent.CountDownLatch
import java.util.concurrent.ExecutionException
import java.util.concurrent.Future
import java.util.concurrent.LinkedBlockingQueue
import java.util.concurrent.ThreadPoolExecutor
import java.util.concurrent.TimeUnit
import java.util.concurrent.TimeoutException
import java.util.concurrent.locks.LockSupport

/*
 * Shared test utilities for the blocking RWLock specs.
 *
 * The locks own read holds per thread, so a scenario is driven through [Actor]s: each actor is
 * one platform thread that runs the steps given to it in order. A test starts a blocking step
 * with [Actor.start], waits until the lock reports it queued with [awaitQueued], and later
 * collects its result with [await]. Every wait is bounded by [BOUND_SECONDS]: a hung step fails
 * the test instead of hanging the build (actor threads are daemons, so a stuck one cannot keep
 * the JVM alive).
 */

/** The bound of every wait in these specs: long enough for a loaded 2-core machine. */
const val BOUND_SECONDS: Long = 10L

/** One lock configuration under test: a policy, with or without a reentrant writer. */
data class Variant(val policy: Policy, val reentrant: Boolean) {
    /** A new lock of this configuration. */
    fun newLock(): RWLock = RWLock.builder().policy(policy).reentrantWriter(reentrant).build()

    override fun toString(): String = policy.name + if (reentrant) " (reentrant writer)" else ""
}

/** Every policy, each without and with a reentrant writer. */
val allVariants: List<Variant> = Policy.entries.flatMap { p -> listOf(Variant(p, false), Variant(p, true)) }

/** The policies whose readers share the lock (all but EXCLUSIVE), without and with reentrancy. */
val sharedReadVariants: List<Variant> = allVariants.filter { it.policy != Policy.EXCLUSIVE }

/** The variants with a reentrant writer. */
val reentrantVariants: List<Variant> = allVariants.filter { it.reentrant }

/** The variants without a reentrant writer. */
val nonReentrantVariants: List<Variant> = allVariants.filter { !it.reentrant }

/**
 * A platform thread that runs submitted steps one after another. Steps that block (a queued
 * lock()) are started with [start]; quick ones are run with [call], which waits for the result.
 * An interrupt aimed at a step ([interrupt]) does not kill the actor: the pool clears the
 * interrupt status between steps.
 */
class Actor(val name: String) : AutoCloseable {
    @Volatile
    private var worker: Thread? = null

    private val executor = ThreadPoolExecutor(1, 1, 0L, TimeUnit.MILLISECONDS, LinkedBlockingQueue()) { r ->
        Thread(r, name).also {
            it.isDaemon = true
            worker = it
        }
    }.also { it.prestartCoreThread() }

    /** The actor's thread. */
    val thread: Thread get() = worker ?: error("actor $name has no thread")

    /** Starts [step] on the actor's thread and returns at once. */
    fun <T> start(step: () -> T): Future<T> = executor.submit(Callable { step() })

    /** Runs [step] on the actor's thread and returns its result (or rethrows its exception). */
    fun <T> call(step: () -> T): T = start(step).await()

    /** Interrupts the actor's thread (aimed at the step it is running now). */
    fun interrupt() = thread.interrupt()

    /** Stops the actor; a step that is still blocked is abandoned (the thread is a daemon). */
    override fun close() {
        executor.shutdown()
        if (!executor.awaitTermination(1, TimeUnit.SECONDS)) {
            executor.shutdownNow()
        }
    }
}

/** Runs [body] with [n] fresh actors named `prefix-1`..`prefix-n`, closing them afterwards. */
inline fun <R> withActors(n: Int, prefix: String = "actor", body: (List<Actor>) -> R): R {
    val actors = (1..n).map { Actor("$prefix-$it") }
    try {
        return body(actors)
    } finally {
        actors.forEach { it.close() }
    }
}

/**
 * The result of a started step, waiting at most [seconds]. The step's own exception is
 * rethrown as is (not wrapped), so `shouldThrow` sees it.
 */
fun <T> Future<T>.await(seconds: Long = BOUND_SECONDS): T = try {
    get(seconds, TimeUnit.SECONDS)
} catch (e: ExecutionException) {
    throw e.cause ?: e
} catch (e: TimeoutException) {
    throw AssertionError("step did not finish within $seconds s", e)
}

/** Waits, bounded, for a latch; fails the test if it did not open. */
fun CountDownLatch.awaitOpen(seconds: Long = BOUND_SECONDS) {
    withClue("latch (count ${this.count}) did not open within $seconds s") {
        await(seconds, TimeUnit.SECONDS) shouldBe true
    }
}

/**
 * Polls [condition] until it holds, at most [seconds]; fails with [what] and the lock state.
 * Polling (with a short park) is how a test learns that another thread is queued: the lock
 * publishes its queue length, not a callback.
 */
fun awaitTrue(what: String, lock: RWLock? = null, seconds: Long = BOUND_SECONDS, condition: () -> Boolean) {
    val deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds)
    while (!condition()) {
        if (System.nanoTime() - deadline > 0) {
            throw AssertionError("timed out after $seconds s waiting for: $what" + (lock?.let { " ($it)" } ?: ""))
        }
        LockSupport.parkNanos(200_000L)
    }
}

/** Waits, bounded, until exactly [n] threads are queued on [lock]. */
fun awaitQueued(lock: RWLock, n: Int, seconds: Long = BOUND_SECONDS) =
    awaitTrue("queue length == $n", lock, seconds) { lock.queueLength == n }

/** An ordered, thread-safe record of what happened, e.g. `r1+` (r1 entered) and `r1-` (r1 left). */
class EventLog {
    private val events = ConcurrentLinkedQueue<String>()

    /** Appends [event]. */
    fun add(event: String) {
        events.add(event)
    }

    /** The events so far, in order. */
    fun snapshot(): List<String> = events.toList()

    override fun toString(): String = snapshot().toString()
}

/** What a lock looks like from the outside: compared before and after a misuse. */
data class LockState(val writeLocked: Boolean, val readLockCount: Int, val queueLength: Int, val queued: Boolean)

/** The current outside view of the lock. */
fun RWLock.state(): LockState = LockState(isWriteLocked, readLockCount, queueLength, hasQueuedThreads())

/** The current thread's holds of a lock. */
data class ThreadHolds(val read: Int, val write: Int, val readHeld: Boolean, val writeHeld: Boolean, val writeLockedByMe: Boolean)

/** The current thread's holds of this lock (read on the thread that asks). */
fun RWLock.holdsHere(): ThreadHolds = ThreadHolds(
    read().holdCount, write().holdCount, read().isHeldByCurrentThread, write().isHeldByCurrentThread,
    isWriteLockedByCurrentThread,
)

/** No holds at all by the current thread. */
val NO_HOLDS = ThreadHolds(0, 0, false, false, false)

/** A lock nobody holds and nobody waits for. */
val FREE = LockState(writeLocked = false, readLockCount = 0, queueLength = 0, queued = false)

/** Asserts that nobody holds or waits for the lock. */
fun RWLock.shouldBeFree() {
    withClue("lock should be free: $this") { state() shouldBe FREE }
}

/** Nanoseconds elapsed since [startNanos], in milliseconds. */
fun millisSince(startNanos: Long): Long = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos)

/** Takes [side] on the actor's thread (waiting for it) and logs `tag+`. */
fun Actor.hold(side: LockSide, log: EventLog, tag: String) = call {
    side.lock()
    log.add("$tag+")
}

/** Logs `tag-` and releases [side] on the actor's thread. */
fun Actor.leave(side: LockSide, log: EventLog, tag: String) = call {
    log.add("$tag-")
    side.unlock()
}

/**
 * Starts a visit on the actor's thread: take [side], log `tag+`, count [inside] down, wait for
 * [release] (if given), log `tag-`, release. The log order is exact: `tag-` precedes the release.
 */
fun Actor.visit(
    side: LockSide,
    log: EventLog,
    tag: String,
    inside: CountDownLatch? = null,
    release: CountDownLatch? = null,
): Future<Unit> = start {
    side.lock()
    try {
        log.add("$tag+")
        inside?.countDown()
        release?.awaitOpen()
    } finally {
        log.add("$tag-")
        side.unlock()
    }
}
