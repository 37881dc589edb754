package io.rwlocker.fifo

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.nulls.shouldBeNull
import io.kotest.matchers.nulls.shouldNotBeNull
import io.kotest.matchers.shouldBe
import io.rwlocker.FifoLock
import io.rwlocker.Guard
import io.rwlocker.Holds
import io.rwlocker.Mode
import io.rwlocker.Modes
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger
import kotlin.random.Random

/** Compared by value, so two instances share a count without being the same object. */
private data class Pool(val name: String, val permits: Int) : Mode {
    override fun isCompatible(holds: Holds): Boolean = holds.count(this) < permits && holds.count(Modes.mutex()) == 0
}

/**
 * The two representations of the holds inside the engine (a lock-free snapshot while one mode
 * object is held and nobody waits; a table under the internal lock otherwise) must be invisible:
 * holds survive every change between them, and a long random single-threaded walk over every kind
 * of mode (built-in, equal-but-distinct objects, pools) agrees with a plain model at each step; a
 * multi-thread hammer over all of them keeps every mode's rule.
 */
class FifoRepresentationSpec : FunSpec({
    timeout = 120_000L
    blockingTest = true

    val read = Modes.read()
    val write = Modes.write()
    val mutex = Modes.mutex()

    test("holds survive the moves between the snapshot and the table, in both directions") {
        val lock = FifoLock()
        val pool = Modes.semaphore(2)
        val reads = List(3) { lock.acquire(read) } // lock-free snapshot: read=3
        lock.holds(read) shouldBe 3
        val pooled = lock.acquire(pool) // a second mode: the table
        lock.holds(read) shouldBe 3
        lock.holds(pool) shouldBe 1
        lock.tryAcquire(write).shouldBeNull()
        pooled.close() // one mode left, nobody waits: a snapshot again (read=3, built from the table)
        lock.holds(pool) shouldBe 0
        lock.holds(read) shouldBe 3
        val fourth = lock.acquire(read) // joins on the lock-free path
        lock.holds(read) shouldBe 4
        reads[1].close()
        fourth.close()
        reads[0].close()
        lock.holds(read) shouldBe 1
        lock.tryAcquire(write).shouldBeNull()
        reads[2].close()
        lock.shouldBeIdle(read, write, pool)
        lock.tryAcquire(write).shouldNotBeNull().close()
        lock.shouldBeIdle(read, write, pool)
    }

    test("equal but distinct mode objects share one count on either path") {
        val lock = FifoLock()
        val a = lock.acquire(Pool("p", 3))
        val b = lock.acquire(Pool("p", 3)) // another object: counted in the table under the first
        lock.holds(Pool("p", 3)) shouldBe 2
        a.close()
        val c = lock.acquire(Pool("p", 3))
        lock.tryAcquire(Pool("p", 3)).shouldNotBeNull().use {
            lock.holds(Pool("p", 3)) shouldBe 3
            lock.tryAcquire(Pool("p", 3)).shouldBeNull()
        }
        b.close(); c.close()
        lock.shouldBeIdle(Pool("p", 3))
    }

    test("a random walk of tryAcquire and close agrees with a plain model at every step") {
        val random = Random(12)
        val modes: List<Mode> = listOf(read, write, mutex, Modes.semaphore(2), Pool("q", 2), Pool("q", 2), Pool("r", 1))
        val lock = FifoLock()
        val held = mutableListOf<Pair<Mode, Guard>>()
        fun count(m: Mode) = held.count { it.first == m }
        fun fits(m: Mode): Boolean = when {
            m === mutex -> held.isEmpty()
            count(mutex) > 0 -> false
            m === read -> count(write) == 0
            m === write -> count(read) == 0 && count(write) == 0
            m is Pool -> count(m) < m.permits
            else -> count(m) < 2 // the semaphore(2)
        }
        repeat(20_000) { step ->
            if (held.isNotEmpty() && random.nextInt(100) < 45) {
                val (_, guard) = held.removeAt(random.nextInt(held.size))
                guard.close()
                if (random.nextInt(10) == 0) guard.close() // a second close releases nothing
            } else {
                val mode = modes[random.nextInt(modes.size)]
                val expected = fits(mode)
                val guard = lock.tryAcquire(mode)
                if ((guard != null) != expected) {
                    throw AssertionError("step $step: tryAcquire($mode) = ${guard != null}, model says $expected; held ${held.map { it.first }}; $lock")
                }
                if (guard != null) held += mode to guard
            }
            for (m in modes.distinct()) {
                if (lock.holds(m) != count(m)) throw AssertionError("step $step: holds($m) = ${lock.holds(m)}, model ${count(m)}; $lock")
            }
        }
        held.forEach { it.second.close() }
        lock.shouldBeIdle(*modes.toTypedArray())
    }

    test("hammer over every kind of mode: each mode's rule holds, and the lock ends idle") {
        val lock = FifoLock()
        val pool = Modes.semaphore(2)
        val custom = Pool("c", 3)
        val counts = mapOf(read to AtomicInteger(), write to AtomicInteger(), mutex to AtomicInteger(), pool to AtomicInteger(), custom to AtomicInteger())
        val total = AtomicInteger()
        val violations = AtomicInteger()
        fun enter(mode: Mode) {
            val n = counts.getValue(mode).incrementAndGet()
            val all = total.incrementAndGet()
            val ok = when (mode) {
                mutex -> all == 1
                write -> n == 1 && counts.getValue(read).get() == 0 && counts.getValue(mutex).get() == 0
                read -> counts.getValue(write).get() == 0 && counts.getValue(mutex).get() == 0
                pool -> n <= 2 && counts.getValue(mutex).get() == 0
                else -> n <= 3 && counts.getValue(mutex).get() == 0
            }
            if (!ok) violations.incrementAndGet()
        }
        fun leave(mode: Mode) {
            total.decrementAndGet()
            counts.getValue(mode).decrementAndGet()
        }
        val modes = listOf(read, read, read, write, mutex, pool, custom, Pool("c", 3))
        val threads = (0 until 4).map { t ->
            Thread {
                val random = Random(t)
                repeat(3_000) {
                    val mode = modes[random.nextInt(modes.size)]
                    val key = if (mode is Pool) custom else mode
                    lock.acquire(mode).use {
                        enter(key)
                        leave(key)
                    }
                }
            }.apply { start() }
        }
        threads.forEach { it.join(TimeUnit.SECONDS.toMillis(60)) }
        threads.any { it.isAlive } shouldBe false
        violations.get() shouldBe 0
        lock.shouldBeIdle(read, write, mutex, pool, custom)
    }
})
