package io.rwlocker.internal

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.maps.shouldBeEmpty
import io.kotest.matchers.shouldBe
import io.rwlocker.Policy
import io.rwlocker.RWLock
import io.rwlocker.awaitQueued
import io.rwlocker.awaitTrue
import io.rwlocker.await
import io.rwlocker.shouldBeFree
import io.rwlocker.withActors
import java.util.concurrent.TimeUnit

/**
 * `RWLock.getReadHolders()` lists exactly the threads that hold read and their hold counts,
 * whichever way the holds were taken: on the biased path (published only in the threads' own
 * records), on the central path, nested, after a writer revoked the bias and moved them into the
 * shared count, by a reentrant writer, by a downgrade; and not a thread that waits on a condition
 * (it released its holds). The path of each hold is checked in the thread's record, so each case
 * is really the case it names.
 */
class ReadHoldersSpec : FunSpec({
    timeout = 60_000L
    blockingTest = true

    val shared = listOf(Policy.WRITER_PREFERRING, Policy.READER_PREFERRING, Policy.FAIR)

    fun engineOf(lock: RWLock): LockEngine = EngineAccess.engineOf(lock)

    /** Takes [n] read holds on the calling thread and returns how the outermost one was taken. */
    fun takeReads(lock: RWLock, n: Int): Int {
        repeat(n) { lock.read().lock() }
        val record = engineOf(lock).record()
        return when {
            record.visible == ReaderRecordFields.VISIBLE_HELD -> BIASED
            record.central > 0 -> CENTRAL
            else -> error("no shared part of the hold")
        }
    }

    fun releaseReads(lock: RWLock, n: Int) = repeat(n) { lock.read().unlock() }

    for (policy in shared) {
        test("biased holds: exactly the holding threads with their nested counts [$policy]") {
            val lock = RWLock.builder().policy(policy).build()
            withActors(3, "reader") { (a, b, c) ->
                a.call { takeReads(lock, 2) } shouldBe BIASED
                b.call { takeReads(lock, 1) } shouldBe BIASED
                c.call { takeReads(lock, 3) } shouldBe BIASED
                lock.getReadHolders() shouldBe mapOf(a.thread to 2, b.thread to 1, c.thread to 3)
                lock.readLockCount shouldBe 6
                a.call { releaseReads(lock, 1) }
                b.call { releaseReads(lock, 1) }
                lock.getReadHolders() shouldBe mapOf(a.thread to 1, c.thread to 3)
                a.call { releaseReads(lock, 1) }
                c.call { releaseReads(lock, 3) }
                lock.getReadHolders().shouldBeEmpty()
            }
            lock.shouldBeFree()
        }

        test("central holds (the bias revoked by a writer first) [$policy]") {
            val lock = RWLock.builder().policy(policy).build()
            lock.write().lock() // revokes the bias; it stays off for a while
            lock.write().unlock()
            withActors(2, "reader") { (a, b) ->
                a.call { takeReads(lock, 1) } shouldBe CENTRAL
                b.call { takeReads(lock, 4) } shouldBe CENTRAL
                lock.getReadHolders() shouldBe mapOf(a.thread to 1, b.thread to 4)
                a.call { releaseReads(lock, 1) }
                b.call { releaseReads(lock, 4) }
                lock.getReadHolders().shouldBeEmpty()
            }
            lock.shouldBeFree()
        }

        test("biased holds stay listed, with their counts, after a waiting writer revoked them [$policy]") {
            val lock = RWLock.builder().policy(policy).build()
            withActors(3, "t") { (a, b, w) ->
                a.call { takeReads(lock, 2) } shouldBe BIASED
                b.call { takeReads(lock, 1) } shouldBe BIASED
                val writer = w.start {
                    lock.write().lock()
                    val seen = lock.getReadHolders()
                    lock.write().unlock()
                    seen
                }
                awaitQueued(lock, 1) // the writer revoked the bias before it queued
                a.call { engineOf(lock).record().visible } shouldBe ReaderRecordFields.VISIBLE_MIGRATED
                b.call { engineOf(lock).record().visible } shouldBe ReaderRecordFields.VISIBLE_MIGRATED
                lock.getReadHolders() shouldBe mapOf(a.thread to 2, b.thread to 1)
                lock.readLockCount shouldBe 3
                a.call { releaseReads(lock, 2) }
                lock.getReadHolders() shouldBe mapOf(b.thread to 1)
                b.call { releaseReads(lock, 1) }
                writer.await().shouldBeEmpty()
            }
            lock.shouldBeFree()
        }
    }

    test("EXCLUSIVE: the one reader, central") {
        val lock = RWLock.exclusive()
        withActors(1) { (a) ->
            a.call { takeReads(lock, 3) } shouldBe CENTRAL
            lock.getReadHolders() shouldBe mapOf(a.thread to 3)
            a.call { releaseReads(lock, 3) }
        }
        lock.getReadHolders().shouldBeEmpty()
        lock.shouldBeFree()
    }

    test("a reentrant writer's reads and a downgraded writer are read holders; the owner is the writer") {
        val lock = RWLock.builder().reentrantWriter(true).build()
        withActors(2) { (a, b) ->
            a.call { lock.write().lock(); takeReads(lock, 2) } shouldBe CENTRAL
            lock.getReadHolders() shouldBe mapOf(a.thread to 2)
            lock.owner shouldBe a.thread
            a.call { lock.write().unlock() }
            lock.owner shouldBe null
            lock.getReadHolders() shouldBe mapOf(a.thread to 2)
            a.call { releaseReads(lock, 2) }

            b.call { lock.write().lock(); lock.write().downgrade() }
            lock.owner shouldBe null
            lock.getReadHolders() shouldBe mapOf(b.thread to 1)
            b.call { releaseReads(lock, 1) }
        }
        lock.getReadHolders().shouldBeEmpty()
        lock.shouldBeFree()
    }

    test("a thread waiting on a condition holds nothing until it returns") {
        val lock = RWLock.writerPreferring()
        val condition = lock.newCondition()
        withActors(2) { (a, b) ->
            b.call { takeReads(lock, 1) }
            val waiter = a.start {
                takeReads(lock, 2)
                try {
                    condition.await(10, TimeUnit.SECONDS)
                } finally {
                    releaseReads(lock, 2)
                }
            }
            // The waiter links its condition node first and releases its holds just after: wait for both.
            awaitTrue("the waiter waits, its reads released", lock) {
                condition.waitQueueLength == 1 && lock.readLockCount == 1
            }
            lock.getReadHolders() shouldBe mapOf(b.thread to 1)
            b.call { condition.signal() }
            waiter.await() shouldBe true
            b.call { releaseReads(lock, 1) }
        }
        lock.getReadHolders().shouldBeEmpty()
        lock.shouldBeFree()
    }

    test("the holders inside await, seen by the waiter itself after it returns") {
        val lock = RWLock.fair()
        val condition = lock.newCondition()
        withActors(2) { (a, b) ->
            val waiter = a.start {
                takeReads(lock, 2)
                try {
                    condition.await(10, TimeUnit.SECONDS)
                    lock.getReadHolders()
                } finally {
                    releaseReads(lock, 2)
                }
            }
            awaitTrue("the waiter waits, its reads released", lock) {
                condition.waitQueueLength == 1 && lock.readLockCount == 0
            }
            lock.getReadHolders().shouldBeEmpty()
            b.call { lock.write().lock(); condition.signalAll(); lock.write().unlock() }
            waiter.await() shouldBe mapOf(a.thread to 2)
        }
        lock.shouldBeFree()
    }
}) {
    private companion object {
        const val BIASED = 1
        const val CENTRAL = 2
    }
}
