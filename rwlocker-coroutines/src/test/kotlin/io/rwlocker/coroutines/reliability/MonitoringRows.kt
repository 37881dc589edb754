package io.rwlocker.coroutines.reliability

import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.rwlocker.RWLock
import io.rwlocker.coroutines.ReadWriteMutex
import io.rwlocker.coroutines.name
import io.rwlocker.coroutines.snapshot
import io.rwlocker.coroutines.write
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.launch

/**
 * The bad-input rows of the monitoring API (DESIGN.md 4.5): lock names, read holders, owner,
 * queued threads, condition waiters, and `ReadWriteMutex.snapshot()`. They run on the fixture's
 * lock, so its end check (free, and working from both faces) applies.
 */
internal val monitoringRows: List<BadInput> = rowsOf {
    row("RWLock.Builder", "`name(name)`", "`null`; `\"\"`", "$NPE naming `name`; $IAE; the builder keeps its earlier name") {
        val builder = RWLock.builder().policy(variant.policy).name("kept")
        throws<NullPointerException>("name") { builder.name(null) }
        throws<IllegalArgumentException>("empty") { builder.name("") }
        val built = builder.build()
        built.name() shouldBe "kept"
        built.toString() shouldContain "kept"
        lock.name() shouldContain variant.policy.name
    }
    row("ReadWriteMutex (function)", "`ReadWriteMutex(policy, reentrantWriter, name)`", "`name` = `\"\"`", IAE) {
        throws<IllegalArgumentException> { ReadWriteMutex(variant.policy, variant.reentrant, name = "") }
        ReadWriteMutex(variant.policy, variant.reentrant, name = "sessions").name shouldBe "sessions"
    }
    row("RWLock", "`hasQueuedThread(thread)`", "`null`; a thread that does not wait; a thread that waits", "$NPE naming `thread`; `false`; `true`") {
        untouched { throws<NullPointerException>("thread") { lock.hasQueuedThread(null) } }
        lock.hasQueuedThread(Thread.currentThread()) shouldBe false
        val writer = otherWriter()
        val waiter = background { lock.read().lock(); lock.read().unlock() }
        awaitQueued(1)
        untouched {
            throws<NullPointerException>("thread") { lock.hasQueuedThread(null) }
            lock.hasQueuedThread(waiter.thread) shouldBe true
            lock.hasQueuedThread(writer.thread) shouldBe false
        }
        writer.release()
        waiter.join()
        lock.hasQueuedThread(waiter.thread) shouldBe false
    }
    row(
        "RWLock",
        "`hasWaiters(condition)`, `getWaitQueueLength(condition)`",
        "`null`; a condition of another lock; from a thread that holds nothing",
        "$NPE naming `condition`; $IAE; a snapshot (`true`, `1` while a thread waits)",
    ) {
        val condition = lock.newCondition()
        val foreign = RWLock.builder().policy(variant.policy).build().newCondition()
        untouched {
            throws<NullPointerException>("condition") { lock.hasWaiters(null) }
            throws<NullPointerException>("condition") { lock.getWaitQueueLength(null) }
            throws<IllegalArgumentException> { lock.hasWaiters(foreign) }
            throws<IllegalArgumentException> { lock.getWaitQueueLength(foreign) }
            lock.hasWaiters(condition) shouldBe false
            lock.getWaitQueueLength(condition) shouldBe 0
        }
        val waiter = background { lock.write().lock(); try { condition.await() } finally { lock.write().unlock() } }
        awaitTrue("a condition waiter") { lock.getWaitQueueLength(condition) == 1 }
        untouched { lock.hasWaiters(condition) shouldBe true }
        other { lock.read().lock(); try { condition.signalAll() } finally { lock.read().unlock() } }
        waiter.join()
        lock.hasWaiters(condition) shouldBe false
    }
    row(
        "RWLock",
        "`getReadHolders()`, `getOwner()`, `getQueuedThreads()`, `name()`",
        "from a thread that holds nothing, while another thread writes and a third waits; then while a thread reads",
        "a true snapshot in a new collection, no exception, nothing changed",
    ) {
        val writer = otherWriter()
        val waiter = background { lock.read().lock(); lock.read().unlock() }
        awaitQueued(1)
        untouched {
            lock.getOwner() shouldBe writer.thread
            lock.getQueuedThreads().toList() shouldBe listOf(waiter.thread)
            lock.getReadHolders() shouldBe emptyMap()
            (lock.getQueuedThreads() !== lock.getQueuedThreads()) shouldBe true
            lock.name() shouldContain variant.policy.name
        }
        writer.release()
        waiter.join()
        val reader = otherReader()
        untouched {
            lock.getReadHolders() shouldBe mapOf(reader.thread to 1)
            lock.getOwner() shouldBe null
            lock.getQueuedThreads().isEmpty() shouldBe true
        }
        reader.release()
        lock.getReadHolders() shouldBe emptyMap()
    }
    row(
        "RWLock, ReadWriteMutex",
        "`getOwner()`, `getQueuedThreads()`, `getReadHolders()`; `snapshot()`",
        "a coroutine holds the write lock, a thread and a coroutine wait",
        "`getOwner()` `null` while `isWriteLocked()`; only threads listed; the snapshot counts both faces",
    ) {
        coroutine {
            mutex.write {
                val threadWaiter = background { lock.write().lock(); lock.write().unlock() }
                awaitQueued(1)
                val entered = CompletableDeferred<Unit>()
                val coroutineWaiter = launch(Dispatchers.Unconfined, start = CoroutineStart.UNDISPATCHED) {
                    mutex.lockRead()
                    entered.complete(Unit)
                    mutex.unlockRead()
                }
                awaitQueued(2)
                untouched {
                    lock.isWriteLocked shouldBe true
                    lock.getOwner() shouldBe null
                    lock.getQueuedThreads().toList() shouldBe listOf(threadWaiter.thread)
                    lock.getReadHolders() shouldBe emptyMap()
                    val snapshot = mutex.snapshot()
                    snapshot.isWriteLocked shouldBe true
                    snapshot.coroutineWriteHolds shouldBe 1
                    snapshot.writeOwnerThread shouldBe null
                    snapshot.queuedCoroutines shouldBe 1
                    snapshot.queuedThreads shouldBe 1
                    snapshot.name shouldBe lock.name()
                }
                Pair(threadWaiter, coroutineWaiter)
            }.let { (threadWaiter, coroutineWaiter) ->
                threadWaiter.join()
                coroutineWaiter.join()
            }
        }
    }
    row("ReadWriteMutex", "`snapshot()`, `name`", "a `ReadWriteMutex` this library did not make", "`snapshot()`: `UnsupportedOperationException`; `name` is its `toString()`") {
        val foreign = object : ReadWriteMutex by mutex {
            override fun toString(): String = "foreign"
        }
        untouched { throws<UnsupportedOperationException> { foreign.snapshot() } }
        foreign.name shouldBe "foreign"
        mutex.snapshot().isWriteLocked shouldBe false
    }
}
