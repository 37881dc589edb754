package io.rwlocker

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.datatest.withTests
import io.kotest.engine.names.WithDataTestName
import io.kotest.matchers.longs.shouldBeGreaterThanOrEqual
import io.kotest.matchers.shouldBe
import java.util.concurrent.TimeUnit
import java.util.concurrent.locks.LockSupport

/**
 * How long the timed writer waits in the "timed-out writer" scenarios: long enough for the late
 * reader to queue behind it even on a loaded machine.
 */
private const val WRITER_PATIENCE_MS = 1_500L

/** One way of waiting for a lock side that can be interrupted. */
private class InterruptibleAcquire(val name: String, val run: (LockSide) -> Unit) {
    override fun toString() = name
}

private val interruptibleAcquires = listOf(
    InterruptibleAcquire("lockInterruptibly()") { it.lockInterruptibly() },
    InterruptibleAcquire("acquireInterruptibly()") { it.acquireInterruptibly() },
    InterruptibleAcquire("tryLock(10 s)") { it.tryLock(10, TimeUnit.SECONDS) shouldBe true },
)

/** One interrupt scenario: the lock, the contention, and how the waiter waits. */
private data class InterruptCase(val variant: Variant, val contention: Contention, val acquire: InterruptibleAcquire) :
    WithDataTestName {
    override fun dataTestName() = "$variant: $acquire for $contention"
}

/** A side to wait for and what the holder takes to make that side wait. */
private data class Contention(val waitFor: String, val holderTakes: String) {
    fun waitSide(lock: RWLock): LockSide = if (waitFor == "read") lock.read() else lock.write()
    fun holdSide(lock: RWLock): LockSide = if (holderTakes == "read") lock.read() else lock.write()
    override fun toString() = "$waitFor while $holderTakes is held"
}

private val contentions = listOf(Contention("read", "write"), Contention("write", "read"), Contention("write", "write"))

/** What a step saw from the inside: the exception (if any), its interrupt status and its holds. */
private data class Outcome(val thrown: Class<out Throwable>?, val interrupted: Boolean, val holds: ThreadHolds)

/**
 * Timed and interruptible acquisition: a timeout returns `false` after at least the timeout and
 * leaves no queued node and no hold; a timed-out or interrupted waiter that was blocking others
 * lets them in at once; `lockInterruptibly()` throws before or while waiting and leaves no
 * trace; `lock()` ignores interrupts and restores the interrupt status.
 */
