package io.rwlocker.coroutines

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldBeEmpty
import io.kotest.matchers.shouldBe
import java.util.concurrent.CompletableFuture
import java.util.concurrent.ConcurrentLinkedQueue
import java.util.concurrent.CyclicBarrier
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit.SECONDS
import java.util.concurrent.atomic.AtomicInteger
import java.util.concurrent.atomic.AtomicIntegerArray
import kotlin.concurrent.thread
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Deferred
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.cancel
import kotlinx.coroutines.delay
import kotlinx.coroutines.joinAll
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.yield

/**
 * [PriorityDispatcher] on real dispatchers and threads: submissions from 8 plain threads (through
 * the Java API too) and 1,000 coroutines at once, every task checked on entry by a [Tracker]
 * (writes alone, reads within the bound), plus per-submitter ordering checks: a submitter's writes
 * run in the order it submitted them, and a read it submits after a write starts after that write
 * has finished. Also the grant-vs-cancel race: tasks cancelled at the instant they are admitted
 * must pass their turn on (afterwards, the dispatcher is idle and still admits a write).
 */
class PriorityConcurrencySpec : FunSpec({
    timeout = 120_000

    // Without the guard, a read submitted after a write always starts after it has ended; with the
    // guard, a read phase may run reads before writes queued earlier (that is what it is for).
    for (guard in listOf(Int.MAX_VALUE, 3)) test("8 threads and 1,000 coroutines submit at once (maxConsecutiveWrites $guard): the rules hold, every task completes") {
        val readParallelism = 4
        val d = PriorityDispatcher(CoroutineScope(Dispatchers.Default), readParallelism, maxConsecutiveWrites = guard)
        val t = Tracker(readParallelism)
        val threads = 8
        val perThread = 200
        val writesDone = AtomicIntegerArray(threads) // writes of each submitter that have finished
        val orderBroken = ConcurrentLinkedQueue<String>()
        var counter = 0 // written only by write tasks: they are alone
        val barrier = CyclicBarrier(threads + 1)
        val futures = ConcurrentLinkedQueue<CompletableFuture<*>>()
        val deferreds = ConcurrentLinkedQueue<Deferred<*>>()
        val workers = (0 until threads).map { me ->
            thread(name = "submitter-$me") {
                barrier.await(10, SECONDS)
                var mine = 0
                for (i in 0 until perThread) {
                    val java = i % 2 == 0
                    if (i % 5 == 0) {
                        val expected = mine++
                        val body: suspend () -> Int = {
                            t.write("t$me-w$expected") {
                                if (writesDone.get(me) != expected) orderBroken += "t$me write $expected ran after ${writesDone.get(me)}"
                                counter++
                                yield()
                                writesDone.incrementAndGet(me)
                            }
                        }
                        if (java) futures += d.writeAsync { runBlocking { body() } } else deferreds += d.submitWrite(body)
                    } else {
                        val submittedAfter = mine // this thread's writes submitted before this read
                        val body: suspend () -> Int = {
                            t.read("t$me-r$i") {
                                if (guard == Int.MAX_VALUE && writesDone.get(me) < submittedAfter) {
                                    orderBroken += "t$me read $i started before write ${submittedAfter - 1} ended"
                                }
                                yield()
                                counter
                            }
                        }
                        if (java) futures += d.readAsync { runBlocking { body() } } else deferreds += d.submitRead(body)
                    }
                }
            }
        }
        val coroutineWrites = AtomicInteger()
        runBlocking {
            val callers = (1..1000).map { i ->
                launch(Dispatchers.Default) {
                    if (i % 10 == 0) {
                        d.write { t.write("c$i") { counter++; coroutineWrites.incrementAndGet() } }
                    } else {
                        d.read { t.read("c$i") { delay(1) } }
                    }
                }
            }
            barrier.await(10, SECONDS)
            withTimeout(60_000) { callers.joinAll() }
        }
        workers.forEach { it.join(60_000) }
        d.close()
        futures.forEach { it.get(1, SECONDS) }
        runBlocking { deferreds.toList().awaitAll() }
        val threadWrites = threads * (perThread / 5)
        counter shouldBe threadWrites + 100
        (0 until threads).map { writesDone.get(it) } shouldBe List(threads) { perThread / 5 }
        orderBroken.toList().shouldBeEmpty()
        t.started.size shouldBe threads * perThread + 1000
        t.shouldBeClean()
        (t.maxReads <= readParallelism) shouldBe true
        d.shouldBeIdle()
    }

    test("the Java API from plain threads: writeAsync and readAsync with futures, closed by try-with-resources") {
        val pool = Executors.newFixedThreadPool(4)
        try {
            val version = AtomicInteger()
            var status = "v0"
            val torn = AtomicInteger()
            PriorityDispatcher(pool, 8).use { d ->
                val barrier = CyclicBarrier(4)
                val futures = ConcurrentLinkedQueue<CompletableFuture<String>>()
                val threads = (0 until 4).map { me ->
                    thread {
                        barrier.await(10, SECONDS)
                        repeat(50) { i ->
                            if (me == 0 && i % 5 == 0) {
                                futures += d.writeAsync {
                                    val v = version.incrementAndGet()
                                    Thread.sleep(0, 100_000) // half-written for a moment
                                    status = "v$v"
                                    status
                                }
                            } else {
                                futures += d.readAsync {
                                    val seen = "v${version.get()}"
                                    if (seen != status) torn.incrementAndGet()
                                    seen
                                }
                            }
                        }
                    }
                }
                threads.forEach { it.join(30_000) }
                futures.forEach { it.get(30, SECONDS) }
            }
            torn.get() shouldBe 0
            status shouldBe "v10"
        } finally {
            pool.shutdownNow()
        }
    }

    test("grant vs cancel: tasks cancelled as they are admitted never leak a slot") {
        val d = PriorityDispatcher(CoroutineScope(Dispatchers.Default), readParallelism = 2)
        val ran = AtomicInteger()
        runBlocking {
            repeat(300) { round ->
                val gate = CompletableDeferred<Unit>()
                val blocker = d.submitWrite { gate.await() }
                val queued = (1..4).map { i -> if (i == 3) d.submitWrite { ran.incrementAndGet() } else d.submitRead { ran.incrementAndGet() } }
                // Release the blocker on one thread while another cancels the queued tasks.
                val canceller = launch(Dispatchers.Default) { queued.forEach { it.cancel() } }
                if (round % 2 == 0) yield()
                gate.complete(Unit)
                canceller.join()
                (queued + blocker).forEach { it.join() }
                withTimeout(10_000) { d.write { } } // admitted: no slot was leaked
                d.shouldBeIdle()
            }
        }
        d.close()
        d.shouldBeIdle()
    }

    test("scope cancellation racing with submissions: every accepted task ends, none is left queued") {
        repeat(50) {
            val scope = CoroutineScope(Job() + Dispatchers.Default)
            val d = PriorityDispatcher(scope, readParallelism = 3)
            val accepted = ConcurrentLinkedQueue<Deferred<Unit>>()
            val submitter = thread {
                repeat(200) { i ->
                    val task = runCatching { if (i % 4 == 0) d.submitWrite { delay(1) } else d.submitRead { delay(1) } }.getOrNull()
                    if (task != null) accepted += task
                }
            }
            Thread.sleep(0, 500_000)
            scope.cancel()
            submitter.join(10_000)
            runBlocking { withTimeout(10_000) { accepted.forEach { it.join() } } }
            d.close()
            d.shouldBeIdle()
        }
    }
})
