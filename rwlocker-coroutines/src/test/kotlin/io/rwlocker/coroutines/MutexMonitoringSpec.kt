package io.rwlocker.coroutines

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.string.shouldMatch
import io.rwlocker.Policy
import io.rwlocker.RWLock
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit.SECONDS
import kotlin.concurrent.thread
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import kotlinx.coroutines.launch
import kotlinx.coroutines.test.runCurrent
import kotlinx.coroutines.test.runTest
import kotlinx.coroutines.withTimeout
import kotlin.time.Duration.Companion.seconds

/**
 * Monitoring the suspending face: the mutex's name (the factory's `name`, the [RWLock]'s name, or
 * policy@identity) in `toString()` and [ReadWriteMutex.name], and [ReadWriteMutex.snapshot]:
 * read and write holds and queued requests of coroutines beside those of threads of the same lock.
 */
class MutexMonitoringSpec : FunSpec({
    timeout = 60_000

    test("the name: given to the factory, taken from the RWLock, or the policy and an identity hash") {
        ReadWriteMutex(name = "sessions").name shouldBe "sessions"
        val fair = ReadWriteMutex(Policy.FAIR, true, "fair-one")
        fair.name shouldBe "fair-one"
        fair.policy shouldBe Policy.FAIR
        fair.toString() shouldContain "fair-one: FAIR, reentrant writer"
        fair.newCondition().toString() shouldContain "fair-one"
        ReadWriteMutex().name shouldMatch Regex("WRITER_PREFERRING@[0-9a-f]+")
        ReadWriteMutex(Policy.EXCLUSIVE).name shouldMatch Regex("EXCLUSIVE@[0-9a-f]+")
        val lock = RWLock.builder().name("shared").build()
        lock.asReadWriteMutex().name shouldBe "shared"
        lock.asReadWriteMutex().snapshot().name shouldBe "shared"
        shouldThrow<IllegalArgumentException> { ReadWriteMutex(name = "") }
    }

    test("a snapshot counts the holds and the queued requests of coroutines and of threads apart") {
        val lock = RWLock.builder().name("mixed").build()
        val mutex = lock.asReadWriteMutex()
        val threadHolds = CountDownLatch(1)
        val threadRelease = CountDownLatch(1)
        val reader = thread(name = "thread-reader") {
            lock.read().lock(); lock.read().lock()
            threadHolds.countDown()
            threadRelease.await(10, SECONDS)
            lock.read().unlock(); lock.read().unlock()
        }
        threadHolds.await(10, SECONDS) shouldBe true
        runTest {
            val inside = CompletableDeferred<Unit>()
            val leave = CompletableDeferred<Unit>()
            val nested = launch { mutex.read { mutex.read { inside.complete(Unit); leave.await() } } }
            mutex.lockRead() // a raw hold of this test coroutine
            runCurrent()
            inside.isCompleted shouldBe true
            val writerIn = CompletableDeferred<Unit>()
            val writerLeave = CompletableDeferred<Unit>()
            val writer = launch { mutex.write { writerIn.complete(Unit); writerLeave.await() } }
            runCurrent()
            val threadWriter = thread(name = "thread-writer") { lock.write().lock(); lock.write().unlock() }
            withContext(Dispatchers.Default) { lock.awaitQueueLength(2) } // real time: a real thread queues

            val s = mutex.snapshot()
            s.name shouldBe "mixed"
            s.policy shouldBe Policy.WRITER_PREFERRING
            s.coroutineReadHolds shouldBe 3
            s.threadReadHolds shouldBe 2
            s.coroutineWriteHolds shouldBe 0
            s.writeOwnerThread shouldBe null
            s.isWriteLocked shouldBe false
            s.queuedCoroutines shouldBe 1
            s.queuedThreads shouldBe 1
            s.toString() shouldBe "mixed: WRITER_PREFERRING, coroutine reads = 3, thread reads = 2, write = none, " +
                "queued: 1 coroutines, 1 threads"
            lock.getReadLockCount() shouldBe 5
            lock.getReadHolders() shouldBe mapOf(reader to 2) // threads only

            // Readers leave: the coroutine writer (queued first) gets the lock.
            mutex.unlockRead()
            leave.complete(Unit)
            runCurrent()
            threadRelease.countDown()
            reader.join(10_000)
            withContext(Dispatchers.Default) { withTimeout(10.seconds) { writerIn.await() } }
            val w = mutex.snapshot()
            w.coroutineWriteHolds shouldBe 1
            w.writeOwnerThread shouldBe null
            w.isWriteLocked shouldBe true
            w.coroutineReadHolds shouldBe 0
            w.threadReadHolds shouldBe 0
            w.queuedCoroutines shouldBe 0
            w.queuedThreads shouldBe 1
            lock.owner shouldBe null // a coroutine writes: no owning thread
            writerLeave.complete(Unit)
            runCurrent()
            nested.join()
            writer.join()
            threadWriter.join(10_000)
            threadWriter.isAlive shouldBe false
        }
        val free = mutex.snapshot()
        free.toString() shouldBe "mixed: WRITER_PREFERRING, coroutine reads = 0, thread reads = 0, write = none, " +
            "queued: 0 coroutines, 0 threads"
    }

    test("a thread writing shows as the write owner thread; condition waiters are not queued") {
        val lock = RWLock.builder().policy(Policy.FAIR).name("cond").build()
        val mutex = lock.asReadWriteMutex()
        val condition = mutex.newCondition()
        runTest {
            val waiting = launch { mutex.read { condition.await() } }
            runCurrent()
            val s = mutex.snapshot()
            s.queuedCoroutines shouldBe 0
            s.coroutineReadHolds shouldBe 0 // released while waiting
            val held = CountDownLatch(1)
            val release = CountDownLatch(1)
            val t = thread(name = "thread-owner") {
                lock.write().lock()
                held.countDown()
                release.await(10, SECONDS)
                condition.signalAll()
                lock.write().unlock()
            }
            held.await(10, SECONDS) shouldBe true
            mutex.snapshot().writeOwnerThread shouldBe t
            mutex.snapshot().isWriteLocked shouldBe true
            release.countDown()
            t.join(10_000)
            waiting.join()
        }
        mutex.snapshot().isWriteLocked shouldBe false
    }

    test("snapshot of a mutex not made by the library: UnsupportedOperationException; its name is its toString") {
        val foreign = object : ReadWriteMutex by ReadWriteMutex() {
            override fun toString() = "foreign"
        }
        shouldThrow<UnsupportedOperationException> { foreign.snapshot() }
        foreign.name shouldBe "foreign"
    }
})
