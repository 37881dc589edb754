package io.rwlocker.fifo

import io.kotest.assertions.withClue
import io.kotest.matchers.shouldBe
import io.rwlocker.FifoLock
import io.rwlocker.Guard
import io.rwlocker.Mode
import io.rwlocker.awaitTrue
import java.util.concurrent.CompletableFuture
import java.util.concurrent.CountDownLatch
import java.util.concurrent.ExecutionException
import java.util.concurrent.TimeUnit

/*
 * Shared helpers of the FifoLock specs (threads).
 *
 * A [Task] is one thread that requests a hold of a mode, marks itself `acquired`, and then waits
 * inside the hold for the test to [Task.complete] it, make it fail ([Task.fail]) or interrupt it
 * ([Task.cancel], the threads' form of the upstream tests' task.cancel()). A [Scenario] starts
 * tasks one at a time, each only after the lock shows it granted or queued, so the arrival order
 * is the start order, and checks the state after each step by a bounded poll of what the lock and
 * the tasks publish (never a sleep that hopes): which tasks acquired, the queue length and the
 * holds. Grants of one admission pass happen in one step under the lock, so polling for an exact
 * state cannot pass through a wrong one.
 */

/** The bound of every wait in these specs. */
internal const val FIFO_BOUND_SECONDS: Long = 10L

/** One thread holding (or waiting for) a hold of [mode] of [lock]. */
internal class Task(
    val lock: FifoLock,
    val mode: Mode,
    name: String,
    private val acquire: (FifoLock, Mode) -> Guard?,
    private val afterRelease: () -> Unit = {},
) {
    @Volatile
    var acquired: Boolean = false
        private set

    private val done = CompletableFuture<Unit>()
    private val finished = CountDownLatch(1)

    /** How the task ended: null while running, "completed", or the exception it ended with. */
    @Volatile
    var outcome: Any? = null
        private set

    /** Whether the test ended the task (complete, fail or cancel). */
    var ended: Boolean = false
        private set

    val thread: Thread = Thread({
        try {
            val guard = acquire(lock, mode)
            if (guard == null) {
                outcome = "timed out"
            } else {
                guard.use {
                    acquired = true
                    try {
                        done.get()
                    } catch (e: ExecutionException) {
                        throw e.cause!!
                    }
                }
                outcome = "completed"
            }
        } catch (t: Throwable) {
            outcome = t
        } finally {
            afterRelease()
            finished.countDown()
        }
    }, name).apply { isDaemon = true }

    fun start(): Task = apply { thread.start() }

    /** Lets the task leave its hold normally. */
    fun complete() {
        ended = true
        done.complete(Unit)
    }

    /** Makes the body inside the hold throw [e]. */
    fun fail(e: Throwable) {
        ended = true
        done.completeExceptionally(e)
    }

    /** Interrupts the task: while waiting in line, or while inside its hold. */
    fun cancel() {
        ended = true
        thread.interrupt()
    }

    /** Waits (bounded) for the task's thread to end and returns its outcome; the task counts as ended. */
    fun awaitOutcome(): Any? {
        withClue("task ${thread.name} did not end within $FIFO_BOUND_SECONDS s") {
            finished.await(FIFO_BOUND_SECONDS, TimeUnit.SECONDS) shouldBe true
        }
        ended = true
        return outcome
    }

    val isFinished: Boolean get() = finished.count == 0L
}

/** Tasks started in order on one or more locks, with exact state checks after each step. */
internal class Scenario(private val modes: List<Mode> = emptyList()) {
    val tasks: MutableList<Task> = mutableListOf()
    private val locks = LinkedHashSet<FifoLock>()

    /** Starts a task that takes [mode] of [lock] with acquireInterruptibly, once it is granted or queued. */
    fun start(
        lock: FifoLock,
        mode: Mode,
        acquire: (FifoLock, Mode) -> Guard? = { l, m -> l.acquireInterruptibly(m) },
        afterRelease: () -> Unit = {},
    ): Task {
        locks += lock
        val queuedBefore = lock.queueLength()
        val task = Task(lock, mode, "task-${tasks.size}", acquire, afterRelease)
        tasks += task
        task.start()
        awaitTrue("task ${tasks.size - 1} granted or queued ($lock)") {
            task.acquired || lock.queueLength() == queuedBefore + 1 || task.isFinished
        }
        return task
    }

    /**
     * Waits until exactly the tasks flagged in [acquired] have acquired, every task that has not
     * acquired and was not ended is queued, and the holds of [modes] equal the tasks that
     * acquired and were not ended.
     */
    fun expect(vararg acquired: Boolean) {
        require(acquired.size == tasks.size)
        val flags = acquired.toList()
        val queued = locks.associateWith { lock -> tasks.indices.count { tasks[it].lock === lock && !flags[it] && !tasks[it].ended } }
        val holding = locks.associateWith { lock -> tasks.indices.count { tasks[it].lock === lock && flags[it] && !tasks[it].ended } }
        awaitTrue("acquired == $flags, queued == ${queued.values}, holding == ${holding.values}: ${describe()}") {
            tasks.map { it.acquired } == flags &&
                locks.all { it.queueLength() == queued[it] && holdsOf(it) == holding[it] }
        }
    }

    private fun holdsOf(lock: FifoLock): Int = modes.distinct().sumOf { lock.holds(it) }

    fun describe(): String = "acquired=${tasks.map { it.acquired }}, locks=$locks"

    /** Ends every task still running (clean-up after a failed assertion). */
    fun endAll() {
        tasks.forEach { if (!it.isFinished) it.complete() }
    }
}

/**
 * Asserts that nobody holds [modes] of the lock and nobody waits, after a bounded wait for tasks
 * that were just let go to release (a leaked hold or waiter never gets there and fails).
 */
internal fun FifoLock.shouldBeIdle(vararg modes: Mode) {
    runCatching { awaitTrue("lock idle: $this") { queueLength() == 0 && modes.sumOf { holds(it) } == 0 } }
    withClue("lock should be idle: $this") {
        queueLength() shouldBe 0
        modes.sumOf { holds(it) } shouldBe 0
    }
}
