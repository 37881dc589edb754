package io.rwlocker.coroutines

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.types.shouldBeInstanceOf
import io.kotest.matchers.types.shouldBeSameInstanceAs
import io.rwlocker.Policy
import java.util.concurrent.CompletableFuture
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger
import kotlin.concurrent.thread
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.TimeoutCancellationException
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.async
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock
import kotlinx.coroutines.test.runCurrent
import kotlinx.coroutines.test.runTest
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeout
import kotlin.time.Duration.Companion.seconds

/**
 * `readMutex` / `writeMutex`: kotlinx `Mutex` views of a [ReadWriteMutex]. `withLock` on both,
 * owner semantics, `isLocked` / `tryLock` / `holdsLock`, cancellation while waiting, scopes, and
 * the state of the lock after every error.
 */
class MutexViewsSpec : FunSpec({
    timeout = 60_000

    /** Code written against kotlinx's Mutex. */
    suspend fun incrementUnder(guard: Mutex, counter: IntArray) = guard.withLock { counter[0]++ }

    /** Whether a thread could take the read (or write) side of the fixture's lock right now. */
    fun Fixture.threadCanTake(write: Boolean): Boolean {
        val answer = CompletableFuture<Boolean>()
        thread {
            val side = if (write) lock.write() else lock.read()
            val got = side.tryLock()
            if (got) side.unlock()
            answer.complete(got)
        }
        return answer.get(10, TimeUnit.SECONDS)
    }

    test("the views are Mutexes, the same object on every call") {
        val mutex = ReadWriteMutex()
        mutex.readMutex.shouldBeInstanceOf<Mutex>()
        mutex.readMutex shouldBeSameInstanceAs mutex.readMutex
        mutex.writeMutex shouldBeSameInstanceAs mutex.writeMutex
        (mutex.readMutex === mutex.writeMutex) shouldBe false
    }

    test("readMutex.withLock is shared: two coroutines inside at once") {
        val f = Fixture(Policy.WRITER_PREFERRING)
        val bothInside = CompletableDeferred<Unit>()
        val inside = AtomicInteger()
        withTimeout(10.seconds) {
            withContext(Dispatchers.Default) {
                List(2) {
                    async {
                        f.mutex.readMutex.withLock {
                            if (inside.incrementAndGet() == 2) bothInside.complete(Unit)
                            bothInside.await() // an exclusive lock would never let the second one in
                        }
                    }
                }.awaitAll()
            }
        }
        f.shouldBeFree()
    }

    test("writeMutex.withLock is exclusive: code taking a Mutex counts exactly") {
        for (policy in ALL_POLICIES) {
            val f = Fixture(policy)
            val counter = IntArray(1)
            withTimeout(30.seconds) {
                withContext(Dispatchers.Default) {
                    repeat(4) { launch { repeat(2_000) { incrementUnder(f.mutex.writeMutex, counter) } } }
                    // threads on the same lock, at the same time
                    val threads = List(2) {
                        thread { repeat(2_000) { f.lock.write().lock(); try { counter[0]++ } finally { f.lock.write().unlock() } } }
                    }
                    launch(Dispatchers.IO) { threads.forEach { it.join() } }
                }
            }
            counter[0] shouldBe 12_000
            f.shouldBeFree()
        }
    }

    test("writeMutex excludes readers of every face, readMutex excludes writers") {
        val f = Fixture(Policy.WRITER_PREFERRING)
        f.mutex.writeMutex.withLock {
            f.mutex.writeMutex.isLocked shouldBe true
            f.mutex.readMutex.tryLock() shouldBe false
            f.mutex.tryLockRead() shouldBe false
            f.threadCanTake(write = false) shouldBe false
            f.lock.isWriteLocked shouldBe true
        }
        f.shouldBeFree()
        f.mutex.readMutex.withLock {
            f.mutex.readMutex.isLocked shouldBe true
            f.mutex.writeMutex.isLocked shouldBe false
            f.mutex.writeMutex.tryLock() shouldBe false
            f.threadCanTake(write = true) shouldBe false
            f.threadCanTake(write = false) shouldBe true
        }
        f.shouldBeFree()
    }

    test("isLocked sees holds of other faces: a thread's read, a scope's write") {
        val f = Fixture(Policy.FAIR)
        f.mutex.readMutex.isLocked shouldBe false
        f.mutex.writeMutex.isLocked shouldBe false
        f.lock.read().lock()
        try {
            f.mutex.readMutex.isLocked shouldBe true
            f.mutex.writeMutex.isLocked shouldBe false
        } finally {
            f.lock.read().unlock()
        }
        f.mutex.write {
            f.mutex.writeMutex.isLocked shouldBe true
            f.mutex.readMutex.isLocked shouldBe false
            f.mutex.writeMutex.holdsLock(this) shouldBe false // held by the scope, not through the view
        }
        f.shouldBeFree()
    }

    test("writeMutex owners: lock(owner) twice throws, unlock must name the owner, state untouched") {
        val f = Fixture(Policy.WRITER_PREFERRING)
        val w = f.mutex.writeMutex
        val owner = Any()
        val other = Any()
        w.lock(owner)
        w.holdsLock(owner) shouldBe true
        w.holdsLock(other) shouldBe false
        shouldThrow<IllegalStateException> { w.lock(owner) }.message shouldContain "already locked"
        shouldThrow<IllegalStateException> { w.tryLock(owner) }
        w.tryLock(other) shouldBe false
        shouldThrow<IllegalStateException> { w.unlock(other) }
        shouldThrow<IllegalStateException> { w.unlock() }
        shouldThrow<IllegalStateException> { f.mutex.unlockWrite() } // raw calls do not own it
        f.shouldHave(writeLocked = true, readHolds = 0, queued = 0)
        w.holdsLock(owner) shouldBe true
        w.unlock(owner)
        w.holdsLock(owner) shouldBe false
        f.shouldBeFree()
        shouldThrow<IllegalStateException> { w.unlock(owner) }
        shouldThrow<IllegalStateException> { w.unlock() }
        f.shouldBeFree()

        w.lock()
        shouldThrow<IllegalStateException> { w.unlock(owner) }.message shouldContain "without an owner"
        f.shouldHave(writeLocked = true, readHolds = 0, queued = 0)
        w.unlock()
        f.shouldBeFree()
        w.tryLock(owner) shouldBe true
        w.unlock(owner)
        f.shouldBeFree()
    }

    test("readMutex owners: one hold per owner, counted holds without, state untouched on misuse") {
        val f = Fixture(Policy.WRITER_PREFERRING)
        val r = f.mutex.readMutex
        val first = Any()
        val second = Any()
        r.lock(first)
        shouldThrow<IllegalStateException> { r.lock(first) }
        shouldThrow<IllegalStateException> { r.tryLock(first) }
        f.mutex.readHolds shouldBe 1
        r.tryLock(second) shouldBe true
        r.lock()
        r.lock()
        f.mutex.readHolds shouldBe 4
        r.holdsLock(first) shouldBe true
        r.holdsLock(second) shouldBe true
        r.holdsLock(Any()) shouldBe false
        r.unlock(first)
        r.holdsLock(first) shouldBe false
        shouldThrow<IllegalStateException> { r.unlock(first) }
        shouldThrow<IllegalStateException> { f.mutex.unlockRead() } // raw calls have their own holds
        f.mutex.readHolds shouldBe 3
        r.unlock()
        r.unlock()
        shouldThrow<IllegalStateException> { r.unlock() }
        f.mutex.readHolds shouldBe 1
        r.unlock(second)
        f.shouldBeFree()
    }

    test("tryLock never waits: false while the other side is held, true when free") {
        val f = Fixture(Policy.READER_PREFERRING)
        f.lock.write().lock()
        try {
            f.mutex.readMutex.tryLock() shouldBe false
            f.mutex.writeMutex.tryLock() shouldBe false
        } finally {
            f.lock.write().unlock()
        }
        f.mutex.writeMutex.tryLock() shouldBe true
        f.mutex.writeMutex.unlock()
        f.mutex.readMutex.tryLock() shouldBe true
        f.mutex.readMutex.unlock()
        f.shouldBeFree()
    }

    for (policy in ALL_POLICIES) {
        test("$policy: cancelled while waiting on writeMutex or readMutex: nothing held, nothing queued") {
            runTest {
                val f = Fixture(policy)
                f.mutex.lockRead()
                val writer = launch { f.mutex.writeMutex.lock() }
                runCurrent()
                f.shouldHave(writeLocked = false, readHolds = 1, queued = 1)
                writer.cancel()
                runCurrent()
                writer.isCancelled shouldBe true
                f.shouldHave(writeLocked = false, readHolds = 1, queued = 0)
                f.mutex.unlockRead()
                f.shouldBeFree()
                f.mutex.writeMutex.isLocked shouldBe false

                f.mutex.lockWrite()
                val reader = launch { f.mutex.readMutex.lock() }
                runCurrent()
                f.shouldHave(writeLocked = true, readHolds = 0, queued = 1)
                reader.cancel()
                runCurrent()
                f.shouldHave(writeLocked = true, readHolds = 0, queued = 0)
                f.mutex.unlockWrite()
                f.shouldBeFree()
                shouldThrow<IllegalStateException> { f.mutex.readMutex.unlock() } // the cancelled lock() booked nothing
                f.shouldBeFree()
            }
        }

        test("$policy: granted and cancelled at the same instant: the grant is passed on, not kept") {
            runTest {
                val f = Fixture(policy)
                f.mutex.lockRead()
                val owner = Any()
                var failure: Throwable? = null
                val writer = launch {
                    try {
                        f.mutex.writeMutex.lock(owner)
                    } catch (e: Throwable) {
                        failure = e
                    }
                }
                runCurrent()
                f.shouldHave(writeLocked = false, readHolds = 1, queued = 1)
                f.mutex.unlockRead() // grants the write lock to the queued view request...
                writer.cancel()      // ...which is cancelled before it could run
                runCurrent()
                failure.shouldBeInstanceOf<CancellationException>()
                f.mutex.writeMutex.holdsLock(owner) shouldBe false
                f.shouldBeFree()
            }
        }
    }

    test("withTimeout { writeMutex.withLock { } } leaves no trace") {
        val f = Fixture(Policy.WRITER_PREFERRING)
        f.lock.read().lock()
        try {
            shouldThrow<TimeoutCancellationException> {
                withTimeout(50) { f.mutex.writeMutex.withLock { error("must not run") } }
            }
            f.shouldHave(writeLocked = false, readHolds = 1, queued = 0)
        } finally {
            f.lock.read().unlock()
        }
        f.shouldBeFree()
    }

    test("onLock (select) is not supported: UnsupportedOperationException with a clear message") {
        val mutex = ReadWriteMutex()
        @Suppress("DEPRECATION")
        shouldThrow<UnsupportedOperationException> { mutex.writeMutex.onLock }.message shouldContain "select"
        @Suppress("DEPRECATION")
        shouldThrow<UnsupportedOperationException> { mutex.readMutex.onLock }.message shouldContain "select"
    }

    test("inside scopes of the same coroutine: recursion for reads, a clear error instead of a self-deadlock") {
        val f = Fixture(Policy.WRITER_PREFERRING)
        withTimeout(10.seconds) {
            f.mutex.read {
                // a writer queues: a newcomer reader would now wait, but this coroutine already reads
                val writer = launch(Dispatchers.Default) { f.mutex.write { } }
                f.lock.awaitQueueLength(1)
                f.mutex.readMutex.withLock { f.mutex.readHolds shouldBe 2 }
                shouldThrow<IllegalStateException> { f.mutex.writeMutex.lock() }.message shouldContain "upgrading"
                f.shouldHave(writeLocked = false, readHolds = 1, queued = 1)
                writer.isActive shouldBe true
            }
        }
        withTimeout(10.seconds) { while (f.lock.getQueueLength() != 0 || f.lock.isWriteLocked) delay(1) }
        f.shouldBeFree()
        f.mutex.write {
            shouldThrow<IllegalStateException> { f.mutex.writeMutex.lock() }
            shouldThrow<IllegalStateException> { f.mutex.readMutex.lock() }.message shouldContain "reentrant"
            f.shouldHave(writeLocked = true, readHolds = 0, queued = 0)
        }
        f.shouldBeFree()
        val reentrant = Fixture(Policy.WRITER_PREFERRING, reentrant = true)
        reentrant.mutex.write {
            reentrant.mutex.readMutex.withLock { reentrant.mutex.readHolds shouldBe 1 }
        }
        reentrant.shouldBeFree()
    }

    test("coroutineScope blocks are the same coroutine: the checks see through them") {
        val f = Fixture(Policy.FAIR)
        f.mutex.write {
            coroutineScope {
                shouldThrow<IllegalStateException> { f.mutex.writeMutex.lock() }
            }
        }
        f.shouldBeFree()
    }

    test("only mutexes of this library have views") {
        val f = Fixture(Policy.WRITER_PREFERRING)
        val foreign = object : ReadWriteMutex by f.mutex {}
        shouldThrow<UnsupportedOperationException> { foreign.readMutex }
        shouldThrow<UnsupportedOperationException> { foreign.writeMutex }
    }
})
