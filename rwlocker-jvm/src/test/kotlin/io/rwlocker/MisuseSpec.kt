package io.rwlocker

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.datatest.withTests
import io.kotest.matchers.longs.shouldBeLessThan
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.util.concurrent.TimeUnit
import java.util.concurrent.locks.Lock

/**
 * The error table of DESIGN.md 4.2 for the blocking lock: every misuse fails with the documented
 * exception, at once, and leaves the lock exactly as it was (checked from outside with
 * [state] and from the offending thread with [holdsHere]).
 *
 * Not covered: the write hold count overflow row (`Error("Maximum lock count exceeded")` after
 * `Integer.MAX_VALUE` nested write holds) -- reaching it takes 2^31 acquisitions, far beyond the
 * test budget. The `RWCondition` rows belong to the condition specs.
 */
class MisuseSpec : FunSpec({
    timeout = 60_000L
    blockingTest = true

    context("unlock() of a read the current thread does not hold (held by another thread)") {
        withTests(allVariants) { v ->
            withActors(2) { (owner, intruder) ->
                val lock = v.newLock()
                owner.call { lock.read().lock() }
                val before = lock.state()
                intruder.call {
                    shouldThrow<IllegalMonitorStateException> { lock.read().unlock() }
                    lock.holdsHere() shouldBe NO_HOLDS
                }
                lock.state() shouldBe before
                lock.readLockCount shouldBe 1
                owner.call {
                    lock.read().holdCount shouldBe 1
                    lock.read().unlock()
                }
                lock.shouldBeFree()
            }
        }
    }

    context("unlock() of a read nobody holds") {
        withTests(allVariants) { v ->
            withActors(1) { (a) ->
                val lock = v.newLock()
                a.call {
                    shouldThrow<IllegalMonitorStateException> { lock.read().unlock() }
                    lock.holdsHere() shouldBe NO_HOLDS
                }
                lock.shouldBeFree()
                // a later read still works normally
                a.call {
                    lock.read().lock()
                    lock.read().unlock()
                }
                lock.shouldBeFree()
            }
        }
    }

    context("unlock() of a write the current thread does not hold") {
        withTests(allVariants) { v ->
            withActors(2) { (owner, intruder) ->
                val lock = v.newLock()
                intruder.call {
                    shouldThrow<IllegalMonitorStateException> { lock.write().unlock() }
                    shouldThrow<IllegalMonitorStateException> { lock.unlock() }
                }
                lock.shouldBeFree()
                owner.call { lock.write().lock() }
                val before = lock.state()
                intruder.call {
                    shouldThrow<IllegalMonitorStateException> { lock.write().unlock() }
                    shouldThrow<IllegalMonitorStateException> { lock.unlock() }
                    lock.holdsHere() shouldBe NO_HOLDS
                }
                lock.state() shouldBe before
                owner.call {
                    lock.isWriteLockedByCurrentThread shouldBe true
                    lock.write().holdCount shouldBe 1
                    lock.write().unlock()
                }
                lock.shouldBeFree()
            }
        }
    }

    context("a read holder cannot release the write side, a writer cannot release a read it lacks") {
        withTests(allVariants) { v ->
            withActors(1) { (a) ->
                val lock = v.newLock()
                a.call {
                    lock.read().lock()
                    shouldThrow<IllegalMonitorStateException> { lock.write().unlock() }
                    lock.holdsHere() shouldBe ThreadHolds(1, 0, true, false, false)
                    lock.read().unlock()
                    lock.write().lock()
                    shouldThrow<IllegalMonitorStateException> { lock.read().unlock() }
                    lock.holdsHere() shouldBe ThreadHolds(0, 1, false, true, true)
                    lock.state() shouldBe LockState(true, 0, 0, false)
                    lock.write().unlock()
                }
                lock.shouldBeFree()
            }
        }
    }

    context("a Guard closed twice throws IllegalMonitorStateException") {
        withTests(allVariants) { v ->
            withActors(1) { (a) ->
                val lock = v.newLock()
                a.call {
                    val readGuard = lock.read().acquire()
                    readGuard.close()
                    shouldThrow<IllegalMonitorStateException> { readGuard.close() }
                    val writeGuard = lock.write().acquire()
                    writeGuard.close()
                    shouldThrow<IllegalMonitorStateException> { writeGuard.close() }
                    lock.holdsHere() shouldBe NO_HOLDS
                }
                lock.shouldBeFree()
            }
        }
    }

    context("downgrade() without holding the write lock") {
        withTests(allVariants) { v ->
            withActors(2) { (a, b) ->
                val lock = v.newLock()
                a.call {
                    shouldThrow<IllegalMonitorStateException> { lock.write().downgrade() }
                    lock.holdsHere() shouldBe NO_HOLDS
                }
                lock.shouldBeFree()
                // as a reader
                a.call {
                    lock.read().lock()
                    shouldThrow<IllegalMonitorStateException> { lock.write().downgrade() }
                    lock.holdsHere() shouldBe ThreadHolds(1, 0, true, false, false)
                    lock.state() shouldBe LockState(false, 1, 0, false)
                    lock.read().unlock()
                }
                // while another thread holds the write lock (a foreign downgrade)
                b.call { lock.write().lock() }
                a.call {
                    shouldThrow<IllegalMonitorStateException> { lock.write().downgrade() }
                    lock.holdsHere() shouldBe NO_HOLDS
                }
                lock.state() shouldBe LockState(true, 0, 0, false)
                b.call {
                    lock.holdsHere() shouldBe ThreadHolds(0, 1, false, true, true)
                    lock.write().unlock()
                }
                lock.shouldBeFree()
            }
        }
    }

    context("downgrade() with nested write holds (reentrant writer) throws IllegalStateException") {
        withTests(reentrantVariants) { v ->
            withActors(1) { (a) ->
                val lock = v.newLock()
                a.call {
                    lock.write().lock()
                    lock.write().lock()
                    val e = shouldThrow<IllegalStateException> { lock.write().downgrade() }
                    e.message shouldContain "nested"
                    lock.holdsHere() shouldBe ThreadHolds(0, 2, false, true, true)
                    lock.state() shouldBe LockState(true, 0, 0, false)
                    // after releasing the inner hold the downgrade works
                    lock.write().unlock()
                    lock.write().downgrade()
                    lock.holdsHere() shouldBe ThreadHolds(1, 0, true, false, false)
                    lock.read().unlock()
                }
                lock.shouldBeFree()
            }
        }
    }

    context("upgrade: a read holder asking for the write lock fails at once") {
        withTests(allVariants) { v ->
            withActors(1) { (a) ->
                val lock = v.newLock()
                a.call {
                    lock.read().lock()
                    val write = lock.write()
                    val started = System.nanoTime()
                    shouldThrow<IllegalStateException> { write.lock() }
                    shouldThrow<IllegalStateException> { write.lockInterruptibly() }
                    shouldThrow<IllegalStateException> { write.tryLock(10, TimeUnit.SECONDS) }
                    shouldThrow<IllegalStateException> { write.acquire() }
                    shouldThrow<IllegalStateException> { write.acquireInterruptibly() }
                    shouldThrow<IllegalStateException> { lock.lock() }
                    shouldThrow<IllegalStateException> { lock.lockInterruptibly() }
                    shouldThrow<IllegalStateException> { lock.tryLock(10, TimeUnit.SECONDS) }
                    millisSince(started) shouldBeLessThan 5_000L // "at once": no 10 s wait happened
                    write.tryLock() shouldBe false
                    lock.tryLock() shouldBe false
                    lock.holdsHere() shouldBe ThreadHolds(1, 0, true, false, false)
                    lock.state() shouldBe LockState(false, 1, 0, false)
                    lock.read().unlock()
                }
                lock.shouldBeFree()
            }
        }
    }

    context("non-reentrant write holder acquiring either side again fails at once") {
        withTests(nonReentrantVariants) { v ->
            withActors(1) { (a) ->
                val lock = v.newLock()
                a.call {
                    lock.write().lock()
                    val started = System.nanoTime()
                    for (side in listOf<LockSide>(lock.write(), lock.read())) {
                        shouldThrow<IllegalStateException> { side.lock() }
                        shouldThrow<IllegalStateException> { side.lockInterruptibly() }
                        shouldThrow<IllegalStateException> { side.tryLock(10, TimeUnit.SECONDS) }
                        shouldThrow<IllegalStateException> { side.acquire() }
                        shouldThrow<IllegalStateException> { side.acquireInterruptibly() }
                        side.tryLock() shouldBe false
                    }
                    val asLock: Lock = lock
                    shouldThrow<IllegalStateException> { asLock.lock() }
                    shouldThrow<IllegalStateException> { asLock.lockInterruptibly() }
                    shouldThrow<IllegalStateException> { asLock.tryLock(10, TimeUnit.SECONDS) }
                    asLock.tryLock() shouldBe false
                    millisSince(started) shouldBeLessThan 5_000L
                    lock.holdsHere() shouldBe ThreadHolds(0, 1, false, true, true)
                    lock.state() shouldBe LockState(true, 0, 0, false)
                    lock.write().unlock()
                }
                lock.shouldBeFree()
            }
        }
    }

    context("zero and negative timeouts make one attempt and never wait") {
        val timeouts = listOf(0L, -1L, -1_000_000L, Long.MIN_VALUE)
        withTests(allVariants) { v ->
            withActors(3) { (holder, waiter, probe) ->
                val lock = v.newLock()
                // uncontended: the one attempt succeeds
                probe.call {
                    for (t in timeouts) {
                        lock.read().tryLock(t, TimeUnit.MILLISECONDS) shouldBe true
                        lock.read().unlock()
                        lock.write().tryLock(t, TimeUnit.MILLISECONDS) shouldBe true
                        lock.write().unlock()
                    }
                    lock.holdsHere() shouldBe NO_HOLDS
                }
                lock.shouldBeFree()

                // contended by a writer: both sides return false promptly
                holder.call { lock.write().lock() }
                probe.call {
                    val started = System.nanoTime()
                    for (t in timeouts) {
                        for (unit in listOf(TimeUnit.NANOSECONDS, TimeUnit.SECONDS, TimeUnit.DAYS)) {
                            lock.read().tryLock(t, unit) shouldBe false
                            lock.write().tryLock(t, unit) shouldBe false
                        }
                    }
                    millisSince(started) shouldBeLessThan 5_000L
                    lock.holdsHere() shouldBe NO_HOLDS
                }
                lock.state() shouldBe LockState(true, 0, 0, false)
                holder.call { lock.write().unlock() }

                // contended by a reader with a writer queued: no wait, the queue is untouched
                holder.call { lock.read().lock() }
                val w = waiter.start {
                    lock.write().lock()
                    lock.write().unlock()
                }
                awaitQueued(lock, 1)
                val before = lock.state()
                probe.call {
                    val started = System.nanoTime()
                    for (t in timeouts) {
                        lock.write().tryLock(t, TimeUnit.MILLISECONDS) shouldBe false
                        val read = lock.read().tryLock(t, TimeUnit.MILLISECONDS)
                        // only READER_PREFERRING lets a new reader share while a writer waits
                        read shouldBe (v.policy == Policy.READER_PREFERRING)
                        if (read) lock.read().unlock()
                    }
                    millisSince(started) shouldBeLessThan 5_000L
                    lock.holdsHere() shouldBe NO_HOLDS
                }
                lock.state() shouldBe before
                holder.call { lock.read().unlock() }
                w.await()
                lock.shouldBeFree()
            }
        }
    }

    context("null TimeUnit throws NullPointerException naming the argument") {
        withTests(allVariants) { v ->
            withActors(2) { (a, holder) ->
                val lock = v.newLock()
                a.call {
                    val nullUnit: TimeUnit? = null
                    for (attempt in listOf<(TimeUnit?) -> Boolean>(
                        { lock.read().tryLock(1, it) },
                        { lock.write().tryLock(1, it) },
                        { lock.tryLock(1, it) },
                    )) {
                        val e = shouldThrow<NullPointerException> { attempt(nullUnit) }
                        e.message shouldBe "unit"
                    }
                    lock.holdsHere() shouldBe NO_HOLDS
                }
                lock.shouldBeFree()
                // also when the lock is contended
                holder.call { lock.write().lock() }
                a.call {
                    shouldThrow<NullPointerException> { lock.read().tryLock(1, null) }
                    shouldThrow<NullPointerException> { lock.write().tryLock(1, null) }
                    lock.holdsHere() shouldBe NO_HOLDS
                }
                lock.state() shouldBe LockState(true, 0, 0, false)
                holder.call { lock.write().unlock() }
                lock.shouldBeFree()
            }
        }
    }

    test("Builder.policy(null) throws NullPointerException naming the argument") {
        val e = shouldThrow<NullPointerException> { RWLock.builder().policy(null) }
        e.message shouldBe "policy"
        // the builder still builds with its default
        RWLock.builder().build().policy() shouldBe Policy.WRITER_PREFERRING
        RWLock.builder().build().isReentrantWriter shouldBe false
    }

    test("misuse is reported quickly even on a contended lock (no thread enters the queue)") {
        withActors(3) { (holder, waiter, a) ->
            val lock = RWLock.builder().policy(Policy.WRITER_PREFERRING).build()
            holder.call { lock.read().lock() }
            val w = waiter.start {
                lock.write().lock()
                lock.write().unlock()
            }
            awaitQueued(lock, 1)
            // a second reader thread enters by recursion only; an upgrade attempt must not queue
            holder.call {
                shouldThrow<IllegalStateException> { lock.write().lock() }
                lock.queueLength shouldBe 1
                lock.readLockCount shouldBe 1
            }
            a.call { shouldThrow<IllegalMonitorStateException> { lock.read().unlock() } }
            lock.state() shouldBe LockState(false, 1, 1, true)
            holder.call { lock.read().unlock() }
            w.await()
            lock.shouldBeFree()
        }
    }
})
