package io.rwlocker.condition

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldContainExactly
import io.kotest.matchers.collections.shouldContainExactlyInAnyOrder
import io.kotest.matchers.shouldBe
import io.rwlocker.RWCondition
import io.rwlocker.RWLock
import java.time.Duration
import java.util.Collections
import java.util.concurrent.CountDownLatch
import java.util.concurrent.CyclicBarrier
import java.util.concurrent.TimeUnit.MILLISECONDS
import java.util.concurrent.atomic.AtomicReference

/** The job queue of the RWCondition examples: `submit` hands each job to one waiting worker with signal(n). */
private class JobQueue(private val lock: RWLock) {
    private val jobs = ArrayDeque<Int>()
    private var closed = false
    val available: RWCondition = lock.newCondition()

    /** Adds the jobs and wakes as many waiting workers; returns how many were woken. */
    fun submit(batch: List<Int>): Int = lock.write().acquire().use {
        jobs.addAll(batch)
        available.signal(batch.size)
    }

    /** The next job, waiting for one; null once closed and drained. */
    fun take(): Int? = lock.write().acquire().use {
        while (jobs.isEmpty() && !closed) available.await()
        jobs.removeFirstOrNull()
    }

    /** Stops the workers once the queue is drained. */
    fun close() = lock.write().acquire().use {
        closed = true
        available.signalAll()
    }

    val pending: Int get() = lock.read().acquire().use { jobs.size }
}

/** The cache of the RWCondition javadoc: readers wait, as readers, until it is fresh enough. */
private class Cache(private val lock: RWLock) {
    @Volatile var version = 0
        private set
    @Volatile var value = "v0"
        private set
    val refreshed: RWCondition = lock.newCondition()

    /** The writer: reload and wake every waiting reader (they re-enter together). */
    fun refresh(newValue: String) = lock.write().acquire().use {
        value = newValue
        version++
        refreshed.signalAll()
    }
}

/** The two usage examples of RWCondition, run as tests. */
class ConditionExamplesSpec : FunSpec({
    timeout = 60_000
    blockingTest = true

    test("job queue: signal(n) hands exactly n jobs to n of the waiting workers, the longest waiting first") {
        val lock = RWLock.writerPreferring()
        val queue = JobQueue(lock)
        val taken = Collections.synchronizedList(mutableListOf<Pair<Int, Int>>()) // (worker, job)
        val gate = AtomicReference(CountDownLatch(1)) // "processing" a job blocks on the current gate
        val workers = (0 until 5).map { w ->
            startThread("worker-$w") {
                while (true) {
                    val job = queue.take() ?: break
                    taken += w to job
                    gate.get().await(BOUND_MS, MILLISECONDS) shouldBe true
                }
                lock.myHolds() shouldBe (0 to 0)
            }.also { val queued = w + 1; eventually("worker $w waits") { queue.available.waitQueueLength == queued } }
        }

        queue.submit(listOf(100, 101, 102)) shouldBe 3
        eventually("three jobs are taken") { taken.size == 3 }
        taken.map { it.first } shouldContainExactlyInAnyOrder listOf(0, 1, 2) // FIFO: the longest waiting
        taken.map { it.second } shouldContainExactlyInAnyOrder listOf(100, 101, 102)
        queue.pending shouldBe 0
        queue.available.waitQueueLength shouldBe 2 // the other two were not woken

        val first = gate.getAndSet(CountDownLatch(0))
        first.countDown()
        eventually("all five workers wait again") { queue.available.waitQueueLength == 5 }

        queue.submit((200 until 207).toList()) shouldBe 5 // 7 jobs, only 5 waiters
        eventually("all ten jobs are taken") { taken.size == 10 && queue.available.waitQueueLength == 5 }
        taken.map { it.second }.sorted() shouldContainExactly listOf(100, 101, 102) + (200 until 207)
        queue.pending shouldBe 0

        queue.close()
        workers.forEach { it.join() }
        lock.shouldBeClean(queue.available)
    }

    test("cache refresh: readers waitFor(fresh) under the read lock; one refresh with signalAll lets them all in together") {
        val lock = RWLock.writerPreferring()
        val cache = Cache(lock)
        val readers = 5
        val together = CyclicBarrier(readers)
        val seen = Collections.synchronizedList(mutableListOf<String>())
        val threads = (0 until readers).map { r ->
            startThread("reader-$r") {
                lock.read().acquire().use {
                    cache.refreshed.waitFor { cache.version >= 2 }
                    seen += cache.value
                    together.await(BOUND_MS, MILLISECONDS) // all readers hold the read lock at once
                    lock.myHolds() shouldBe (0 to 1)
                }
            }
        }
        eventually("the readers wait") { cache.refreshed.waitQueueLength == readers }
        cache.refresh("v1") // not fresh enough: the readers wake, re-check, and wait again
        eventually("the readers wait again") { cache.refreshed.waitQueueLength == readers }
        seen shouldBe emptyList()
        cache.refresh("v2")
        threads.forEach { it.join() }
        seen shouldContainExactly List(readers) { "v2" }
        lock.shouldBeClean(cache.refreshed)
    }

    test("cache refresh: waitFor(fresh, timeout) returns false with the read lock still held when nobody refreshes") {
        val lock = RWLock.writerPreferring()
        val cache = Cache(lock)
        lock.read().acquire().use {
            cache.refreshed.waitFor({ cache.version >= 1 }, Duration.ofMillis(30)) shouldBe false
            lock.myHolds() shouldBe (0 to 1)
            cache.value shouldBe "v0"
        }
        cache.refresh("v1")
        lock.read().acquire().use {
            cache.refreshed.waitFor({ cache.version >= 1 }, Duration.ofMillis(30)) shouldBe true
            cache.value shouldBe "v1"
        }
        lock.shouldBeClean(cache.refreshed)
    }
})
