package io.rwlocker.condition

import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.ints.shouldBeGreaterThan
import io.kotest.matchers.shouldBe
import io.rwlocker.Policy
import io.rwlocker.RWCondition
import io.rwlocker.RWLock
import java.util.Date
import java.util.concurrent.Callable
import java.util.concurrent.CountDownLatch
import java.util.concurrent.CyclicBarrier
import java.util.concurrent.ExecutorService
import java.util.concurrent.Executors
import java.util.concurrent.Future
import java.util.concurrent.ThreadLocalRandom
import java.util.concurrent.TimeUnit.MILLISECONDS
import java.util.concurrent.TimeUnit.NANOSECONDS
import java.util.concurrent.atomic.AtomicBoolean
import java.util.concurrent.locks.Lock

/** A pool of daemon threads for round-based races; [use] shuts it down. */
private inline fun <T> withPool(threads: Int, body: (ExecutorService) -> T): T {
    val pool = Executors.newFixedThreadPool(threads) { r -> Thread(r, "race-worker").apply { isDaemon = true } }
    try {
        return body(pool)
    } finally {
        pool.shutdownNow()
        pool.awaitTermination(BOUND_MS, MILLISECONDS)
    }
}

private fun <T> Future<T>.join(): T = get(BOUND_MS, MILLISECONDS)

/** Spins (bounded by [nanos], which is tiny) to shift a racer by a random sub-millisecond amount. */
private fun spinFor(nanos: Long) {
    val until = System.nanoTime() + nanos
    while (System.nanoTime() - until < 0) Thread.onSpinWait()
}

/** The timed await forms raced against a signal; each returns whether it reports a signal. */
private enum class TimedForm {
    AWAIT_TIME_UNIT, AWAIT_NANOS, AWAIT_UNTIL;

    fun await(condition: RWCondition, nanos: Long): Boolean = when (this) {
        AWAIT_TIME_UNIT -> condition.await(nanos, NANOSECONDS)
        AWAIT_NANOS -> condition.awaitNanos(nanos) > 0
        AWAIT_UNTIL -> condition.awaitUntil(Date(System.currentTimeMillis() + maxOf(1L, NANOSECONDS.toMillis(nanos))))
    }
}

/**
 * No lost wake-ups (DESIGN.md 4.3), checked round after round in the window where a waiter's
 * timeout or interrupt fires as a signal picks it: every waiter a signal counted reports the
 * signal, and nobody else does.
 */
