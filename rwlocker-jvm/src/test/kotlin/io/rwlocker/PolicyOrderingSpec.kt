package io.rwlocker

import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.datatest.withTests
import io.kotest.matchers.shouldBe
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit

/**
 * The admission table of DESIGN.md 4.1, as exact orderings. Each scenario drives its threads
 * one at a time: a thread is only considered queued once the lock's `getQueueLength()` says so,
 * and every entry and exit is recorded in an [EventLog] (an exit is logged before the unlock,
 * so the recorded order is the real one).
 */
class PolicyOrderingSpec : FunSpec({
    timeout = 60_000L
    blockingTest = true

    context("WRITER_PREFERRING: a late reader waits behind a queued writer (order r1, w, r2)") {
        withTests(allVariants.filter { it.policy == Policy.WRITER_PREFERRING }) { v ->
            withActors(3) { (a, b, c) ->
                val lock = v.newLock()
                val log = EventLog()
                a.hold(lock.read(), log, "r1")
                val w = b.visit(lock.write(), log, "w")
                awaitQueued(lock, 1)
                val r2 = c.visit(lock.read(), log, "r2")
                awaitQueued(lock, 2)
                lock.readLockCount shouldBe 1
                log.snapshot() shouldBe listOf("r1+")
                a.leave(lock.read(), log, "r1")
                w.await()
                r2.await()
                log.snapshot() shouldBe listOf("r1+", "r1-", "w+", "w-", "r2+", "r2-")
                lock.shouldBeFree()
            }
        }
    }

    context("READER_PREFERRING: a late reader enters at once; the writer waits for both readers") {
        withTests(allVariants.filter { it.policy == Policy.READER_PREFERRING }) { v ->
            withActors(3) { (a, b, c) ->
                val lock = v.newLock()
                val log = EventLog()
                a.hold(lock.read(), log, "r1")
                val w = b.visit(lock.write(), log, "w")
                awaitQueued(lock, 1)
                c.hold(lock.read(), log, "r2") // returns: r2 did not wait
                lock.readLockCount shouldBe 2
                lock.queueLength shouldBe 1
                a.leave(lock.read(), log, "r1")
                // r2 still reads: the writer must still be waiting
                lock.isWriteLocked shouldBe false
                lock.queueLength shouldBe 1
                lock.readLockCount shouldBe 1
                c.leave(lock.read(), log, "r2")
                w.await()
                log.snapshot() shouldBe listOf("r1+", "r2+", "r1-", "r2-", "w+", "w-")
                lock.shouldBeFree()
            }
        }
    }

    context("FAIR: a late reader does not overtake a queued writer (order r1, w, r2)") {
        withTests(allVariants.filter { it.policy == Policy.FAIR }) { v ->
            withActors(3) { (a, b, c) ->
                val lock = v.newLock()
                val log = EventLog()
                a.hold(lock.read(), log, "r1")
                val w = b.visit(lock.write(), log, "w")
                awaitQueued(lock, 1)
                val r2 = c.visit(lock.read(), log, "r2")
                awaitQueued(lock, 2)
                lock.readLockCount shouldBe 1
                a.leave(lock.read(), log, "r1")
                w.await()
                r2.await()
                log.snapshot() shouldBe listOf("r1+", "r1-", "w+", "w-", "r2+", "r2-")
                lock.shouldBeFree()
            }
        }
    }

    context("FAIR: after a write, all queued readers enter together as one phase, then the next writer") {
        withTests(allVariants.filter { it.policy == Policy.FAIR }) { v ->
            withActors(7) { actors ->
                val (holder, r1, r2, w2, r3) = actors
                val (r4, probe) = actors.drop(5)
                val lock = v.newLock()
                val log = EventLog()
                holder.hold(lock.write(), log, "w1")
                val inside = CountDownLatch(3)
                val release = CountDownLatch(1)
                val readers = mutableListOf(r1.visit(lock.read(), log, "r1", inside, release))
                awaitQueued(lock, 1)
                readers += r2.visit(lock.read(), log, "r2", inside, release)
                awaitQueued(lock, 2)
                val writer2 = w2.visit(lock.write(), log, "w2")
                awaitQueued(lock, 3)
                readers += r3.visit(lock.read(), log, "r3", inside, release)
                awaitQueued(lock, 4)

                holder.leave(lock.write(), log, "w1")
                inside.awaitOpen()
                // one reader phase: r1, r2 and the late r3 hold at the same moment; w2 still waits
                lock.readLockCount shouldBe 3
                lock.isWriteLocked shouldBe false
                lock.queueLength shouldBe 1
                // a reader arriving during the phase waits: a writer is queued
                val late = r4.visit(lock.read(), log, "r4")
                awaitQueued(lock, 2)
                probe.call { lock.read().tryLock() } shouldBe false
                release.countDown()
                readers.forEach { it.await() }
                writer2.await()
                late.await()

                val events = log.snapshot()
                withClue(events) {
                    events.take(2) shouldBe listOf("w1+", "w1-")
                    events.subList(2, 5).toSet() shouldBe setOf("r1+", "r2+", "r3+")
                    events.subList(5, 8).toSet() shouldBe setOf("r1-", "r2-", "r3-")
                    events.drop(8) shouldBe listOf("w2+", "w2-", "r4+", "r4-")
                }
                lock.shouldBeFree()
            }
        }
    }

    context("EXCLUSIVE: two readers never hold at once") {
        withTests(allVariants.filter { it.policy == Policy.EXCLUSIVE }) { v ->
            withActors(3) { (a, b, probe) ->
                val lock = v.newLock()
                val log = EventLog()
                a.hold(lock.read(), log, "r1")
                probe.call { lock.read().tryLock() } shouldBe false
                probe.call { lock.read().tryLock(0, TimeUnit.SECONDS) } shouldBe false
                val r2 = b.visit(lock.read(), log, "r2")
                awaitQueued(lock, 1)
                lock.readLockCount shouldBe 1
                a.leave(lock.read(), log, "r1")
                r2.await()
                log.snapshot() shouldBe listOf("r1+", "r1-", "r2+", "r2-")
                lock.shouldBeFree()
            }
        }
    }

    context("EXCLUSIVE: mixed waiters are served one at a time in arrival order") {
        withTests(allVariants.filter { it.policy == Policy.EXCLUSIVE }) { v ->
            withActors(6) { actors ->
                val lock = v.newLock()
                val log = EventLog()
                actors[0].hold(lock.write(), log, "h")
                val plan = listOf("r1", "w1", "r2", "w2", "r3")
                val visits = plan.mapIndexed { i, tag ->
                    val side = if (tag.startsWith("r")) lock.read() else lock.write()
                    actors[i + 1].visit(side, log, tag).also { awaitQueued(lock, i + 1) }
                }
                actors[0].leave(lock.write(), log, "h")
                visits.forEach { it.await() }
                log.snapshot() shouldBe listOf("h").plus(plan).flatMap { listOf("$it+", "$it-") }
                lock.shouldBeFree()
            }
        }
    }

    context("every policy: writers enter in arrival order among themselves") {
        withTests(allVariants) { v ->
            withActors(5) { actors ->
                val lock = v.newLock()
                val log = EventLog()
                actors[0].hold(lock.read(), log, "r")
                val writers = (1..4).map { i ->
                    actors[i].visit(lock.write(), log, "w$i").also { awaitQueued(lock, i) }
                }
                actors[0].leave(lock.read(), log, "r")
                writers.forEach { it.await() }
                log.snapshot() shouldBe listOf("r", "w1", "w2", "w3", "w4").flatMap { listOf("$it+", "$it-") }
                lock.shouldBeFree()
            }
        }
    }

    context("every policy: who enters on the last release of a write (w0 holds; w1, then r1 queued)") {
        // WRITER_PREFERRING: the oldest writer; READER_PREFERRING: the readers; FAIR: after a write,
        // the waiting readers (one phase); EXCLUSIVE: arrival order.
        val expected = mapOf(
            Policy.WRITER_PREFERRING to listOf("w1", "r1"),
            Policy.READER_PREFERRING to listOf("r1", "w1"),
            Policy.FAIR to listOf("r1", "w1"),
            Policy.EXCLUSIVE to listOf("w1", "r1"),
        )
        withTests(allVariants) { v ->
            withActors(3) { (a, b, c) ->
                val lock = v.newLock()
                val log = EventLog()
                a.hold(lock.write(), log, "w0")
                val w1 = b.visit(lock.write(), log, "w1")
                awaitQueued(lock, 1)
                val r1 = c.visit(lock.read(), log, "r1")
                awaitQueued(lock, 2)
                a.leave(lock.write(), log, "w0")
                w1.await()
                r1.await()
                log.snapshot() shouldBe listOf("w0").plus(expected.getValue(v.policy)).flatMap { listOf("$it+", "$it-") }
                lock.shouldBeFree()
            }
        }
    }

    context("every policy: a newcomer's tryLock() while a reader holds and a writer waits") {
        // Only READER_PREFERRING lets a new reader in; FAIR refuses even though sharing with r1 is
        // possible (no barging past a queued waiter, unlike the JDK's fair mode).
        withTests(allVariants) { v ->
            withActors(3) { (a, b, probe) ->
                val lock = v.newLock()
                val log = EventLog()
                a.hold(lock.read(), log, "r1")
                val w = b.visit(lock.write(), log, "w")
                awaitQueued(lock, 1)
                val before = lock.state()
                val readBarges = v.policy == Policy.READER_PREFERRING
                probe.call {
                    val got = lock.read().tryLock()
                    if (got) lock.read().unlock()
                    got
                } shouldBe readBarges
                probe.call {
                    val got = lock.read().tryLock(0, TimeUnit.NANOSECONDS)
                    if (got) lock.read().unlock()
                    got
                } shouldBe readBarges
                probe.call { lock.write().tryLock() } shouldBe false
                probe.call { lock.write().tryLock(0, TimeUnit.NANOSECONDS) } shouldBe false
                probe.call { lock.holdsHere() } shouldBe NO_HOLDS
                lock.state() shouldBe before
                a.leave(lock.read(), log, "r1")
                w.await()
                lock.shouldBeFree()
            }
        }
    }

    context("FAIR: untimed tryLock() of either side refuses while anyone is queued") {
        withTests(allVariants.filter { it.policy == Policy.FAIR }) { v ->
            withActors(4) { (a, b, c, probe) ->
                val lock = v.newLock()
                val log = EventLog()
                // write held, a reader and a writer queued: nothing may barge when it is released
                a.hold(lock.write(), log, "w0")
                val r1 = b.visit(lock.read(), log, "r1")
                awaitQueued(lock, 1)
                val w1 = c.visit(lock.write(), log, "w1")
                awaitQueued(lock, 2)
                probe.call { lock.read().tryLock() } shouldBe false
                probe.call { lock.write().tryLock() } shouldBe false
                probe.call { (lock as java.util.concurrent.locks.Lock).tryLock() } shouldBe false
                lock.state() shouldBe LockState(writeLocked = true, readLockCount = 0, queueLength = 2, queued = true)
                a.leave(lock.write(), log, "w0")
                r1.await()
                w1.await()
                log.snapshot() shouldBe listOf("w0+", "w0-", "r1+", "r1-", "w1+", "w1-")
                lock.shouldBeFree()
            }
        }
    }

    context("every policy: a current reader may read again while a writer waits (no self-deadlock)") {
        withTests(allVariants) { v ->
            withActors(2) { (a, b) ->
                val lock = v.newLock()
                val log = EventLog()
                a.hold(lock.read(), log, "r")
                val w = b.visit(lock.write(), log, "w")
                awaitQueued(lock, 1)
                a.call {
                    val read = lock.read()
                    read.lock()
                    read.tryLock() shouldBe true
                    read.tryLock(1, TimeUnit.SECONDS) shouldBe true
                    read.tryLock(0, TimeUnit.SECONDS) shouldBe true
                    read.lockInterruptibly()
                    read.acquire().use { read.holdCount shouldBe 7 }
                    read.acquireInterruptibly().use { read.holdCount shouldBe 7 }
                    read.holdCount shouldBe 6
                    lock.readLockCount shouldBe 6
                    lock.queueLength shouldBe 1
                    repeat(5) { read.unlock() }
                    read.holdCount shouldBe 1
                }
                lock.isWriteLocked shouldBe false
                lock.queueLength shouldBe 1
                a.leave(lock.read(), log, "r")
                w.await()
                log.snapshot() shouldBe listOf("r+", "r-", "w+", "w-")
                lock.shouldBeFree()
            }
        }
    }
})
