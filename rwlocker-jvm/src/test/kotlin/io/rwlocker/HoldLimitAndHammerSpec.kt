package io.rwlocker

import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.datatest.withTests
import io.kotest.matchers.ints.shouldBeGreaterThan
import io.kotest.matchers.shouldBe
import java.util.concurrent.CountDownLatch
import java.util.concurrent.CyclicBarrier
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger
import java.util.concurrent.atomic.AtomicReference
import kotlin.random.Random

/**
 * No hold limit below `Integer.MAX_VALUE` (unlike `ReentrantReadWriteLock`'s 65,535 before
 * JDK 25), and a bounded multi-thread hammer per variant that checks mutual exclusion from
 * inside the critical sections and counts lost updates.
 */
class HoldLimitAndHammerSpec : FunSpec({
    timeout = 60_000L
    blockingTest = true

    context("70,000 read holds by one thread (past the JDK's 65,535)") {
        withTests(allVariants) { v ->
            withActors(2) { (a, probe) ->
                val lock = v.newLock()
                val holds = 70_000
                a.call {
                    repeat(holds / 2) { lock.read().lock() }
                    repeat(holds / 2) { lock.read().tryLock() shouldBe true }
                    lock.read().holdCount shouldBe holds
                }
                lock.readLockCount shouldBe holds
                probe.call { lock.write().tryLock() } shouldBe false
                a.call {
                    repeat(holds) { lock.read().unlock() }
                    lock.holdsHere() shouldBe NO_HOLDS
                }
                lock.shouldBeFree()
                probe.call { lock.write().tryLock() } shouldBe true
                probe.call { lock.write().unlock() }
                lock.shouldBeFree()
            }
        }
    }

    context("70,000 read holds spread over 7 threads, held at the same moment") {
        withTests(sharedReadVariants) { v ->
            val threads = 7
            val perThread = 10_000
            withActors(threads + 1, "reader") { actors ->
                val lock = v.newLock()
                val inside = CountDownLatch(threads)
                val release = CountDownLatch(1)
                val readers = actors.take(threads).map { actor ->
                    actor.start {
                        repeat(perThread) { lock.read().lock() }
                        try {
                            inside.countDown()
                            release.awaitOpen()
                            lock.read().holdCount
                        } finally {
                            repeat(perThread) { lock.read().unlock() }
                        }
                    }
                }
                inside.awaitOpen()
                lock.readLockCount shouldBe threads * perThread
                lock.isWriteLocked shouldBe false
                actors.last().call { lock.write().tryLock() } shouldBe false
                release.countDown()
                readers.forEach { it.await() shouldBe perThread }
                lock.shouldBeFree()
            }
        }
    }

    context("hammer: 4 threads of mixed operations never break exclusion or lose an update") {
        withTests(allVariants) { v ->
            val result = hammer(v, threads = 4, iterations = HAMMER_ITERATIONS)
            withClue(result) {
                result.violations shouldBe 0
                result.firstViolation shouldBe null
                result.counter shouldBe result.successfulWrites
                result.successfulWrites shouldBeGreaterThan 0
                result.successfulReads shouldBeGreaterThan 0
                // the threads really ran side by side (else the run proves nothing)
                result.failedTries shouldBeGreaterThan 0
            }
        }
    }
})

/** Iterations per hammer thread (override with -Dhammer.iterations=N). */
private val HAMMER_ITERATIONS: Int = System.getProperty("hammer.iterations", "20000").toInt()

/** How often the hammer threads meet at a barrier. */
private const val SYNC_EVERY = 1_000

/** Yields the processor now and then inside a critical section, to widen the window for an overlap. */
private fun maybeYield() {
    if (java.util.concurrent.ThreadLocalRandom.current().nextInt(64) == 0) Thread.yield()
}

/** What a hammer run observed. */
private data class HammerResult(
    val variant: Variant,
    val millis: Long,
    val violations: Int,
    val firstViolation: String?,
    val counter: Int,
    val successfulWrites: Int,
    val successfulReads: Int,
    /** tryLock attempts (untimed or timed) that failed: evidence that the threads did contend. */
    val failedTries: Int,
)

/** A plain, non-atomic counter: only the write lock protects it. */
private class Box {
    var value = 0
}

/**
 * Runs [threads] threads of [iterations] random operations each (read, write, tryLock, timed
 * tryLock, interruptible lock, recursion, downgrade, and reentrant nesting when allowed) against
 * one lock. Exclusion is checked inside every critical section with two counters; a violation
 * is recorded, not thrown, so no thread leaves a lock held.
 */
