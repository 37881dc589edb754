package io.rwlocker

import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import java.util.concurrent.CyclicBarrier
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicReference
import kotlin.concurrent.thread

/** What one racing thread does in one round, given the keys it was assigned. */
private enum class Step { WRITE_ALL, READ_ALL, WRITE_ONE }

/**
 * One global lock order for multi-key acquisitions (DESIGN.md 4.4): threads that lock the same
 * keys in different argument orders never deadlock, for every key type, also for distinct keys
 * with equal hash codes. Each race runs daemon threads joined with a bound: a deadlock fails the
 * test instead of hanging the build. Writers bump non-atomic per-key counters, so a writer that
 * was not exclusive shows up as a lost update.
 */
class KeyedOrderSpec : FunSpec({
    timeout = 600_000L
    blockingTest = true

    /**
     * Runs one thread per entry of [plans] (its step and its keys, in the order it passes them),
     * [rounds] times each, and checks: nobody hung, no update lost, no entry left.
     */
    fun <K> race(locks: KeyedLocks<K>, rounds: Int, plans: List<Pair<Step, List<K>>>) {
        val counters = HashMap<K, IntArray>()
        plans.forEach { (_, keys) -> keys.forEach { counters.getOrPut(it) { IntArray(1) } } }
        val expected = HashMap<K, Long>()
        plans.forEach { (step, keys) ->
            if (step != Step.READ_ALL) keys.distinct().forEach { expected[it] = (expected[it] ?: 0L) + rounds }
        }
        val start = CyclicBarrier(plans.size)
        val failure = AtomicReference<Throwable>()
        val workers = plans.mapIndexed { i, (step, keys) ->
            val mine = keys.distinct().map { counters.getValue(it) }
            thread(isDaemon = true, name = "order-$i") {
                try {
                    start.await(BOUND_SECONDS, TimeUnit.SECONDS)
                    repeat(rounds) {
                        when (step) {
                            Step.WRITE_ALL -> locks.writeAll(keys).use { mine.forEach { c -> c[0] = c[0] + 1 } }
                            Step.READ_ALL -> locks.readAll(keys).use { mine.forEach { c -> check(c[0] >= 0) } }
                            Step.WRITE_ONE -> locks.write(keys.single()).use { mine[0][0] = mine[0][0] + 1 }
                        }
                    }
                } catch (e: Throwable) {
                    failure.compareAndSet(null, e)
                }
            }
        }
        val deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120)
        workers.forEach { it.join(maxOf(1L, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()))) }
        withClue("deadlock: threads still waiting ${workers.filter { it.isAlive }.map { it.name }} on $locks") {
            workers.none { it.isAlive } shouldBe true
        }
        failure.get()?.let { throw it }
        for ((key, count) in expected) {
            withClue("key $key") { counters.getValue(key)[0].toLong() shouldBe count }
        }
        locks.shouldBeEmpty()
    }

    test("writeAll([a, b]) against writeAll([b, a]), 100,000 times each: no deadlock") {
        race(KeyedLocks.create<String>(), 100_000, listOf(Step.WRITE_ALL to listOf("a", "b"), Step.WRITE_ALL to listOf("b", "a")))
    }

    test("the same with colliding hash codes (every key hashes to 42), 100,000 times each") {
        val a = Colliding(1)
        val b = Colliding(2)
        race(KeyedLocks.create<Colliding>(), 100_000, listOf(Step.WRITE_ALL to listOf(a, b), Step.WRITE_ALL to listOf(b, a)))
    }

    test("the same with real-world colliding strings (\"Aa\" and \"BB\" share a hash code), 100,000 times each") {
        "Aa".hashCode() shouldBe "BB".hashCode()
        race(KeyedLocks.create<String>(), 100_000, listOf(Step.WRITE_ALL to listOf("Aa", "BB"), Step.WRITE_ALL to listOf("BB", "Aa")))
    }

    test("three threads rotating three colliding keys, and duplicates in the collections") {
        val (a, b, c) = listOf(Colliding(1), Colliding(2), Colliding(3))
        race(
            KeyedLocks.create<Colliding>(), 30_000,
            listOf(
                Step.WRITE_ALL to listOf(a, b, c),
                Step.WRITE_ALL to listOf(b, c, a, b),
                Step.WRITE_ALL to listOf(c, a, c, b),
            ),
        )
    }

    context("readers, writers and single-key writers mixed, in every configuration") {
        for (v in allVariants) {
            test("$v") {
                val (a, b, c) = listOf("Aa", "BB", "c")
                race(
                    KeyedLocks.create<String>(v.policy, v.reentrant), 10_000,
                    listOf(
                        Step.WRITE_ALL to listOf(a, b, c),
                        Step.READ_ALL to listOf(c, b, a),
                        Step.WRITE_ALL to listOf(b, a),
                        Step.WRITE_ONE to listOf(a),
                    ),
                )
            }
        }
    }
})
