package io.rwlocker.coroutines

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.shouldNotBe
import io.kotest.matchers.types.shouldBeSameInstanceAs
import io.rwlocker.Policy
import io.rwlocker.Policy.EXCLUSIVE
import io.rwlocker.RWLock
import java.util.concurrent.CountDownLatch
import java.util.concurrent.CyclicBarrier
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit.SECONDS
import java.util.concurrent.atomic.AtomicInteger
import java.util.concurrent.atomic.AtomicReference
import kotlin.concurrent.thread
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.DelicateCoroutinesApi
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.asCoroutineDispatcher
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.launch
import kotlinx.coroutines.newFixedThreadPoolContext
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.yield
import kotlin.time.Duration.Companion.seconds

/**
 * One lock shared by blocking threads and coroutines ([RWLock.asReadWriteMutex]): the same
 * object each call, exclusion in both directions for every policy, shared reading, and a
 * suspended coroutine that does not block its thread.
 */
class MixedThreadSpec : FunSpec({
    timeout = 60_000

    test("asReadWriteMutex() returns the same object on every call, also when called concurrently") {
        val lock = RWLock.fair()
        lock.asReadWriteMutex() shouldBeSameInstanceAs lock.asReadWriteMutex()

        val fresh = RWLock.writerPreferring()
        val barrier = CyclicBarrier(8)
        val seen = Array<AtomicReference<ReadWriteMutex?>>(8) { AtomicReference(null) }
        val threads = (0 until 8).map { i ->
            thread { barrier.await(10, SECONDS); seen[i].set(fresh.asReadWriteMutex()) }
        }
        threads.forEach { it.join(10_000) }
        val first = seen[0].get()
        first shouldNotBe null
        seen.forEach { it.get() shouldBeSameInstanceAs first }
        first!!.policy shouldBe Policy.WRITER_PREFERRING
    }

    for (policy in ALL_POLICIES) {
        context("$policy") {
            test("a thread holding write() keeps coroutines out until it unlocks") {
                val f = Fixture(policy)
                val locked = CountDownLatch(1)
                val release = CountDownLatch(1)
                val holder = thread(name = "write-holder") {
                    f.lock.write().lock()
                    try {
                        locked.countDown()
                        release.await(10, SECONDS)
                    } finally {
                        f.lock.write().unlock()
                    }
                }
                try {
                    locked.await(10, SECONDS) shouldBe true
                    val entered = AtomicInteger()
                    withTimeout(10.seconds) {
                        coroutineScope {
                            val w = launch(Dispatchers.Default) { f.mutex.write { entered.incrementAndGet() } }
                            val r = launch(Dispatchers.Default) { f.mutex.read { entered.incrementAndGet() } }
                            f.lock.awaitQueueLength(2)
                            entered.get() shouldBe 0
                            f.mutex.isWriteLocked shouldBe true
                            f.mutex.tryLockRead() shouldBe false
                            f.mutex.tryLockWrite() shouldBe false
                            release.countDown()
                            w.join(); r.join()
                        }
                    }
                    entered.get() shouldBe 2
                } finally {
                    release.countDown()
                    holder.join(10_000)
                }
                holder.isAlive shouldBe false
                f.shouldBeFree()
            }

            test("a coroutine holding the write lock keeps threads out until its scope ends") {
                val f = Fixture(policy)
                val triedRead = AtomicReference<Boolean>()
                val triedWrite = AtomicReference<Boolean>()
                val acquired = CountDownLatch(2)
                val threads = mutableListOf<Thread>()
                withTimeout(10.seconds) {
                    withContext(Dispatchers.Default) {
                        f.mutex.write {
                            threads += thread(name = "reader") {
                                triedRead.set(f.lock.read().tryLock())
                                f.lock.read().lock()
                                try { acquired.countDown() } finally { f.lock.read().unlock() }
                            }
                            threads += thread(name = "writer") {
                                triedWrite.set(f.lock.write().tryLock())
                                f.lock.write().lock()
                                try { acquired.countDown() } finally { f.lock.write().unlock() }
                            }
                            f.lock.awaitQueueLength(2)
                            triedRead.get() shouldBe false
                            triedWrite.get() shouldBe false
                            acquired.count shouldBe 2
                            f.lock.isWriteLocked shouldBe true
                            f.lock.isWriteLockedByCurrentThread shouldBe false // a coroutine, not a thread, owns it
                        }
                    }
                }
                acquired.await(10, SECONDS) shouldBe true
                threads.forEach { it.join(10_000); it.isAlive shouldBe false }
                f.shouldBeFree()
            }

            test("a raw write held by a coroutine keeps threads out too") {
                val f = Fixture(policy)
                f.mutex.lockWrite()
                val acquired = CountDownLatch(1)
                val t = thread { f.lock.read().lock(); try { acquired.countDown() } finally { f.lock.read().unlock() } }
                try {
                    f.lock.awaitQueueLength(1)
                    acquired.count shouldBe 1
                } finally {
                    f.mutex.unlockWrite()
                }
                acquired.await(10, SECONDS) shouldBe true
                t.join(10_000)
                f.shouldBeFree()
            }

            test("a reader coroutine and a reader thread share the lock (unless EXCLUSIVE)") {
                val f = Fixture(policy)
                val threadResult = AtomicReference<Boolean>()
                val countsSeen = AtomicReference<Pair<Int, Int>>()
                withTimeout(10.seconds) {
                    withContext(Dispatchers.Default) {
                        f.mutex.read {
                            val t = thread {
                                val ok = f.lock.read().tryLock()
                                threadResult.set(ok)
                                if (ok) {
                                    try { countsSeen.set(f.lock.getReadLockCount() to f.mutex.readHolds) } finally { f.lock.read().unlock() }
                                }
                            }
                            t.join(10_000)
                        }
                    }
                }
                if (policy == EXCLUSIVE) {
                    threadResult.get() shouldBe false
                } else {
                    threadResult.get() shouldBe true
                    countsSeen.get() shouldBe (2 to 2)
                }
                f.shouldBeFree()
            }

            test("a thread reading lets a reader coroutine in beside it (unless EXCLUSIVE)") {
                val f = Fixture(policy)
                val locked = CountDownLatch(1)
                val release = CountDownLatch(1)
                val t = thread {
                    f.lock.read().lock()
                    try { locked.countDown(); release.await(10, SECONDS) } finally { f.lock.read().unlock() }
                }
                try {
                    locked.await(10, SECONDS) shouldBe true
                    if (policy == EXCLUSIVE) {
                        f.mutex.tryLockRead() shouldBe false
                    } else {
                        withTimeout(10.seconds) { f.mutex.read { f.mutex.readHolds } } shouldBe 2
                    }
                    f.mutex.tryLockWrite() shouldBe false
                } finally {
                    release.countDown()
                    t.join(10_000)
                }
                f.shouldBeFree()
            }
        }
    }

    test("a suspended waiter does not block its thread: another coroutine on the same single thread runs") {
        val f = Fixture(Policy.WRITER_PREFERRING)
        val executor = Executors.newSingleThreadExecutor { r -> Thread(r, "the-only-thread") }
        val single = executor.asCoroutineDispatcher()
        val locked = CountDownLatch(1)
        val release = CountDownLatch(1)
        val holder = thread {
            f.lock.write().lock()
            try { locked.countDown(); release.await(10, SECONDS) } finally { f.lock.write().unlock() }
        }
        try {
            locked.await(10, SECONDS) shouldBe true
            withTimeout(10.seconds) {
                coroutineScope {
                    val waiterThread = CompletableDeferred<Thread>()
                    val waiter = launch(single) {
                        waiterThread.complete(Thread.currentThread())
                        f.mutex.read { }
                    }
                    f.lock.awaitQueueLength(1)
                    // The waiter is suspended; the one thread is free for other coroutines.
                    val progress = AtomicInteger()
                    val otherThread = AtomicReference<Thread>()
                    val other = launch(single) {
                        otherThread.set(Thread.currentThread())
                        repeat(100) { progress.incrementAndGet(); yield() }
                    }
                    other.join()
                    progress.get() shouldBe 100
                    otherThread.get() shouldBeSameInstanceAs waiterThread.await() // the same, only thread
                    waiter.isActive shouldBe true
                    f.lock.getQueueLength() shouldBe 1
                    release.countDown()
                    waiter.join()
                }
            }
        } finally {
            release.countDown()
            holder.join(10_000)
            single.close()
        }
        f.shouldBeFree()
    }

    @OptIn(DelicateCoroutinesApi::class)
    test("threads and coroutines on a fixed pool increment one counter under the lock: no update lost (every policy)") {
        for (policy in ALL_POLICIES) {
            val f = Fixture(policy)
            var counter = 0
            val overlaps = AtomicInteger()
            val writersInside = AtomicInteger()
            val pool = newFixedThreadPoolContext(3, "mixed-pool")
            val threadsDone = CountDownLatch(2)
            try {
                val threads = (1..2).map {
                    thread {
                        try {
                            repeat(300) { i ->
                                if (i % 3 == 0) {
                                    f.lock.read().lock()
                                    try { if (writersInside.get() != 0) overlaps.incrementAndGet() } finally { f.lock.read().unlock() }
                                } else {
                                    f.lock.write().lock()
                                    try {
                                        if (writersInside.incrementAndGet() != 1) overlaps.incrementAndGet()
                                        counter++
                                        writersInside.decrementAndGet()
                                    } finally {
                                        f.lock.write().unlock()
                                    }
                                }
                            }
                        } finally {
                            threadsDone.countDown()
                        }
                    }
                }
                withTimeout(30.seconds) {
                    withContext(pool) {
                        coroutineScope {
                            repeat(4) {
                                launch {
                                    repeat(300) { i ->
                                        if (i % 3 == 0) {
                                            f.mutex.read {
                                                if (writersInside.get() != 0) overlaps.incrementAndGet()
                                                yield()
                                            }
                                        } else {
                                            f.mutex.write {
                                                if (writersInside.incrementAndGet() != 1) overlaps.incrementAndGet()
                                                val before = counter
                                                yield()
                                                counter = before + 1
                                                writersInside.decrementAndGet()
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                threadsDone.await(30, SECONDS) shouldBe true
                threads.forEach { it.join(10_000) }
            } finally {
                pool.close()
            }
            overlaps.get() shouldBe 0
            counter shouldBe 6 * 200
            f.shouldBeFree()
        }
    }
})
