package io.rwlocker.coroutines.fifo

import io.kotest.assertions.withClue
import io.kotest.matchers.shouldBe
import io.rwlocker.FifoLock
import io.rwlocker.Mode
import io.rwlocker.coroutines.withMode
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.launch

/*
 * Helpers of the withMode specs. A [CoTask] is a coroutine that takes a hold of a mode with
 * withMode, marks itself acquired and waits inside the hold for the test to complete it, fail it
 * or cancel its Job. On a runTest scope (StandardTestDispatcher) nothing runs until runCurrent(),
 * so the tests check the exact state after each step, as the upstream tests' acquisition_history.
 */

/** A coroutine holding (or waiting for) a hold of [mode] of [lock]. */
internal class CoTask(val lock: FifoLock, val mode: Mode) {
    var acquired: Boolean = false
    /** "completed", or the exception the coroutine ended with; null while it runs. */
    var outcome: Any? = null
    val done: CompletableDeferred<Unit> = CompletableDeferred()
    lateinit var job: Job

    fun complete() {
        done.complete(Unit)
    }
}

/** Launches a [CoTask]; [afterRelease] runs after withMode returned or threw (upstream's except block). */
internal fun CoroutineScope.coTask(lock: FifoLock, mode: Mode, afterRelease: (CoTask) -> Unit = {}): CoTask {
    val task = CoTask(lock, mode)
    task.job = launch {
        try {
            lock.withMode(mode) {
                task.acquired = true
                task.done.await()
            }
            task.outcome = "completed"
        } catch (e: Throwable) {
            task.outcome = e
        } finally {
            afterRelease(task)
        }
    }
    return task
}

/** The acquired flags of [tasks]. */
internal fun acquired(tasks: List<CoTask>): List<Boolean> = tasks.map { it.acquired }

/** Asserts that the lock has exactly [holds] of [modes] in total and [queued] requests in line. */
internal fun FifoLock.shouldHave(holds: Int, queued: Int, vararg modes: Mode) {
    withClue("lock state: $this") {
        modes.distinct().sumOf { holds(it) } shouldBe holds
        queueLength() shouldBe queued
    }
}
