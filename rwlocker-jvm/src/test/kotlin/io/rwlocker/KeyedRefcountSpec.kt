package io.rwlocker

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.ints.shouldBeLessThanOrEqual
import io.kotest.matchers.longs.shouldBeGreaterThanOrEqual
import io.kotest.matchers.longs.shouldBeLessThan
import io.kotest.matchers.nulls.shouldNotBeNull
import io.kotest.matchers.shouldBe
import java.time.Duration
import java.util.concurrent.CyclicBarrier
import java.util.concurrent.ThreadLocalRandom
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicLong
import java.util.concurrent.atomic.AtomicReference
import kotlin.concurrent.thread

/**
 * Reference counting (DESIGN.md 4.4): an entry lives exactly while someone holds or awaits its
 * key, and is removed by the last one to leave on every exit path: success, an exception in the
 * guarded code, a timeout, an interrupt, misuse (KeyedMisuseSpec). So `size()` returns to 0 and
 * memory does not grow with the number of distinct keys ever used. The hammers race the last
 * leaver of an entry against newcomers of the same key: a revived dead entry would give one key
 * two locks, and the non-atomic counters would lose updates.
 */
class KeyedRefcountSpec : FunSpec({
    timeout = 300_000L
    blockingTest = true

    test("success: every kind of acquisition leaves the table empty once released") {
        val locks = KeyedLocks.create<String>()
        locks.read("k").close()
        locks.write("k").close()
        locks.tryRead("k", Duration.ofSeconds(1))!!.close()
        locks.tryWrite("k", Duration.ofSeconds(1))!!.close()
        locks.readAll(listOf("a", "b")).close()
        locks.writeAll(listOf("a", "b")).close()
        locks.shouldBeEmpty()
    }

    test("an exception in the guarded code releases the key and its entry") {
        val locks = KeyedLocks.create<String>()
        shouldThrow<IllegalArgumentException> { locks.write("k").use { throw IllegalArgumentException("boom") } }
        shouldThrow<IllegalArgumentException> { locks.readAll(listOf("a", "b")).use { throw IllegalArgumentException("boom") } }
        locks.shouldBeEmpty()
    }

    context("timeout") {
        for (v in allVariants) {
            test("$v: tryWrite/tryRead time out after at least the timeout, return null and give the entry back") {
                val locks = KeyedLocks.create<String>(v.policy, v.reentrant)
                withActors(2) { (holder, waiter) ->
                    val held = holder.call { locks.write("k") }
                    val began = System.nanoTime()
                    waiter.call { locks.tryWrite("k", Duration.ofMillis(50)) } shouldBe null
                    waiter.call { locks.tryRead("k", Duration.ofMillis(50)) } shouldBe null
                    millisSince(began) shouldBeGreaterThanOrEqual 100L
                    locks.usersOf("k") shouldBe 1
                    locks.lockOfKey("k")!!.queueLength shouldBe 0
                    holder.call { held.close() }
                }
                locks.shouldBeEmpty()
            }
        }
        test("zero or negative timeout: one attempt without waiting") {
            val locks = KeyedLocks.create<String>()
            locks.tryWrite("k", Duration.ZERO).shouldNotBeNull().use {
                withActors(1) { (other) ->
                    other.call { locks.tryRead("k", Duration.ZERO) } shouldBe null
                    other.call { locks.tryWrite("k", Duration.ofSeconds(-5)) } shouldBe null
                }
                locks.usersOf("k") shouldBe 1
            }
            locks.tryRead("k", Duration.ofNanos(-1)).shouldNotBeNull().close()
            locks.shouldBeEmpty()
        }
    }

    context("interrupt") {
        test("interrupted while waiting in tryWrite/tryRead: InterruptedException, no node, entry given back") {
            val locks = KeyedLocks.create<String>()
            withActors(2) { (holder, waiter) ->
                val held = holder.call { locks.write("k") }
                for (read in listOf(false, true)) {
                    val waiting = waiter.start {
                        if (read) locks.tryRead("k", Duration.ofMinutes(1)) else locks.tryWrite("k", Duration.ofMinutes(1))
                    }
                    locks.awaitQueuedOn("k", 1)
                    locks.usersOf("k") shouldBe 2
                    waiter.interrupt()
                    shouldThrow<InterruptedException> { waiting.await() }
                    locks.usersOf("k") shouldBe 1
                    locks.lockOfKey("k")!!.queueLength shouldBe 0
                }
                holder.call { held.close() }
            }
            locks.shouldBeEmpty()
        }
        test("interrupted before the call: InterruptedException even on a free key, nothing left") {
            val locks = KeyedLocks.create<String>()
            withActors(1) { (x) ->
                x.call {
                    Thread.currentThread().interrupt()
                    shouldThrow<InterruptedException> { locks.tryWrite("k", Duration.ofSeconds(1)) }
                    Thread.currentThread().interrupt()
                    shouldThrow<InterruptedException> { locks.tryRead("k", Duration.ZERO) }
                }
            }
            locks.shouldBeEmpty()
        }
        test("read(k)/write(k) ignore an interrupt while waiting and keep the interrupt status") {
            val locks = KeyedLocks.create<String>()
            withActors(2) { (holder, waiter) ->
                val held = holder.call { locks.write("k") }
                val waiting = waiter.start {
                    val g = locks.read("k")
                    val interrupted = Thread.interrupted()
                    g.close()
                    interrupted
                }
                locks.awaitQueuedOn("k", 1)
                waiter.interrupt()
                locks.usersOf("k") shouldBe 2
                holder.call { held.close() }
                waiting.await() shouldBe true
            }
            locks.shouldBeEmpty()
        }
    }

    test("1,000,000 distinct keys locked and released leave size() == 0 and a bounded heap") {
        val locks = KeyedLocks.create<Int>()
        val baseline = usedHeapAfterGc()
        val window = ArrayDeque<Guard>()
        var peak = 0
        for (i in 0 until 1_000_000) {
            window.addLast(if (i % 10 == 0) locks.write(i) else locks.read(i))
            if (window.size > 64) window.removeFirst().close()
            if (i % 4096 == 0) peak = maxOf(peak, locks.size())
        }
        while (window.isNotEmpty()) window.removeFirst().close()
        peak shouldBeLessThanOrEqual 65
        locks.shouldBeEmpty()
        val grown = usedHeapAfterGc() - baseline
        withClue("heap grew by $grown bytes after 1,000,000 keys") { grown shouldBeLessThan 32L * 1024 * 1024 }
    }

    test("the last leaver of a hot key races newcomers of the same key: no second lock, no lost update, no leftover") {
        for (v in allVariants) {
            val locks = KeyedLocks.create<String>(v.policy, v.reentrant)
            val threads = 4
            val rounds = 50_000
            val counter = IntArray(1)
            val writes = AtomicLong()
            val start = CyclicBarrier(threads)
            val failure = AtomicReference<Throwable>()
            val workers = (1..threads).map {
                thread(isDaemon = true, name = "hot-$it") {
                    try {
                        start.await(BOUND_SECONDS, TimeUnit.SECONDS)
                        val random = ThreadLocalRandom.current()
                        repeat(rounds) {
                            if (random.nextInt(4) == 0) {
                                locks.write("hot").use {
                                    counter[0] = counter[0] + 1 // non-atomic: only exclusion keeps it right
                                    writes.incrementAndGet()
                                }
                            } else {
                                locks.read("hot").use { }
                            }
                        }
                    } catch (e: Throwable) {
                        failure.compareAndSet(null, e)
                    }
                }
            }
            workers.forEach { it.join(120_000) }
            withClue("$v: a worker hung") { workers.none { it.isAlive } shouldBe true }
            failure.get()?.let { throw it }
            withClue(v) { counter[0].toLong() shouldBe writes.get() }
            locks.shouldBeEmpty()
        }
    }

    test("timeouts racing grants on a few keys: counters exact, every entry gone at the end") {
        val locks = KeyedLocks.create<Int>(Policy.FAIR, false)
        val keys = 4
        val counters = IntArray(keys)
        val done = LongArray(keys)
        val threads = 4
        val start = CyclicBarrier(threads)
        val failure = AtomicReference<Throwable>()
        val tally = Array(threads) { LongArray(keys) }
        val workers = (0 until threads).map { t ->
            thread(isDaemon = true, name = "timed-$t") {
                try {
                    start.await(BOUND_SECONDS, TimeUnit.SECONDS)
                    val random = ThreadLocalRandom.current()
                    repeat(20_000) {
                        val key = random.nextInt(keys)
                        val guard = locks.tryWrite(key, Duration.ofNanos(random.nextLong(0, 50_000)))
                        if (guard != null) {
                            guard.use {
                                counters[key] = counters[key] + 1
                                tally[t][key]++
                            }
                        }
                    }
                } catch (e: Throwable) {
                    failure.compareAndSet(null, e)
                }
            }
        }
        workers.forEach { it.join(120_000) }
        workers.none { it.isAlive } shouldBe true
        failure.get()?.let { throw it }
        for (k in 0 until keys) {
            for (t in 0 until threads) done[k] += tally[t][k]
            counters[k].toLong() shouldBe done[k]
        }
        locks.shouldBeEmpty()
    }
})

/** Used heap after the collector ran (several times, until it stops shrinking). */
private fun usedHeapAfterGc(): Long {
    val runtime = Runtime.getRuntime()
    var used = Long.MAX_VALUE
    repeat(5) {
        System.gc()
        val now = runtime.totalMemory() - runtime.freeMemory()
        if (now >= used) return now
        used = now
    }
    return used
}
