package io.rwlocker.coroutines

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldContainExactly
import io.kotest.matchers.collections.shouldContainExactlyInAnyOrder
import io.kotest.matchers.shouldBe
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.Deferred
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.test.runCurrent

/**
 * The ordering rules of [PriorityDispatcher] (DESIGN.md 5.2), in virtual time: tasks run on the
 * test's StandardTestDispatcher, a gate (a CompletableDeferred) holds a first task for as long as
 * a test needs everything else queued, and the [Tracker] records start order, virtual times and
 * any broken exclusion rule.
 */
class PriorityOrderSpec : FunSpec({
    timeout = 60_000

    test("the strictflow scenario: r_a, r_b, w1, r_c, w2 all queued run as w1, w2, then the three reads together") {
        priorityTest { d, t ->
            val gate = CompletableDeferred<Unit>()
            val w0 = d.submitWrite { t.write("w0") { gate.await() } }
            runCurrent()
            val tasks = listOf(
                d.submitRead { t.read("r_a") { delay(100) } },
                d.submitRead { t.read("r_b") { delay(100) } },
                d.submitWrite { t.write("w1") { delay(10) } },
                d.submitRead { t.read("r_c") { delay(100) } },
                d.submitWrite { t.write("w2") { delay(10) } },
            )
            runCurrent()
            d.shouldHave(queuedWrites = 2, queuedReads = 3, runningWrites = 1)
            gate.complete(Unit)
            (tasks + w0).awaitAll()

            t.started.toList().take(3) shouldContainExactly listOf("w0", "w1", "w2")
            t.started.toList().drop(3) shouldContainExactlyInAnyOrder listOf("r_a", "r_b", "r_c")
            t.startTimes["w1"] shouldBe 0L
            t.startTimes["w2"] shouldBe 10L
            listOf("r_a", "r_b", "r_c").map { t.startTimes[it] } shouldBe listOf(20L, 20L, 20L)
            testScheduler.currentTime shouldBe 120L // the reads overlapped: 20 + 100, not 20 + 300
            t.maxReads shouldBe 3
            t.shouldBeClean()
            d.shouldBeIdle()
            d.closeAndJoin()
        }
    }

    test("with readParallelism 1 and a read running: the queued writes still go before the queued reads") {
        priorityTest(readParallelism = 1) { d, t ->
            val gate = CompletableDeferred<Unit>()
            val r0 = d.submitRead { t.read("r0") { gate.await() } }
            runCurrent()
            val tasks = listOf(
                d.submitRead { t.read("r_a") { delay(5) } },
                d.submitRead { t.read("r_b") { delay(5) } },
                d.submitWrite { t.write("w1") { delay(5) } },
                d.submitRead { t.read("r_c") { delay(5) } },
                d.submitWrite { t.write("w2") { delay(5) } },
            )
            runCurrent()
            d.shouldHave(queuedWrites = 2, queuedReads = 3, runningReads = 1)
            gate.complete(Unit)
            (tasks + r0).awaitAll()
            t.started.toList() shouldContainExactly listOf("r0", "w1", "w2", "r_a", "r_b", "r_c")
            t.maxReads shouldBe 1
            t.shouldBeClean()
            d.closeAndJoin()
        }
    }

    test("N reads of delay(100) overlap: 50 finish at 100 ms of virtual time") {
        priorityTest { d, t ->
            val reads = (1..50).map { i -> d.submitRead { t.read("r$i") { delay(100); i } } }
            reads.awaitAll() shouldBe (1..50).toList()
            testScheduler.currentTime shouldBe 100L
            t.maxReads shouldBe 50
            t.shouldBeClean()
            d.closeAndJoin()
        }
    }

    test("never more than readParallelism reads at once: 50 reads of delay(100) by 8 take 7 rounds") {
        priorityTest(readParallelism = 8) { d, t ->
            val reads = (1..50).map { i -> d.submitRead { t.read("r$i") { delay(100) } } }
            runCurrent()
            d.shouldHave(queuedReads = 42, runningReads = 8)
            reads.awaitAll()
            testScheduler.currentTime shouldBe 700L
            t.maxReads shouldBe 8
            t.started.toList() shouldContainExactly (1..50).map { "r$it" } // reads start in submission order
            t.shouldBeClean()
            d.closeAndJoin()
        }
    }

    test("writes run alone, one at a time, in submission order") {
        priorityTest { d, t ->
            val gate = CompletableDeferred<Unit>()
            val first = d.submitRead { t.read("r0") { gate.await() } }
            runCurrent()
            val writes = (1..20).map { i -> d.submitWrite { t.write("w$i") { delay(3); i } } }
            runCurrent()
            d.shouldHave(queuedWrites = 20, runningReads = 1)
            gate.complete(Unit)
            writes.awaitAll() shouldBe (1..20).toList()
            first.await()
            t.started.toList() shouldContainExactly listOf("r0") + (1..20).map { "w$it" }
            (1..20).forEach { i -> t.startTimes["w$i"] shouldBe (i - 1) * 3L }
            t.shouldBeClean()
            d.closeAndJoin()
        }
    }

    test("a write queued behind running reads waits for them, and every read submitted after it waits for the write") {
        priorityTest { d, t ->
            val early = (1..2).map { i -> d.submitRead { t.read("early$i") { delay(50) } } }
            runCurrent()
            delay(10)
            val w = d.submitWrite { t.write("w") { delay(20) } }
            val late = (1..3).map { i -> d.submitRead { t.read("late$i") { delay(50) } } }
            runCurrent()
            d.shouldHave(queuedWrites = 1, queuedReads = 3, runningReads = 2)
            (early + w + late).awaitAll()
            t.startTimes["w"] shouldBe 50L // after the running reads, not before
            (1..3).forEach { t.startTimes["late$it"] shouldBe 70L } // after the write, though submitted while reads ran
            t.shouldBeClean()
            d.closeAndJoin()
        }
    }

    test("mixed load: writes never overlap anything, reads stay within the bound") {
        priorityTest(readParallelism = 3) { d, t ->
            val random = java.util.Random(42)
            val tasks = mutableListOf<Deferred<Unit>>()
            repeat(300) { i ->
                val pause = random.nextInt(5).toLong()
                tasks += if (random.nextInt(4) == 0) {
                    d.submitWrite { t.write("w$i") { delay(pause) } }
                } else {
                    d.submitRead { t.read("r$i") { delay(pause) } }
                }
                if (random.nextBoolean()) delay(1)
            }
            tasks.awaitAll()
            t.started.size shouldBe 300
            t.shouldBeClean()
            d.shouldBeIdle()
            d.closeAndJoin()
        }
    }

    context("starvation guard") {
        test("maxConsecutiveWrites = 2: after two writes in a row the waiting reads go first, together") {
            priorityTest(maxConsecutiveWrites = 2) { d, t ->
                val gate = CompletableDeferred<Unit>()
                val w0 = d.submitWrite { t.write("w0") { gate.await() } }
                runCurrent()
                val tasks = listOf(
                    d.submitRead { t.read("r1") { delay(10) } },
                    d.submitWrite { t.write("w1") { delay(10) } },
                    d.submitWrite { t.write("w2") { delay(10) } },
                    d.submitWrite { t.write("w3") { delay(10) } },
                    d.submitRead { t.read("r2") { delay(10) } },
                    d.submitWrite { t.write("w4") { delay(10) } },
                )
                gate.complete(Unit)
                (tasks + w0).awaitAll()
                val order = t.started.toList()
                order.take(3) shouldContainExactly listOf("w0", "w1", "w2")
                order.subList(3, 5) shouldContainExactlyInAnyOrder listOf("r1", "r2")
                order.drop(5) shouldContainExactly listOf("w3", "w4")
                t.startTimes["r1"] shouldBe t.startTimes["r2"] // one read phase
                t.shouldBeClean()
                d.closeAndJoin()
            }
        }

        test("without the guard (the default) the same tasks run every write first") {
            priorityTest { d, t ->
                val gate = CompletableDeferred<Unit>()
                val w0 = d.submitWrite { t.write("w0") { gate.await() } }
                runCurrent()
                val tasks = listOf(
                    d.submitRead { t.read("r1") { delay(10) } },
                    d.submitWrite { t.write("w1") { delay(10) } },
                    d.submitWrite { t.write("w2") { delay(10) } },
                    d.submitWrite { t.write("w3") { delay(10) } },
                    d.submitRead { t.read("r2") { delay(10) } },
                    d.submitWrite { t.write("w4") { delay(10) } },
                )
                gate.complete(Unit)
                (tasks + w0).awaitAll()
                t.started.toList().take(5) shouldContainExactly listOf("w0", "w1", "w2", "w3", "w4")
                t.shouldBeClean()
                d.closeAndJoin()
            }
        }

        test("an endless stream of writes: a waiting read starts after at most maxConsecutiveWrites of them") {
            priorityTest(maxConsecutiveWrites = 3) { d, t ->
                var stop = false
                var submitted = 0
                val producer = launch {
                    while (!stop) {
                        val i = ++submitted
                        d.submitWrite { t.write("w$i") { delay(5) } }
                        delay(2) // faster than the writes: the write queue never empties
                    }
                }
                delay(20)
                val writesBefore = t.started.count { it.startsWith("w") }
                val writesWhileWaiting = d.read { t.read("r") { t.started.count { it.startsWith("w") } - writesBefore } }
                stop = true
                producer.join()
                writesWhileWaiting shouldBe 3 // after the one running when the read came: three more, then the read
                d.snapshot().queuedWrites shouldBe (submitted - t.started.count { it.startsWith("w") })
                d.closeAndJoin()
                t.started.size shouldBe submitted + 1
                t.shouldBeClean()
            }
        }

        test("a read phase keeps the parallelism bound, and reads arriving during it wait for the next write") {
            priorityTest(readParallelism = 2, maxConsecutiveWrites = 1) { d, t ->
                val gate = CompletableDeferred<Unit>()
                val w0 = d.submitWrite { t.write("w0") { gate.await() } }
                runCurrent()
                val tasks = mutableListOf(
                    d.submitWrite { t.write("w1") { delay(10) } },
                    d.submitWrite { t.write("w2") { delay(10) } },
                )
                tasks += (1..5).map { i -> d.submitRead { t.read("r$i") { delay(10) } } }
                gate.complete(Unit)
                runCurrent() // w1 runs (one write in a row while reads wait), then the guard trips
                delay(15) // w1 done at 10: the phase r1..r5 started, 2 at a time
                tasks += d.submitRead { t.read("late") { delay(10) } }
                tasks.awaitAll()
                w0.await()
                val order = t.started.toList()
                order.take(2) shouldContainExactly listOf("w0", "w1")
                order.subList(2, 7) shouldContainExactly (1..5).map { "r$it" }
                order.drop(7) shouldContainExactly listOf("w2", "late")
                t.maxReads shouldBe 2
                t.startTimes["w2"] shouldBe 40L // 10 + three rounds of two reads
                t.shouldBeClean()
                d.closeAndJoin()
            }
        }
    }
})