class TimeoutInterruptSpec : FunSpec({
    timeout = 60_000L
    blockingTest = true

    context("tryLock(50 ms) on a contended side returns false after at least the timeout, leaving no trace") {
        withTests(allVariants.flatMap { v -> contentions.map { v to it } }) { (v, c) ->
            withActors(2) { (holder, waiter) ->
                val lock = v.newLock()
                holder.call { c.holdSide(lock).lock() }
                val before = lock.state()
                waiter.call {
                    val started = System.nanoTime()
                    c.waitSide(lock).tryLock(50, TimeUnit.MILLISECONDS) shouldBe false
                    millisSince(started) shouldBeGreaterThanOrEqual 50L
                    lock.holdsHere() shouldBe NO_HOLDS
                }
                lock.state() shouldBe before
                lock.queueLength shouldBe 0
                holder.call { c.holdSide(lock).unlock() }
                lock.shouldBeFree()
                // the waiter's thread can take the lock normally afterwards
                waiter.call {
                    c.waitSide(lock).lock()
                    c.waitSide(lock).unlock()
                }
                lock.shouldBeFree()
            }
        }
    }

    context("a timed-out writer that was blocking readers lets the queued reader in at once (r1 still holds)") {
        withTests(allVariants.filter { it.policy == Policy.WRITER_PREFERRING || it.policy == Policy.FAIR }) { v ->
            withActors(3) { (r1, w, r2) ->
                val lock = v.newLock()
                val log = EventLog()
                r1.hold(lock.read(), log, "r1")
                val writer = w.start {
                    val started = System.nanoTime()
                    val got = lock.write().tryLock(WRITER_PATIENCE_MS, TimeUnit.MILLISECONDS)
                    // the writer's cancellation admitted r2 before tryLock returned
                    val readsAtReturn = lock.readLockCount
                    Triple(got, millisSince(started), readsAtReturn)
                }
                awaitQueued(lock, 1)
                val late = r2.start {
                    lock.read().lock()
                    log.add("r2+")
                }
                awaitQueued(lock, 2)
                log.snapshot() shouldBe listOf("r1+") // r2 waits behind the writer
                val (got, waited, readsAtReturn) = writer.await()
                got shouldBe false
                waited shouldBeGreaterThanOrEqual WRITER_PATIENCE_MS
                readsAtReturn shouldBe 2
                late.await()
                log.snapshot() shouldBe listOf("r1+", "r2+")
                lock.state() shouldBe LockState(false, 2, 0, false)
                r1.call { lock.read().holdCount } shouldBe 1
                r2.call { lock.read().unlock() }
                r1.call { lock.read().unlock() }
                lock.shouldBeFree()
            }
        }
    }

    context("a timed waiter granted before its timeout returns true") {
        withTests(allVariants.flatMap { v -> contentions.map { v to it } }) { (v, c) ->
            withActors(2) { (holder, waiter) ->
                val lock = v.newLock()
                holder.call { c.holdSide(lock).lock() }
                val got = waiter.start {
                    val ok = c.waitSide(lock).tryLock(BOUND_SECONDS, TimeUnit.SECONDS)
                    val holds = lock.holdsHere()
                    if (ok) c.waitSide(lock).unlock()
                    ok to holds
                }
                awaitQueued(lock, 1)
                holder.call { c.holdSide(lock).unlock() }
                val (ok, holds) = got.await()
                ok shouldBe true
                if (c.waitFor == "read") holds.read shouldBe 1 else holds.write shouldBe 1
                lock.shouldBeFree()
            }
        }
    }

    context("a huge timeout waits (no overflow into an immediate failure)") {
        withTests(allVariants) { v ->
            withActors(3) { (holder, a, b) ->
                val lock = v.newLock()
                holder.call { lock.write().lock() }
                val reader = a.start {
                    val ok = lock.read().tryLock(Long.MAX_VALUE, TimeUnit.NANOSECONDS)
                    if (ok) lock.read().unlock()
                    ok
                }
                awaitQueued(lock, 1)
                val writer = b.start {
                    val ok = lock.write().tryLock(Long.MAX_VALUE, TimeUnit.DAYS)
                    if (ok) lock.write().unlock()
                    ok
                }
                awaitQueued(lock, 2)
                holder.call { lock.write().unlock() }
                reader.await() shouldBe true
                writer.await() shouldBe true
                lock.shouldBeFree()
            }
        }
    }

    context("interrupted while queued: InterruptedException, no queued node, no hold") {
        val cases = allVariants.flatMap { v -> contentions.flatMap { c -> interruptibleAcquires.map { InterruptCase(v, c, it) } } }
        withTests(cases) { (v, c, acquire) ->
            withActors(2) { (holder, waiter) ->
                val lock = v.newLock()
                holder.call { c.holdSide(lock).lock() }
                val before = lock.state()
                val outcome = waiter.start {
                    val thrown = try {
                        acquire.run(c.waitSide(lock))
                        null
                    } catch (e: InterruptedException) {
                        e.javaClass
                    }
                    Outcome(thrown, Thread.currentThread().isInterrupted, lock.holdsHere())
                }
                awaitQueued(lock, 1)
                waiter.interrupt()
                outcome.await() shouldBe Outcome(InterruptedException::class.java, false, NO_HOLDS)
                lock.state() shouldBe before
                holder.call { c.holdSide(lock).unlock() }
                lock.shouldBeFree()
                waiter.call {
                    c.waitSide(lock).lock()
                    c.waitSide(lock).unlock()
                }
                lock.shouldBeFree()
            }
        }
    }

    context("interrupted before calling: throws at once, even on a free lock, and takes nothing") {
        withTests(allVariants) { v ->
            withActors(1) { (a) ->
                val lock = v.newLock()
                a.call {
                    val attempts = listOf<Pair<String, () -> Unit>>(
                        "read().lockInterruptibly()" to { lock.read().lockInterruptibly() },
                        "read().acquireInterruptibly()" to { lock.read().acquireInterruptibly() },
                        "read().tryLock(1 s)" to { lock.read().tryLock(1, TimeUnit.SECONDS) },
                        "read().tryLock(0)" to { lock.read().tryLock(0, TimeUnit.SECONDS) },
                        "write().lockInterruptibly()" to { lock.write().lockInterruptibly() },
                        "write().acquireInterruptibly()" to { lock.write().acquireInterruptibly() },
                        "write().tryLock(1 s)" to { lock.write().tryLock(1, TimeUnit.SECONDS) },
                        "write().tryLock(0)" to { lock.write().tryLock(0, TimeUnit.SECONDS) },
                        "lockInterruptibly()" to { lock.lockInterruptibly() },
                        "tryLock(1 s)" to { lock.tryLock(1, TimeUnit.SECONDS) },
                    )
                    for ((name, attempt) in attempts) {
                        withClue(name) {
                            Thread.currentThread().interrupt()
                            shouldThrow<InterruptedException> { attempt() }
                            Thread.currentThread().isInterrupted shouldBe false
                            lock.holdsHere() shouldBe NO_HOLDS
                            lock.state() shouldBe FREE
                        }
                    }
                }
                lock.shouldBeFree()
            }
        }
    }

    context("lock() ignores an interrupt while waiting, acquires, and the interrupt status is set afterwards") {
        withTests(allVariants.flatMap { v -> contentions.map { v to it } }) { (v, c) ->
            withActors(2) { (holder, waiter) ->
                val lock = v.newLock()
                holder.call { c.holdSide(lock).lock() }
                val outcome = waiter.start {
                    c.waitSide(lock).lock()
                    val seen = Outcome(null, Thread.currentThread().isInterrupted, lock.holdsHere())
                    c.waitSide(lock).unlock()
                    Thread.interrupted()
                    seen
                }
                awaitQueued(lock, 1)
                waiter.interrupt()
                // the waiter wakes up, notices the interrupt, and parks again on the lock
                awaitTrue("waiter parked again", lock) {
                    waiter.thread.state == Thread.State.WAITING && LockSupport.getBlocker(waiter.thread) === lock
                }
                outcome.isDone shouldBe false
                lock.queueLength shouldBe 1
                holder.call { c.holdSide(lock).unlock() }
                val seen = outcome.await()
                seen.interrupted shouldBe true
                if (c.waitFor == "read") {
                    seen.holds shouldBe ThreadHolds(1, 0, true, false, false)
                } else {
                    seen.holds shouldBe ThreadHolds(0, 1, false, true, true)
                }
                lock.shouldBeFree()
            }
        }
    }

    context("lock(), acquire() and tryLock() called with the interrupt status set wait normally and keep it") {
        withTests(allVariants.flatMap { v -> contentions.map { v to it } }) { (v, c) ->
            withActors(2) { (holder, waiter) ->
                val lock = v.newLock()
                holder.call { c.holdSide(lock).lock() }
                val outcome = waiter.start {
                    Thread.currentThread().interrupt()
                    c.waitSide(lock).tryLock() shouldBe false
                    c.waitSide(lock).lock()
                    val seen = Outcome(null, Thread.currentThread().isInterrupted, lock.holdsHere())
                    c.waitSide(lock).unlock()
                    c.waitSide(lock).acquire().close()
                    c.waitSide(lock).tryLock() shouldBe true
                    c.waitSide(lock).unlock()
                    seen.copy(interrupted = seen.interrupted && Thread.interrupted())
                }
                awaitQueued(lock, 1)
                holder.call { c.holdSide(lock).unlock() }
                val seen = outcome.await()
                seen.interrupted shouldBe true
                (seen.holds.read + seen.holds.write) shouldBe 1
                lock.shouldBeFree()
            }
        }
    }

    context("an interrupted writer that was blocking readers lets the queued reader in at once") {
        withTests(allVariants.filter { it.policy == Policy.WRITER_PREFERRING || it.policy == Policy.FAIR }) { v ->
            withActors(3) { (r1, w, r2) ->
                val lock = v.newLock()
                val log = EventLog()
                r1.hold(lock.read(), log, "r1")
                val writer = w.start {
                    shouldThrow<InterruptedException> { lock.write().lockInterruptibly() }
                    lock.holdsHere()
                }
                awaitQueued(lock, 1)
                val late = r2.start {
                    lock.read().lock()
                    log.add("r2+")
                }
                awaitQueued(lock, 2)
                w.interrupt()
                writer.await() shouldBe NO_HOLDS
                late.await()
                log.snapshot() shouldBe listOf("r1+", "r2+")
                lock.state() shouldBe LockState(false, 2, 0, false)
                r2.call { lock.read().unlock() }
                r1.call { lock.read().unlock() }
                lock.shouldBeFree()
            }
        }
    }
})
