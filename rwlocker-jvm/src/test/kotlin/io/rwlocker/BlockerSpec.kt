package io.rwlocker

import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.types.shouldBeSameInstanceAs
import java.lang.management.ManagementFactory
import java.util.concurrent.TimeUnit
import java.util.concurrent.locks.LockSupport

/**
 * A parked thread's blocker (`LockSupport.getBlocker`, which thread dumps, JFR's ThreadPark event
 * and `ThreadInfo` report) is the lock itself, whichever way it waits: lock(), a timed tryLock,
 * lockInterruptibly, and a condition await under the read or the write lock, timed or not. So a
 * dump names the lock: its class and identity hash, which the default name contains.
 */
class BlockerSpec : FunSpec({
    timeout = 60_000L
    blockingTest = true

    /**
     * Waits until [thread] parks with [lock] as its blocker and returns the blocker. (An actor's
     * thread parks on its own task queue between steps, so "parked" alone proves nothing; a
     * thread that never parks on the lock fails the wait.)
     */
    fun parkedOn(thread: Thread, lock: RWLock): Any {
        awaitTrue("${thread.name} parks on the lock (its blocker: ${LockSupport.getBlocker(thread)})", lock) {
            LockSupport.getBlocker(thread) === lock
        }
        return LockSupport.getBlocker(thread)
    }

    for (v in allVariants.filter { !it.reentrant }) {
        test("threads waiting to acquire park on the lock [$v]") {
            val lock = v.newLock()
            withActors(4, "b") { (owner, reader, writer, timed) ->
                owner.call { lock.write().lock() }
                val r = reader.start { lock.read().lock(); lock.read().unlock() }
                parkedOn(reader.thread, lock) shouldBeSameInstanceAs lock
                val w = writer.start { lock.write().lockInterruptibly(); lock.write().unlock() }
                parkedOn(writer.thread, lock) shouldBeSameInstanceAs lock
                val t = timed.start { lock.read().tryLock(10, TimeUnit.SECONDS).also { if (it) lock.read().unlock() } }
                parkedOn(timed.thread, lock) shouldBeSameInstanceAs lock
                owner.call { lock.write().unlock() }
                r.await(); w.await(); t.await() shouldBe true
            }
            lock.shouldBeFree()
        }
    }

    for (write in listOf(false, true)) {
        val side = if (write) "write" else "read"
        test("condition waiters park on the lock, timed or not, under the $side lock") {
            val lock = RWLock.writerPreferring()
            val condition = lock.newCondition()
            withActors(2, "c") { (plain, timed) ->
                fun Actor.awaitUnder(timedWait: Boolean) = start {
                    val held = if (write) lock.write() else lock.read()
                    held.lock()
                    try {
                        if (timedWait) condition.await(10, TimeUnit.SECONDS) else condition.await()
                    } finally {
                        held.unlock()
                    }
                }
                val a = plain.awaitUnder(false)
                parkedOn(plain.thread, lock) shouldBeSameInstanceAs lock
                val b = timed.awaitUnder(true)
                parkedOn(timed.thread, lock) shouldBeSameInstanceAs lock
                awaitTrue("two waiters", lock) { condition.waitQueueLength == 2 }
                lock.write().lock()
                condition.signalAll()
                lock.write().unlock()
                a.await()
                b.await()
            }
            lock.shouldBeFree()
        }
    }

    test("a thread dump names the lock: ThreadInfo's lock is the lock's class and the hash in its default name") {
        val lock = RWLock.writerPreferring()
        withActors(2, "dump") { (owner, waiter) ->
            owner.call { lock.write().lock() }
            val w = waiter.start { lock.read().lock(); lock.read().unlock() }
            parkedOn(waiter.thread, lock)
            val info = ManagementFactory.getThreadMXBean().getThreadInfo(waiter.thread.id)
            val hash = lock.name().substringAfter('@')
            withClue(info.toString()) {
                info.lockName shouldBe "io.rwlocker.RWLock@$hash"
                info.threadState shouldBe Thread.State.WAITING
            }
            owner.call { lock.write().unlock() }
            w.await()
        }
        lock.shouldBeFree()
    }
})