class ConditionRaceSpec : FunSpec({
    timeout = 120_000
    blockingTest = true

    /**
     * One round: [waiters] threads wait with a short timeout (waiter 0 with a long one, so a
     * signal always finds someone), a signaller aligned with them by a barrier signals `n` at
     * about the moment the short timeouts fire; afterwards the main thread signals whoever is
     * left. Invariant: the waiters reporting a signal are exactly as many as the signals'
     * return values add up to (so nobody a signal counted reports a timeout), and the lock is
     * clean after the round.
     */
    fun timeoutRaces(rounds: Int, form: TimedForm, shortTimeoutNanos: () -> Long): IntArray {
        val waiters = 3
        var signalledTotal = 0
        var timedOutTotal = 0
        var mixedRounds = 0
        withPool(waiters + 1) { pool ->
            repeat(rounds) { round ->
                val policy = Policy.entries[round % Policy.entries.size]
                val underWrite = (round / Policy.entries.size) % 2 == 1
                val lock = lockOf(policy)
                val condition = lock.newCondition()
                val side: Lock = if (underWrite) lock.write() else lock.read()
                val start = CyclicBarrier(waiters + 1)
                val timeout = shortTimeoutNanos()
                val n = 1 + round % (waiters + 1) // 1..4: sometimes more than the waiters
                val results: List<Future<Boolean>> = (0 until waiters).map { i ->
                    pool.submit(Callable {
                        start.await(BOUND_MS, MILLISECONDS)
                        side.lock()
                        try {
                            val reported = form.await(condition, if (i == 0) MILLISECONDS.toNanos(BOUND_MS) else timeout)
                            lock.myHolds() shouldBe (if (underWrite) 1 to 0 else 0 to 1)
                            reported
                        } finally {
                            side.unlock()
                        }
                    })
                }
                val signal: Future<Int> = pool.submit(Callable {
                    start.await(BOUND_MS, MILLISECONDS)
                    spinFor(timeout / 2 + ThreadLocalRandom.current().nextLong(timeout + 1))
                    side.lock()
                    try {
                        condition.signal(n)
                    } finally {
                        side.unlock()
                    }
                })
                var counted = signal.join()
                val short = (1 until waiters).map { results[it].join() }
                // Release the long waiter if the signal did not pick it.
                eventually("the long waiter waits or is done") { condition.waitQueueLength == 1 || results[0].isDone }
                if (!results[0].isDone) {
                    side.tryLock(BOUND_MS, MILLISECONDS) shouldBe true
                    try {
                        counted += condition.signal(Int.MAX_VALUE)
                    } finally {
                        side.unlock()
                    }
                }
                val reported = short + results[0].join()
                withClue("round $round, $policy, ${if (underWrite) "write" else "read"}, $form, signal($n), reports $reported") {
                    reported[waiters - 1] shouldBe true // the long waiter is always signalled
                    reported.count { it } shouldBe counted
                    lock.shouldBeClean(condition)
                }
                val signalledShort = short.count { it }
                signalledTotal += signalledShort
                timedOutTotal += short.size - signalledShort
                if (signalledShort in 1 until short.size) mixedRounds++
            }
        }
        println("ConditionRaceSpec $form: $rounds rounds, short waiters signalled $signalledTotal, timed out $timedOutTotal, rounds with both $mixedRounds")
        return intArrayOf(signalledTotal, timedOutTotal)
    }

    test("timeout vs signal, await(time, unit): signalled == signal's count, nobody counted reports a timeout (1000 rounds)") {
        val (signalled, timedOut) = timeoutRaces(1000, TimedForm.AWAIT_TIME_UNIT) {
            ThreadLocalRandom.current().nextLong(50_000, 400_000)
        }.let { it[0] to it[1] }
        // The rounds did land on both sides of the window (else the race was never exercised).
        signalled shouldBeGreaterThan 0
        timedOut shouldBeGreaterThan 0
    }

    test("timeout vs signal, awaitNanos: positive iff signalled (1000 rounds)") {
        val (signalled, timedOut) = timeoutRaces(1000, TimedForm.AWAIT_NANOS) {
            ThreadLocalRandom.current().nextLong(50_000, 400_000)
        }.let { it[0] to it[1] }
        signalled shouldBeGreaterThan 0
        timedOut shouldBeGreaterThan 0
    }

    test("timeout vs signal, awaitUntil(Date): true iff signalled (300 rounds, millisecond deadlines)") {
        val (signalled, timedOut) = timeoutRaces(300, TimedForm.AWAIT_UNTIL) {
            MILLISECONDS.toNanos(1)
        }.let { it[0] to it[1] }
        signalled shouldBeGreaterThan 0
        timedOut shouldBeGreaterThan 0
    }

    test("interrupt vs signal: returns normally iff counted by the signal, else InterruptedException (1000 rounds)") {
        val waiters = 3
        var interruptedTotal = 0
        var signalledWithStatus = 0
        withPool(waiters + 2) { pool ->
            repeat(1000) { round ->
                val policy = Policy.entries[round % Policy.entries.size]
                val underWrite = (round / Policy.entries.size) % 2 == 1
                val lock = lockOf(policy)
                val condition = lock.newCondition()
                val side: Lock = if (underWrite) lock.write() else lock.read()
                val threads = arrayOfNulls<Thread>(waiters)
                val start = CyclicBarrier(waiters + 2)
                val interruptsDone = AtomicBoolean(false)
                val n = 1 + round % waiters
                val outcomes: List<Future<String>> = (0 until waiters).map { i ->
                    pool.submit(Callable {
                        threads[i] = Thread.currentThread()
                        start.await(BOUND_MS, MILLISECONDS)
                        val outcome = try {
                            side.lock()
                            try {
                                try {
                                    condition.await()
                                    if (Thread.currentThread().isInterrupted) "signalled+interrupted" else "signalled"
                                } catch (e: InterruptedException) {
                                    "interrupted"
                                } finally {
                                    lock.myHolds() shouldBe (if (underWrite) 1 to 0 else 0 to 1)
                                }
                            } finally {
                                side.unlock()
                            }
                        } finally {
                            // Absorb the interrupt aimed at this round before the thread is reused.
                            eventually("the interrupter finishes") { interruptsDone.get() }
                            Thread.interrupted()
                        }
                        outcome
                    })
                }
                val go = CountDownLatch(1) // all waiters wait: signaller and interrupter may go
                val signal: Future<Int> = pool.submit(Callable {
                    start.await(BOUND_MS, MILLISECONDS)
                    go.await(BOUND_MS, MILLISECONDS) shouldBe true
                    spinFor(ThreadLocalRandom.current().nextLong(30_000))
                    side.lock()
                    try {
                        condition.signal(n)
                    } finally {
                        side.unlock()
                    }
                })
                start.await(BOUND_MS, MILLISECONDS)
                try {
                    eventually("all waiters wait") { condition.waitQueueLength == waiters }
                    go.countDown()
                    spinFor(ThreadLocalRandom.current().nextLong(30_000))
                    for (i in (0 until waiters).shuffled()) threads[i]!!.interrupt()
                } finally {
                    interruptsDone.set(true)
                }
                val counted = signal.join()
                val reported = outcomes.map { it.join() }
                withClue("round $round, $policy, ${if (underWrite) "write" else "read"}, signal($n) = $counted, outcomes $reported") {
                    reported.count { it.startsWith("signalled") } shouldBe counted
                    reported.count { it == "interrupted" } shouldBe waiters - counted
                    lock.shouldBeClean(condition)
                }
                interruptedTotal += waiters - counted
                signalledWithStatus += reported.count { it == "signalled+interrupted" }
            }
        }
        println("ConditionRaceSpec interrupt: 1000 rounds, interrupted $interruptedTotal, signalled with the interrupt status set $signalledWithStatus")
        interruptedTotal shouldBeGreaterThan 0
    }
})
