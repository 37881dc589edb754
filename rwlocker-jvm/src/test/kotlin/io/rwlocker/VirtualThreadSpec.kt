package io.rwlocker

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import java.lang.reflect.Method
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger
import java.util.concurrent.atomic.AtomicReference
import java.util.concurrent.locks.LockSupport

/** Whether this JVM has virtual threads (JDK 21+); the module itself compiles for Java 17. */
private val hasVirtualThreads: Boolean = Runtime.version().feature() >= 21

/** `Thread.startVirtualThread(Runnable)` and `Thread.isVirtual()`, found reflectively on JDK 21+. */
private object VirtualThreads {
    private val start: Method by lazy { Thread::class.java.getMethod("startVirtualThread", Runnable::class.java) }
    private val isVirtual: Method by lazy { Thread::class.java.getMethod("isVirtual") }

    /** Starts [task] on a new virtual thread. */
    fun start(task: Runnable): Thread = start.invoke(null, task) as Thread

    /** Whether [thread] is virtual. */
    fun isVirtual(thread: Thread): Boolean = isVirtual.invoke(thread) as Boolean
}

/**
 * Virtual threads (JDK 21+; visibly skipped on older JDKs): thousands of readers hold the lock at
 * once (no hold limit, no pinning: the lock parks with LockSupport), and a thousand readers
 * blocked behind a writer are admitted when it leaves; a waiting virtual thread is seen by the
 * introspection (queued threads, blocker, read holders) like a platform thread.
 */
class VirtualThreadSpec : FunSpec({
    timeout = 60_000L
    blockingTest = true

    test("the reflective helper starts real virtual threads").config(enabledIf = { hasVirtualThreads }) {
        val done = CountDownLatch(1)
        val seen = AtomicReference<Boolean>()
        val thread = VirtualThreads.start {
            seen.set(VirtualThreads.isVirtual(Thread.currentThread()))
            done.countDown()
        }
        done.awaitOpen()
        seen.get() shouldBe true
        VirtualThreads.isVirtual(thread) shouldBe true
    }

    for (v in allVariants.filter { !it.reentrant }) {
        test("a waiting virtual thread shows in getQueuedThreads and parks on the lock; a reading one in getReadHolders [$v]")
            .config(enabledIf = { hasVirtualThreads }) {
                val lock = v.newLock()
                val failure = AtomicReference<Throwable>()
                withActors(1, "writer") { (holder) ->
                    holder.call { lock.write().lock() }
                    val readHolders = AtomicReference<Map<Thread, Int>>()
                    val done = CountDownLatch(1)
                    val waiter = VirtualThreads.start {
                        try {
                            lock.read().lock()
                            lock.read().lock()
                            try {
                                readHolders.set(lock.getReadHolders())
                            } finally {
                                lock.read().unlock()
                                lock.read().unlock()
                            }
                        } catch (t: Throwable) {
                            failure.set(t)
                        } finally {
                            done.countDown()
                        }
                    }
                    awaitQueued(lock, 1)
                    lock.getQueuedThreads() shouldBe listOf(waiter)
                    lock.hasQueuedThread(waiter) shouldBe true
                    VirtualThreads.isVirtual(lock.getQueuedThreads().single()) shouldBe true
                    awaitTrue("the virtual thread parks on the lock", lock) { LockSupport.getBlocker(waiter) === lock }
                    holder.call { lock.write().unlock() }
                    done.awaitOpen()
                    failure.get() shouldBe null
                    readHolders.get() shouldBe mapOf(waiter to 2)
                }
                lock.getQueuedThreads() shouldBe emptyList()
                lock.shouldBeFree()
            }
    }

    for (v in sharedReadVariants.filter { !it.reentrant }) {
        test("10,000 virtual threads hold the read lock together, then a writer enters [$v]")
            .config(enabledIf = { hasVirtualThreads }) {
                val n = 10_000
                val lock = v.newLock()
                val inside = CountDownLatch(n)
                val release = CountDownLatch(1)
                val finished = CountDownLatch(n)
                val failure = AtomicReference<Throwable>()
                repeat(n) {
                    VirtualThreads.start {
                        try {
                            lock.read().lock()
                            try {
                                inside.countDown()
                                check(release.await(30, TimeUnit.SECONDS)) { "not released" }
                            } finally {
                                lock.read().unlock()
                            }
                        } catch (t: Throwable) {
                            failure.compareAndSet(null, t)
                        } finally {
                            finished.countDown()
                        }
                    }
                }
                inside.awaitOpen(30)
                lock.readLockCount shouldBe n
                withActors(1, "writer") { (w) ->
                    val log = EventLog()
                    val writer = w.visit(lock.write(), log, "w")
                    awaitQueued(lock, 1)
                    lock.isWriteLocked shouldBe false
                    log.snapshot() shouldBe emptyList()
                    release.countDown()
                    finished.awaitOpen(30)
                    writer.await()
                    log.snapshot() shouldBe listOf("w+", "w-")
                }
                failure.get() shouldBe null
                lock.shouldBeFree()
            }
    }

    for (v in allVariants.filter { !it.reentrant }) {
        test("1,000 virtual threads blocked on read behind a writer are admitted when it leaves [$v]")
            .config(enabledIf = { hasVirtualThreads }) {
                val n = 1_000
                val exclusive = v.policy == Policy.EXCLUSIVE
                val lock = v.newLock()
                val inside = CountDownLatch(n)
                val release = CountDownLatch(1)
                val finished = CountDownLatch(n)
                val concurrent = AtomicInteger()
                val maxConcurrent = AtomicInteger()
                val failure = AtomicReference<Throwable>()
                withActors(1, "writer") { (holder) ->
                    holder.call { lock.write().lock() }
                    repeat(n) {
                        VirtualThreads.start {
                            try {
                                lock.read().lock()
                                try {
                                    maxConcurrent.accumulateAndGet(concurrent.incrementAndGet(), ::maxOf)
                                    inside.countDown()
                                    // shared policies hold until all are in; EXCLUSIVE ones leave at once
                                    if (!exclusive) check(release.await(30, TimeUnit.SECONDS)) { "not released" }
                                    concurrent.decrementAndGet()
                                } finally {
                                    lock.read().unlock()
                                }
                            } catch (t: Throwable) {
                                failure.compareAndSet(null, t)
                            } finally {
                                finished.countDown()
                            }
                        }
                    }
                    awaitQueued(lock, n, 30)
                    lock.readLockCount shouldBe 0
                    holder.call { lock.write().unlock() }
                    inside.awaitOpen(30)
                    if (!exclusive) {
                        // one reader phase: all 1,000 hold at the same moment
                        lock.readLockCount shouldBe n
                        lock.queueLength shouldBe 0
                        release.countDown()
                    }
                    finished.awaitOpen(30)
                }
                failure.get() shouldBe null
                maxConcurrent.get() shouldBe (if (exclusive) 1 else n)
                lock.shouldBeFree()
            }
    }
})
