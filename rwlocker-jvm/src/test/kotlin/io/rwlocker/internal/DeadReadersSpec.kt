package io.rwlocker.internal

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.ints.shouldBeLessThanOrEqual
import io.kotest.matchers.longs.shouldBeLessThan
import io.kotest.matchers.shouldBe
import io.rwlocker.Policy
import io.rwlocker.RWLock
import java.lang.ref.WeakReference
import java.util.concurrent.CountDownLatch
import java.util.concurrent.ExecutorService
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit

/**
 * Readers that come and go (issue 9 defect 3): thread-per-task servers and virtual threads read a
 * lock from millions of short-lived threads. The lock's reader registry must stay bounded by the
 * live threads (not grow with every thread that ever read), so memory and introspection cost stay
 * flat; the lock must not keep a dead thread reachable; and a lock nobody references any more is
 * collectable even while threads that read it live on. Before the fix every record stayed
 * registered (with a strong reference to its thread) until a write revoked the bias, which
 * EXCLUSIVE never does and a lock whose bias is off never does again.
 *
 * Sizes: 100,000 platform threads for WRITER_PREFERRING and 20,000 for the other policies, and
 * (JDK 21+) 1,000,000 virtual threads by default; `-Drwlocker.deadReaders.platform` (the large
 * count) and `-Drwlocker.deadReaders.virtual` change them.
 */
class DeadReadersSpec : FunSpec({
    timeout = 600_000
    val platformThreads = System.getProperty("rwlocker.deadReaders.platform", "100000").toInt()
    val virtualThreads = System.getProperty("rwlocker.deadReaders.virtual", "1000000").toInt()
    val hasVirtualThreads = Runtime.version().feature() >= 21

    fun engineOf(lock: RWLock): LockEngine =
        lock.javaClass.declaredFields.single { it.type == LockEngine::class.java }
            .apply { isAccessible = true }.get(lock) as LockEngine

    fun readersOf(lock: RWLock): VisibleReaders =
        LockEngine::class.java.getDeclaredField("visibleReaders")
            .apply { isAccessible = true }.get(engineOf(lock)) as VisibleReaders

    fun usedHeapAfterGc(): Long {
        val rt = Runtime.getRuntime()
        repeat(3) { System.gc() }
        return rt.totalMemory() - rt.freeMemory()
    }

    /** Runs [count] read-once tasks on [newThreads] (a thread-per-task executor), then shuts it down. */
    fun readOnceOnNewThreads(lock: RWLock, count: Int, newThreads: ExecutorService) {
        val done = CountDownLatch(count)
        try {
            repeat(count) {
                newThreads.execute {
                    lock.read().lock()
                    lock.read().unlock()
                    done.countDown()
                }
            }
            done.await(300, TimeUnit.SECONDS) shouldBe true
        } finally {
            newThreads.shutdown()
            newThreads.awaitTermination(60, TimeUnit.SECONDS) shouldBe true
        }
    }

    for (policy in Policy.entries) {
        val count = if (policy == Policy.WRITER_PREFERRING) platformThreads else minOf(platformThreads, 20_000)
        test("$policy: $count platform threads read once and end: registry and heap stay flat") {
            val lock = RWLock.builder().policy(policy).build()
            val readers = readersOf(lock)
            val before = usedHeapAfterGc()
            // A fresh thread per task, four alive at a time (a thread-per-task server).
            val batch = 4
            var started = 0
            while (started < count) {
                val n = minOf(batch, count - started)
                val threads = (0 until n).map {
                    Thread {
                        lock.read().lock()
                        lock.read().unlock()
                    }.apply { start() }
                }
                threads.forEach { it.join(10_000); it.isAlive shouldBe false }
                started += n
            }
            // Bounded by the live readers (a few) plus the prune threshold, not by the count.
            readers.registered() shouldBeLessThanOrEqual 2 * VisibleReaders.PRUNE_MIN + 2 * batch
            val retained = usedHeapAfterGc() - before
            retained shouldBeLessThan 4L * 1024 * 1024 // the old registry kept 350-600 bytes per thread
            lock.getReadLockCount() shouldBe 0
            lock.write().lock()
            lock.write().unlock()
            lock.toString() // introspection walks only the bounded registry
        }
    }

    test("$virtualThreads virtual threads read once and end: registry and heap stay flat")
        .config(enabledIf = { hasVirtualThreads }) {
            val lock = RWLock.writerPreferring()
            val readers = readersOf(lock)
            val before = usedHeapAfterGc()
            // Public API only (JDK 21+, looked up reflectively: this module compiles for 17). The
            // builder's implementation class is not open to reflection, so no setAccessible.
            val executor = Executors::class.java.getMethod("newVirtualThreadPerTaskExecutor")
                .invoke(null) as ExecutorService
            readOnceOnNewThreads(lock, virtualThreads, executor)
            val retained = usedHeapAfterGc() - before
            // Many virtual threads run at once, so the bound is looser than for 4 platform
            // threads, but it does not grow with the count (the old registry: ~113 MB per 200,000).
            retained shouldBeLessThan 32L * 1024 * 1024
            (readers.registered() < virtualThreads / 10) shouldBe true
            lock.getReadLockCount() shouldBe 0
        }

    test("the lock keeps no dead thread reachable") {
        val lock = RWLock.builder().policy(Policy.EXCLUSIVE).build()
        var reader: Thread? = Thread {
            lock.read().lock()
            lock.read().unlock()
        }
        reader!!.start()
        reader.join(10_000)
        val gone = WeakReference(reader)
        reader = null
        var tries = 0
        while (gone.get() != null && tries++ < 50) {
            System.gc()
            Thread.sleep(10)
        }
        gone.get() shouldBe null
        lock.getReadLockCount() shouldBe 0 // the lock is still in use
        lock.read().lock()
        lock.read().unlock()
    }

    test("an unreachable lock is collected while the threads that read it live on") {
        val inside = CountDownLatch(8)
        val finish = CountDownLatch(1)
        val shared = java.util.concurrent.atomic.AtomicReference(RWLock.writerPreferring())
        val collected = WeakReference(shared.get())
        val threads = (0 until 8).map {
            Thread {
                readOnce(shared) // in its own frame: no local slot of this thread keeps the lock
                inside.countDown()
                finish.await(60, TimeUnit.SECONDS)
            }.apply { start() }
        }
        try {
            inside.await(10, TimeUnit.SECONDS) shouldBe true
            shared.set(null)
            var tries = 0
            while (collected.get() != null && tries++ < 50) {
                System.gc()
                Thread.sleep(10)
            }
            collected.get() shouldBe null
        } finally {
            finish.countDown()
            threads.forEach { it.join(10_000) }
        }
    }
})

/** Takes and releases one read of the lock in [holder] (kept out of the caller's frame). */
private fun readOnce(holder: java.util.concurrent.atomic.AtomicReference<RWLock?>) {
    val lock = holder.get()!!
    lock.read().lock()
    lock.read().unlock()
}
