package io.rwlocker

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldBeEmpty
import io.kotest.matchers.collections.shouldContainExactly
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.util.concurrent.TimeUnit

/**
 * Who waits and who writes: `getQueuedThreads()` (oldest first), `hasQueuedThread(t)`,
 * `getOwner()`, and the condition snapshots `hasWaiters(c)` / `getWaitQueueLength(c)` on the lock,
 * with the JDK's errors (NPE for null, IAE for another lock's condition) leaving the state as it
 * was. Condition waiters are not queued threads (as in the JDK) until a signal moves them.
 */
class QueuedThreadsSpec : FunSpec({
    timeout = 60_000L
    blockingTest = true

    for (v in allVariants.filter { !it.reentrant }) {
        test("queued readers and writers, oldest first; the owner; nobody after [$v]") {
            val lock = v.newLock()
            lock.getQueuedThreads().shouldBeEmpty()
            lock.owner shouldBe null
            withActors(4, "q") { (owner, r1, w, r2) ->
                owner.call { lock.write().lock() }
                lock.owner shouldBe owner.thread
                val first = r1.start { lock.read().lock(); lock.read().unlock() }
                awaitQueued(lock, 1)
                val second = w.start { lock.write().lock(); lock.write().unlock() }
                awaitQueued(lock, 2)
                val third = r2.start { lock.read().lock(); lock.read().unlock() }
                awaitQueued(lock, 3)
                lock.getQueuedThreads() shouldContainExactly listOf(r1.thread, w.thread, r2.thread)
                for (t in listOf(r1, w, r2)) lock.hasQueuedThread(t.thread) shouldBe true
                lock.hasQueuedThread(owner.thread) shouldBe false
                lock.hasQueuedThread(Thread.currentThread()) shouldBe false
                owner.call { lock.write().unlock() }
                first.await(); second.await(); third.await()
                lock.getQueuedThreads().shouldBeEmpty()
                lock.hasQueuedThread(w.thread) shouldBe false
                lock.owner shouldBe null
            }
            lock.shouldBeFree()
        }
    }

    test("a timed waiter is listed while it waits and not after it gave up") {
        val lock = RWLock.writerPreferring()
        withActors(2) { (owner, waiter) ->
            owner.call { lock.read().lock() }
            val attempt = waiter.start { lock.write().tryLock(10, TimeUnit.SECONDS) }
            awaitQueued(lock, 1)
            lock.getQueuedThreads() shouldContainExactly listOf(waiter.thread)
            lock.owner shouldBe null // a reader is no owner
            waiter.interrupt()
            shouldThrow<InterruptedException> { attempt.await() }
            lock.getQueuedThreads().shouldBeEmpty()
            lock.hasQueuedThread(waiter.thread) shouldBe false
            owner.call { lock.read().unlock() }
        }
        lock.shouldBeFree()
    }

    test("condition waiters: counted by hasWaiters/getWaitQueueLength, not queued threads") {
        val lock = RWLock.fair()
        val condition = lock.newCondition()
        lock.hasWaiters(condition) shouldBe false
        lock.getWaitQueueLength(condition) shouldBe 0
        withActors(3) { (a, b, holder) ->
            val waits = listOf(a, b).map { actor ->
                actor.start {
                    lock.read().lock()
                    try {
                        condition.await(10, TimeUnit.SECONDS)
                    } finally {
                        lock.read().unlock()
                    }
                }
            }
            awaitTrue("two condition waiters", lock) { lock.getWaitQueueLength(condition) == 2 }
            lock.hasWaiters(condition) shouldBe true
            lock.getQueuedThreads().shouldBeEmpty()
            lock.hasQueuedThread(a.thread) shouldBe false
            // Signalled while a writer holds: moved to the lock queue, now queued threads.
            holder.call { lock.write().lock(); condition.signalAll() }
            lock.getWaitQueueLength(condition) shouldBe 0
            lock.hasWaiters(condition) shouldBe false
            lock.getQueuedThreads().toSet() shouldBe setOf(a.thread, b.thread)
            holder.call { lock.write().unlock() }
            waits.forEach { it.await() shouldBe true }
        }
        lock.shouldBeFree()
    }

    test("null arguments: NullPointerException naming them; another lock's condition: IllegalArgumentException") {
        val lock = RWLock.writerPreferring()
        val other = RWLock.writerPreferring()
        val mine = lock.newCondition()
        val foreign = other.newCondition()
        withActors(1) { (waiter) ->
            val waiting = waiter.start {
                lock.write().lock()
                try {
                    mine.await(10, TimeUnit.SECONDS)
                } finally {
                    lock.write().unlock()
                }
            }
            awaitTrue("one condition waiter, the write released", lock) { mine.waitQueueLength == 1 && !lock.isWriteLocked }
            val before = lock.state()
            shouldThrow<NullPointerException> { lock.hasQueuedThread(null) }.message shouldBe "thread"
            shouldThrow<NullPointerException> { lock.hasWaiters(null) }.message shouldBe "condition"
            shouldThrow<NullPointerException> { lock.getWaitQueueLength(null) }.message shouldBe "condition"
            shouldThrow<IllegalArgumentException> { lock.hasWaiters(foreign) }.message shouldContain "not a condition of this lock"
            shouldThrow<IllegalArgumentException> { lock.getWaitQueueLength(foreign) }
            shouldThrow<IllegalArgumentException> { other.hasWaiters(mine) }
            lock.state() shouldBe before
            lock.getWaitQueueLength(mine) shouldBe 1
            other.shouldBeFree()
            lock.write().lock()
            mine.signal()
            lock.write().unlock()
            waiting.await() shouldBe true
        }
        lock.shouldBeFree()
    }
})
