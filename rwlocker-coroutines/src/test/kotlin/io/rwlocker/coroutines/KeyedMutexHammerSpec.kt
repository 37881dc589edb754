package io.rwlocker.coroutines

import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.nulls.shouldNotBeNull
import io.kotest.matchers.shouldBe
import io.rwlocker.Policy
import java.time.Duration
import java.util.concurrent.CyclicBarrier
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicLong
import java.util.concurrent.atomic.AtomicReference
import kotlin.concurrent.thread
import kotlin.random.Random
import kotlin.time.Duration.Companion.microseconds
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.withTimeoutOrNull

/** A key whose hash code is the same for every instance: distinct keys, equal hashes. */
private class Same(val id: Int) {
    override fun equals(other: Any?): Boolean = other is Same && other.id == id

    override fun hashCode(): Int = 7

    override fun toString(): String = "Same($id)"
}

/**
 * The keyed mutex on real dispatchers and real threads, sharing one table: multi-key calls in
 * opposite orders never deadlock (also for colliding hash codes), non-atomic per-key counters
 * lose no update, and cancellations racing grants leave every key free and the table empty. Every
 * run is bounded (withTimeout for coroutines, a bounded join for threads): a deadlock fails.
 */
class KeyedMutexHammerSpec : FunSpec({
    timeout = 300_000

    /**
     * Threads and coroutines on one table: each thread and each coroutine runs writeAll over its
     * own argument order of [keys] [rounds] times, bumping every key's non-atomic counter.
     */
    fun <K> race(keys: List<K>, threadOrders: List<List<K>>, coroutineOrders: List<List<K>>, rounds: Int) {
        val f = KeyedFixture<K>()
        val counters = keys.associateWith { IntArray(1) }
        val failure = AtomicReference<Throwable>()
        val start = CyclicBarrier(threadOrders.size + 1)
        val threads = threadOrders.mapIndexed { i, order ->
            val mine = order.distinct().map { counters.getValue(it) }
            thread(isDaemon = true, name = "keyed-thread-$i") {
                try {
                    start.await(10, TimeUnit.SECONDS)
                    repeat(rounds) { f.locks.writeAll(order).use { mine.forEach { c -> c[0] = c[0] + 1 } } }
                } catch (e: Throwable) {
                    failure.compareAndSet(null, e)
                }
            }
        }
        runBlocking {
            withTimeout(240.seconds) {
                withContext(Dispatchers.Default) {
                    start.await(10, TimeUnit.SECONDS)
                    for (order in coroutineOrders) {
                        val mine = order.distinct().map { counters.getValue(it) }
                        launch { repeat(rounds) { f.mutex.writeAll(order) { mine.forEach { c -> c[0] = c[0] + 1 } } } }
                    }
                }
            }
        }
        threads.forEach { it.join(240_000) }
        withClue("deadlock: threads still waiting ${threads.filter { it.isAlive }.map { it.name }}") {
            threads.none { it.isAlive } shouldBe true
        }
        failure.get()?.let { throw it }
        val expected = (threadOrders + coroutineOrders).count().toLong() * rounds
        for ((key, counter) in counters) withClue("key $key") { counter[0].toLong() shouldBe expected }
        f.shouldBeEmpty()
    }

    test("coroutines: writeAll([a, b]) against writeAll([b, a]), 20,000 times each, distinct and colliding hashes") {
        race(listOf("a", "b"), emptyList(), listOf(listOf("a", "b"), listOf("b", "a")), 20_000)
        val (a, b) = listOf(Same(1), Same(2))
        race(listOf(a, b), emptyList(), listOf(listOf(a, b), listOf(b, a)), 20_000)
    }

    test("threads and coroutines on one table: opposite orders, colliding hashes, duplicates") {
        val (a, b, c) = listOf(Same(1), Same(2), Same(3))
        race(
            keys = listOf(a, b, c),
            threadOrders = listOf(listOf(a, b, c), listOf(c, b, a, c)),
            coroutineOrders = listOf(listOf(b, a, c), listOf(c, a, b), listOf(a, c, b, b)),
            rounds = 10_000,
        )
    }

    /*
     * Each attempt runs as its own child coroutine: this checks the table (reference counts, and
     * that a lock still held by a grant racing a cancellation is never reused for another key),
     * independently of when the mutex gives such a grant back. That give-back itself is the
     * subject of the mutex's own cancellation specs.
     */
    context("cancellations racing grants leave every key free and the table empty") {
        for (policy in ALL_POLICIES) {
            test("$policy") {
                val f = KeyedFixture<Int>(policy)
                val keys = 3
                val counters = IntArray(keys)
                val completed = AtomicLong()
                runBlocking {
                    withTimeout(120.seconds) {
                        withContext(Dispatchers.Default) {
                            repeat(8) { worker ->
                                launch {
                                    val random = Random(worker)
                                    repeat(3_000) {
                                        val key = random.nextInt(keys)
                                        val patience = random.nextLong(1, 200).microseconds
                                        val write = random.nextBoolean()
                                        launch {
                                            withTimeoutOrNull(patience) {
                                                if (write) {
                                                    f.mutex.write(key) {
                                                        counters[key] = counters[key] + 1
                                                        completed.incrementAndGet()
                                                    }
                                                } else {
                                                    f.mutex.writeAll(listOf(key, (key + 1) % keys)) {
                                                        counters[key] = counters[key] + 1
                                                        completed.incrementAndGet()
                                                    }
                                                }
                                            }
                                        }.join()
                                    }
                                }
                            }
                        }
                    }
                }
                counters.sum().toLong() shouldBe completed.get()
                f.shouldBeEmpty()
                // every key's lock (new or reused) is free: a stray hold would make these fail
                repeat(keys) { key ->
                    f.locks.tryWrite(key, Duration.ZERO).shouldNotBeNull().close()
                }
                f.locks.writeAll((0 until 100).toList()).close()
                f.shouldBeEmpty()
            }
        }
    }
})
