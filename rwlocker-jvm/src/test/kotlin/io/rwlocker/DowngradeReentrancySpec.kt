package io.rwlocker

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.datatest.withTests
import io.kotest.matchers.shouldBe
import io.kotest.matchers.types.shouldBeInstanceOf
import io.kotest.matchers.types.shouldBeSameInstanceAs
import java.util.concurrent.TimeUnit
import java.util.concurrent.locks.Lock
import java.util.concurrent.locks.ReadWriteLock

/**
 * Atomic write-to-read downgrade, the reentrant writer (nesting, taking the read side, the
 * `ReentrantReadWriteLock` downgrade idiom), the `Lock`/`ReadWriteLock` drop-in faces and
 * [Guard]s.
 */
class DowngradeReentrancySpec : FunSpec({
    timeout = 60_000L
    blockingTest = true

    context("downgrade is atomic: a queued writer cannot get in between") {
        withTests(allVariants) { v ->
            withActors(2) { (a, b) ->
                val lock = v.newLock()
                val log = EventLog()
                a.hold(lock.write(), log, "a")
                val writer = b.visit(lock.write(), log, "w")
                awaitQueued(lock, 1)
                a.call {
                    lock.write().downgrade()
                    log.add("a downgraded")
                    lock.holdsHere() shouldBe ThreadHolds(1, 0, true, false, false)
                }
                lock.state() shouldBe LockState(false, 1, 1, true)
                log.snapshot() shouldBe listOf("a+", "a downgraded")
                a.leave(lock.read(), log, "a")
                writer.await()
                log.snapshot() shouldBe listOf("a+", "a downgraded", "a-", "w+", "w-")
                lock.shouldBeFree()
            }
        }
    }

    context("downgrade admits a blocked reader when no writer waits (not under EXCLUSIVE)") {
        withTests(allVariants) { v ->
            withActors(2) { (a, b) ->
                val lock = v.newLock()
                val log = EventLog()
                a.hold(lock.write(), log, "a")
                val reader = b.start {
                    lock.read().lock()
                    log.add("r+")
                }
                awaitQueued(lock, 1)
                a.call { lock.write().downgrade() }
                if (v.policy == Policy.EXCLUSIVE) {
                    // reads are exclusive: the reader waits for a's read to end
                    lock.state() shouldBe LockState(false, 1, 1, true)
                    a.call { lock.read().unlock() }
                    reader.await()
                    lock.readLockCount shouldBe 1
                } else {
                    // admitted by the downgrade itself, while a still reads
                    reader.await()
                    lock.state() shouldBe LockState(false, 2, 0, false)
                    a.call { lock.read().holdCount } shouldBe 1
                    a.call { lock.read().unlock() }
                }
                log.snapshot() shouldBe listOf("a+", "r+")
                b.call { lock.read().unlock() }
                lock.shouldBeFree()
            }
        }
    }

    context("downgrade with a reader and a writer queued follows the policy") {
        // WRITER_PREFERRING: the waiting writer keeps the reader out; READER_PREFERRING and FAIR
        // (a write phase just ended): the reader enters; EXCLUSIVE: nobody enters.
        withTests(allVariants) { v ->
            withActors(3) { (a, r, w) ->
                val lock = v.newLock()
                val log = EventLog()
                a.hold(lock.write(), log, "a")
                val reader = r.visit(lock.read(), log, "r")
                awaitQueued(lock, 1)
                val writer = w.visit(lock.write(), log, "w")
                awaitQueued(lock, 2)
                a.call { lock.write().downgrade() }
                val readerAdmitted = v.policy == Policy.READER_PREFERRING || v.policy == Policy.FAIR
                if (readerAdmitted) {
                    reader.await()
                    lock.queueLength shouldBe 1
                } else {
                    lock.state() shouldBe LockState(false, 1, 2, true)
                }
                a.leave(lock.read(), log, "a")
                reader.await()
                writer.await()
                val events = log.snapshot()
                when (v.policy) {
                    Policy.WRITER_PREFERRING -> events shouldBe listOf("a+", "a-", "w+", "w-", "r+", "r-")
                    Policy.EXCLUSIVE -> events shouldBe listOf("a+", "a-", "r+", "r-", "w+", "w-")
                    else -> events shouldBe listOf("a+", "r+", "r-", "a-", "w+", "w-")
                }
                lock.shouldBeFree()
            }
        }
    }

    context("hold counts after downgrade: read 1, write 0") {
        withTests(allVariants) { v ->
            withActors(2) { (a, probe) ->
                val lock = v.newLock()
                a.call {
                    lock.write().lock()
                    lock.write().downgrade()
                    lock.read().holdCount shouldBe 1
                    lock.write().holdCount shouldBe 0
                    lock.read().isHeldByCurrentThread shouldBe true
                    lock.write().isHeldByCurrentThread shouldBe false
                    lock.isWriteLockedByCurrentThread shouldBe false
                }
                lock.state() shouldBe LockState(false, 1, 0, false)
                // another thread sees a reader: write refused, read as the policy allows
                probe.call { lock.write().tryLock() } shouldBe false
                probe.call {
                    val got = lock.read().tryLock()
                    if (got) lock.read().unlock()
                    got
                } shouldBe (v.policy != Policy.EXCLUSIVE)
                a.call {
                    lock.read().unlock()
                    shouldThrow<IllegalMonitorStateException> { lock.read().unlock() }
                }
                lock.shouldBeFree()
                // the lock works normally afterwards (no "downgrade poisoning")
                probe.call {
                    lock.write().lock()
                    lock.write().unlock()
                }
                lock.shouldBeFree()
            }
        }
    }

    context("reentrant writer: write, read, unlock write -> still a reader (ReentrantReadWriteLock idiom)") {
        withTests(reentrantVariants) { v ->
            withActors(3) { (a, probe, r) ->
                val lock = v.newLock()
                val log = EventLog()
                a.call {
                    lock.write().lock()
                    lock.read().lock()
                    lock.holdsHere() shouldBe ThreadHolds(1, 1, true, true, true)
                    lock.state() shouldBe LockState(true, 1, 0, false)
                }
                val reader = r.visit(lock.read(), log, "r")
                awaitQueued(lock, 1)
                a.call {
                    lock.write().unlock()
                    lock.holdsHere() shouldBe ThreadHolds(1, 0, true, false, false)
                }
                lock.isWriteLocked shouldBe false
                probe.call { lock.write().tryLock() } shouldBe false
                if (v.policy == Policy.EXCLUSIVE) {
                    lock.state() shouldBe LockState(false, 1, 1, true)
                    a.call { lock.read().unlock() }
                    reader.await()
                } else {
                    reader.await() // the write release admitted the waiting reader
                    a.call { lock.read().unlock() }
                }
                log.snapshot() shouldBe listOf("r+", "r-")
                lock.shouldBeFree()
            }
        }
    }

    context("reentrant writer nests the write lock 3 times") {
        withTests(reentrantVariants) { v ->
            withActors(2) { (a, probe) ->
                val lock = v.newLock()
                a.call {
                    lock.write().lock()
                    lock.write().tryLock() shouldBe true
                    lock.write().tryLock(1, TimeUnit.SECONDS) shouldBe true
                    lock.write().holdCount shouldBe 3
                    lock.write().lockInterruptibly()
                    lock.write().acquire().use { lock.write().holdCount shouldBe 5 }
                    lock.write().acquireInterruptibly().use { lock.write().holdCount shouldBe 5 }
                    lock.lock() // RWLock as a Lock: the write side
                    lock.write().holdCount shouldBe 5
                    lock.unlock()
                    lock.write().unlock()
                    lock.write().holdCount shouldBe 3
                }
                probe.call { lock.write().tryLock() } shouldBe false
                probe.call { lock.read().tryLock() } shouldBe false
                repeat(2) {
                    a.call { lock.write().unlock() }
                    lock.isWriteLocked shouldBe true
                    probe.call { lock.read().tryLock() } shouldBe false
                }
                a.call {
                    lock.write().holdCount shouldBe 1
                    lock.write().unlock()
                    lock.holdsHere() shouldBe NO_HOLDS
                    shouldThrow<IllegalMonitorStateException> { lock.write().unlock() }
                }
                lock.shouldBeFree()
            }
        }
    }

    context("reentrant writer takes the read side; releases in either order") {
        withTests(reentrantVariants) { v ->
            withActors(2) { (a, probe) ->
                val lock = v.newLock()
                a.call {
                    lock.write().lock()
                    lock.read().lock()
                    lock.read().tryLock() shouldBe true
                    lock.read().tryLock(1, TimeUnit.SECONDS) shouldBe true
                    lock.holdsHere() shouldBe ThreadHolds(3, 1, true, true, true)
                    lock.readLockCount shouldBe 3
                    lock.isWriteLocked shouldBe true
                }
                probe.call { lock.read().tryLock() } shouldBe false
                a.call {
                    repeat(3) { lock.read().unlock() }
                    lock.holdsHere() shouldBe ThreadHolds(0, 1, false, true, true)
                    lock.state() shouldBe LockState(true, 0, 0, false)
                    lock.write().unlock()
                }
                lock.shouldBeFree()
            }
        }
    }

    context("nested write, unwind to one hold, then downgrade works") {
        withTests(reentrantVariants) { v ->
            withActors(1) { (a) ->
                val lock = v.newLock()
                a.call {
                    repeat(3) { lock.write().lock() }
                    repeat(2) { lock.write().unlock() }
                    lock.write().downgrade()
                    lock.holdsHere() shouldBe ThreadHolds(1, 0, true, false, false)
                    lock.read().unlock()
                }
                lock.shouldBeFree()
            }
        }
    }

    context("a reentrant writer holding read too downgrades into two read holds") {
        withTests(reentrantVariants) { v ->
            withActors(1) { (a) ->
                val lock = v.newLock()
                a.call {
                    lock.write().lock()
                    lock.read().lock()
                    lock.write().downgrade()
                    lock.holdsHere() shouldBe ThreadHolds(2, 0, true, false, false)
                    lock.state() shouldBe LockState(false, 2, 0, false)
                    lock.read().unlock()
                    lock.read().unlock()
                }
                lock.shouldBeFree()
            }
        }
    }

    context("RWLock itself is a Lock on the write side; read()/readLock() and write()/writeLock() are the same objects") {
        withTests(allVariants) { v ->
            withActors(2) { (a, probe) ->
                val lock = v.newLock()
                lock.read() shouldBeSameInstanceAs lock.readLock()
                lock.write() shouldBeSameInstanceAs lock.writeLock()
                lock.read().owner() shouldBeSameInstanceAs lock
                lock.policy() shouldBe v.policy
                lock.isReentrantWriter shouldBe v.reentrant
                val asLock: Lock = lock
                val asRw: ReadWriteLock = lock
                asRw.readLock() shouldBeSameInstanceAs lock.read()
                asRw.writeLock() shouldBeSameInstanceAs lock.write()
                a.call {
                    asLock.lock()
                    lock.isWriteLockedByCurrentThread shouldBe true
                    lock.write().holdCount shouldBe 1
                    lock.read().holdCount shouldBe 0
                }
                probe.call { asLock.tryLock() } shouldBe false
                a.call {
                    asLock.unlock()
                    asLock.tryLock() shouldBe true
                    lock.write().isHeldByCurrentThread shouldBe true
                    asLock.unlock()
                    asLock.tryLock(1, TimeUnit.SECONDS) shouldBe true
                    asLock.unlock()
                    asLock.lockInterruptibly()
                    lock.write().holdCount shouldBe 1
                    asLock.newCondition().shouldBeInstanceOf<RWCondition>()
                    asLock.unlock()
                    lock.holdsHere() shouldBe NO_HOLDS
                }
                lock.shouldBeFree()
            }
        }
    }

    context("Guard from acquire() releases at the end of use { }, also when the block throws") {
        withTests(allVariants) { v ->
            withActors(1) { (a) ->
                val lock = v.newLock()
                a.call {
                    val value = lock.read().acquire().use {
                        lock.read().holdCount shouldBe 1
                        42
                    }
                    value shouldBe 42
                    lock.holdsHere() shouldBe NO_HOLDS
                    lock.write().acquireInterruptibly().use {
                        lock.isWriteLockedByCurrentThread shouldBe true
                    }
                    lock.holdsHere() shouldBe NO_HOLDS
                    for ((name, side) in listOf<Pair<String, LockSide>>("read" to lock.read(), "write" to lock.write())) {
                        val thrown = shouldThrow<IllegalArgumentException> {
                            side.acquire().use {
                                side.holdCount shouldBe 1
                                throw IllegalArgumentException("boom in $name")
                            }
                        }
                        thrown.message shouldBe "boom in $name"
                        lock.holdsHere() shouldBe NO_HOLDS
                        lock.state() shouldBe FREE
                    }
                }
                lock.shouldBeFree()
            }
        }
    }
})