private fun hammer(v: Variant, threads: Int, iterations: Int): HammerResult {
    val lock = v.newLock()
    val read = lock.read()
    val write = lock.write()
    val exclusiveReads = v.policy == Policy.EXCLUSIVE
    val activeReaders = AtomicInteger()
    val activeWriters = AtomicInteger()
    val violations = AtomicInteger()
    val firstViolation = AtomicReference<String>()
    val box = Box()
    val writes = AtomicInteger()
    val reads = AtomicInteger()
    val failedTries = AtomicInteger()

    fun violation(what: String) {
        violations.incrementAndGet()
        firstViolation.compareAndSet(null, "$what ($lock)")
    }

    fun readSection(alreadyCounted: Boolean = false) {
        val readers = if (alreadyCounted) activeReaders.get() else activeReaders.incrementAndGet()
        val writers = activeWriters.get()
        if (writers != 0) violation("a reader overlaps $writers writer(s)")
        if (exclusiveReads && readers != 1) violation("EXCLUSIVE: $readers readers at once")
        @Suppress("UNUSED_VARIABLE")
        val seen = box.value
        maybeYield()
        reads.incrementAndGet()
        activeReaders.decrementAndGet()
    }

    fun writeSection() {
        val writers = activeWriters.incrementAndGet()
        val readers = activeReaders.get()
        if (writers != 1 || readers != 0) violation("a writer overlaps: writers=$writers readers=$readers")
        if (!lock.isWriteLockedByCurrentThread) violation("writer does not own the write lock")
        val before = box.value
        maybeYield()
        box.value = before + 1
        writes.incrementAndGet()
        activeWriters.decrementAndGet()
    }

    // every SYNC_EVERY iterations the threads meet again, so they keep running side by side
    // instead of one finishing its share within a time slice
    val rendezvous = CyclicBarrier(threads)
    val start = CountDownLatch(1)
    val done = CountDownLatch(threads)
    val workers = (0 until threads).map { index ->
        Thread({
            val random = Random(1_000 + index)
            try {
                start.await()
                repeat(iterations) { iteration ->
                    if (iteration % SYNC_EVERY == 0) rendezvous.await(BOUND_SECONDS, TimeUnit.SECONDS)
                    when (random.nextInt(if (v.reentrant) 12 else 10)) {
                        0, 1, 2 -> {
                            read.lock()
                            try { readSection() } finally { read.unlock() }
                        }
                        3 -> {
                            write.lock()
                            try { writeSection() } finally { write.unlock() }
                        }
                        4 -> if (read.tryLock()) {
                            try { readSection() } finally { read.unlock() }
                        } else {
                            failedTries.incrementAndGet()
                        }
                        5 -> if (write.tryLock()) {
                            try { writeSection() } finally { write.unlock() }
                        } else {
                            failedTries.incrementAndGet()
                        }
                        6 -> if (read.tryLock(random.nextLong(0, 200), TimeUnit.MICROSECONDS)) {
                            try { readSection() } finally { read.unlock() }
                        } else {
                            failedTries.incrementAndGet()
                        }
                        7 -> if (write.tryLock(random.nextLong(0, 200), TimeUnit.MICROSECONDS)) {
                            try { writeSection() } finally { write.unlock() }
                        } else {
                            failedTries.incrementAndGet()
                        }
                        8 -> {
                            // downgrade: become a reader (count it) before the write ends
                            write.lockInterruptibly()
                            writeSection()
                            activeReaders.incrementAndGet()
                            write.downgrade()
                            try { readSection(alreadyCounted = true) } finally { read.unlock() }
                        }
                        9 -> read.acquire().use {
                            // recursion, possibly while writers wait
                            read.lock()
                            try { readSection() } finally { read.unlock() }
                        }
                        10 -> write.acquire().use {
                            write.lock()
                            try { writeSection() } finally { write.unlock() }
                        }
                        11 -> write.acquire().use {
                            read.lock()
                            try { writeSection() } finally { read.unlock() }
                        }
                    }
                }
                if (read.holdCount != 0 || write.holdCount != 0) violation("holds left after the run")
            } catch (t: Throwable) {
                violation("thread $index failed: $t")
            } finally {
                done.countDown()
            }
        }, "hammer-${v.policy}-$index").apply { isDaemon = true }
    }
    workers.forEach { it.start() }
    val started = System.nanoTime()
    start.countDown()
    val finished = done.await(30, TimeUnit.SECONDS)
    val millis = millisSince(started)
    if (!finished) violation("hammer did not finish within 30 s (deadlock or lost wake-up?)")
    if (finished && lock.state() != FREE) violation("lock not free after the run")
    return HammerResult(
        v, millis, violations.get(), firstViolation.get(),
        if (finished) box.value else -1, writes.get(), reads.get(), failedTries.get(),
    )
}
