package io.rwlocker.coroutines

import io.kotest.matchers.collections.shouldBeEmpty
import io.kotest.matchers.shouldBe
import java.util.concurrent.ConcurrentLinkedQueue
import java.util.concurrent.atomic.AtomicInteger
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.test.TestCoroutineScheduler
import kotlinx.coroutines.test.TestScope
import kotlinx.coroutines.test.runTest
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.delay
import kotlin.time.Duration
import kotlin.time.Duration.Companion.seconds

/**
 * Watches the tasks of a [PriorityDispatcher] from the inside: every task body wrapped by
 * [write]/[read] checks on entry that the ordering rules' exclusion holds (a write alone, reads
 * at most [readParallelism] at once) and records when it started and ended. Thread-safe (atomics
 * and concurrent queues), so it serves virtual-time tests and real-dispatcher hammer tests alike.
 */
internal class Tracker(
    private val readParallelism: Int = Int.MAX_VALUE,
    private val scheduler: TestCoroutineScheduler? = null,
) {
    private val writesInside = AtomicInteger()
    private val readsInside = AtomicInteger()
    private val maxReadsSeen = AtomicInteger()

    /** Broken rules seen by a task on entry (must stay empty). */
    val violations: ConcurrentLinkedQueue<String> = ConcurrentLinkedQueue()

    /** Names in the order the tasks started. */
    val started: ConcurrentLinkedQueue<String> = ConcurrentLinkedQueue()

    /** Name to (virtual) start time, with a [scheduler]. */
    val startTimes: MutableMap<String, Long> = java.util.concurrent.ConcurrentHashMap()

    /** Name to (virtual) end time, with a [scheduler]. */
    val endTimes: MutableMap<String, Long> = java.util.concurrent.ConcurrentHashMap()

    /** The most reads seen running at once. */
    val maxReads: Int get() = maxReadsSeen.get()

    /** Runs [body] as the write task [name]. */
    suspend fun <T> write(name: String, body: suspend () -> T): T {
        val writers = writesInside.incrementAndGet()
        val readers = readsInside.get()
        if (writers != 1 || readers != 0) violations += "$name started beside ${writers - 1} writes and $readers reads"
        enter(name)
        try {
            return body()
        } finally {
            leave(name)
            writesInside.decrementAndGet()
        }
    }

    /** Runs [body] as the read task [name]. */
    suspend fun <T> read(name: String, body: suspend () -> T): T {
        val readers = readsInside.incrementAndGet()
        maxReadsSeen.accumulateAndGet(readers, ::maxOf)
        if (writesInside.get() != 0) violations += "$name started beside a write"
        if (readers > readParallelism) violations += "$name started as read number $readers (limit $readParallelism)"
        enter(name)
        try {
            return body()
        } finally {
            leave(name)
            readsInside.decrementAndGet()
        }
    }

    private fun enter(name: String) {
        started += name
        scheduler?.let { startTimes[name] = it.currentTime }
    }

    private fun leave(name: String) {
        scheduler?.let { endTimes[name] = it.currentTime }
    }

    /** Asserts that no task saw a broken rule and none is inside now. */
    fun shouldBeClean() {
        violations.toList().shouldBeEmpty()
        writesInside.get() shouldBe 0
        readsInside.get() shouldBe 0
    }
}

/** Asserts that nothing is queued or running in [dispatcher] (its whole admission state). */
internal fun PriorityDispatcher.shouldBeIdle() {
    val s = snapshot()
    s.queuedWrites shouldBe 0
    s.queuedReads shouldBe 0
    s.runningWrites shouldBe 0
    s.runningReads shouldBe 0
    queuedTasks shouldBe 0
    runningTasks shouldBe 0
    runningCallerBlocks() shouldBe 0
}

/** Asserts the exact admission counts of [dispatcher]. */
internal fun PriorityDispatcher.shouldHave(queuedWrites: Int = 0, queuedReads: Int = 0, runningWrites: Int = 0, runningReads: Int = 0) {
    val s = snapshot()
    listOf(s.queuedWrites, s.queuedReads, s.runningWrites, s.runningReads) shouldBe
        listOf(queuedWrites, queuedReads, runningWrites, runningReads)
}

/**
 * Runs [body] under `runTest` (virtual time) with a dispatcher whose tasks run on the test's own
 * dispatcher and Job. The dispatcher is cancelled afterwards whatever happens, so a failed
 * assertion cannot leave the test waiting for its tasks.
 */
internal fun priorityTest(
    readParallelism: Int = 64,
    maxConsecutiveWrites: Int = Int.MAX_VALUE,
    body: suspend TestScope.(PriorityDispatcher, Tracker) -> Unit,
) = runTest {
    val dispatcher = PriorityDispatcher(this, readParallelism, maxConsecutiveWrites)
    try {
        body(dispatcher, Tracker(readParallelism, testScheduler))
    } finally {
        dispatcher.cancel()
    }
}

/** Waits (bounded, by polling) until [condition] holds: for tests on real dispatchers and threads. */
internal suspend fun eventually(timeout: Duration = 10.seconds, condition: () -> Boolean) {
    withTimeout(timeout) {
        while (!condition()) delay(1)
    }
}

/** The scope's Job children count, to check that nothing is left attached. */
internal fun CoroutineScope.childCount(): Int = coroutineContext[kotlinx.coroutines.Job]!!.children.count()

/** Whether the calling coroutine runs inside a task of [dispatcher] (for tests of the marker). */
internal suspend fun insideTaskOf(dispatcher: PriorityDispatcher): Boolean =
    dispatcher.taskKindOf(currentCoroutineContext()) != null
