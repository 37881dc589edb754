package io.rwlocker.kotlin

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.rwlocker.RWLock
import java.util.concurrent.CompletableFuture
import java.util.concurrent.TimeUnit
import java.util.concurrent.locks.ReentrantReadWriteLock
import kotlin.concurrent.read
import kotlin.concurrent.thread
import kotlin.concurrent.write

/** `RWLock.read { }` / `write { }`: holds, release on every exit, nesting, contracts. */
class LockingSpec : FunSpec({
    fun RWLock.shouldBeFree() {
        readLockCount shouldBe 0
        isWriteLocked shouldBe false
        queueLength shouldBe 0
        read().holdCount shouldBe 0
        write().holdCount shouldBe 0
    }

    /** Whether another thread could take [side] of [lock] right now (bounded wait for the answer). */
    fun otherThreadCanTake(lock: RWLock, write: Boolean): Boolean {
        val answer = CompletableFuture<Boolean>()
        thread {
            val side = if (write) lock.write() else lock.read()
            val got = side.tryLock()
            if (got) side.unlock()
            answer.complete(got)
        }
        return answer.get(10, TimeUnit.SECONDS)
    }

    test("read holds a read hold during the action, returns its value and releases") {
        val lock = RWLock.writerPreferring()
        val value = lock.read {
            lock.read().isHeldByCurrentThread shouldBe true
            lock.readLockCount shouldBe 1
            otherThreadCanTake(lock, write = false) shouldBe true
            otherThreadCanTake(lock, write = true) shouldBe false
            42
        }
        value shouldBe 42
        lock.shouldBeFree()
    }

    test("write holds the write lock during the action, returns its value and releases") {
        val lock = RWLock.fair()
        val value = lock.write {
            lock.isWriteLockedByCurrentThread shouldBe true
            otherThreadCanTake(lock, write = false) shouldBe false
            otherThreadCanTake(lock, write = true) shouldBe false
            "written"
        }
        value shouldBe "written"
        lock.shouldBeFree()
    }

    test("an exception from the action releases the hold and propagates") {
        val lock = RWLock.writerPreferring()
        shouldThrow<IllegalArgumentException> { lock.read { throw IllegalArgumentException("read failed") } }
            .message shouldBe "read failed"
        lock.shouldBeFree()
        shouldThrow<IllegalArgumentException> { lock.write { throw IllegalArgumentException("write failed") } }
            .message shouldBe "write failed"
        lock.shouldBeFree()
        otherThreadCanTake(lock, write = true) shouldBe true
    }

    test("a non-local return from the action releases the hold") {
        val lock = RWLock.readerPreferring()
        fun firstEven(values: List<Int>): Int? {
            lock.read {
                for (v in values) if (v % 2 == 0) return v
            }
            return null
        }
        fun writeUntil(limit: Int): Int {
            var n = 0
            lock.write {
                while (true) if (++n == limit) return n
            }
        }
        firstEven(listOf(1, 3, 4, 5)) shouldBe 4
        lock.shouldBeFree()
        writeUntil(3) shouldBe 3
        lock.shouldBeFree()
    }

    test("the contract: a val assigned exactly once inside the action is definitely assigned after it") {
        val lock = RWLock.writerPreferring()
        val read: Int
        lock.read { read = 1 }
        val written: String
        lock.write { written = "w" }
        read shouldBe 1
        written shouldBe "w"
    }

    test("nested read is recursion: it takes a second hold, even while a writer waits") {
        val lock = RWLock.writerPreferring()
        val writerQueued = CompletableFuture<Unit>()
        lateinit var writer: Thread
        lock.read {
            writer = thread { lock.write { } }
            while (!lock.hasQueuedThreads()) Thread.onSpinWait()
            writerQueued.complete(Unit)
            lock.read {
                lock.read().holdCount shouldBe 2
            }
            lock.read().holdCount shouldBe 1
        }
        writer.join(10_000)
        writer.isAlive shouldBe false
        writerQueued.isDone shouldBe true
        lock.shouldBeFree()
    }

    test("reentrant writer: write and read nest inside write") {
        val lock = RWLock.builder().reentrantWriter(true).build()
        lock.write {
            lock.write {
                lock.write().holdCount shouldBe 2
                lock.read { lock.read().holdCount shouldBe 1 }
            }
            lock.write().holdCount shouldBe 1
        }
        lock.shouldBeFree()
    }

    test("misuse fails fast with nothing taken: write inside read (upgrade), nested write without reentrancy") {
        val lock = RWLock.writerPreferring()
        lock.read {
            shouldThrow<IllegalStateException> { lock.write { error("must not run") } }
            lock.read().holdCount shouldBe 1
            lock.isWriteLocked shouldBe false
        }
        lock.shouldBeFree()
        lock.write {
            shouldThrow<IllegalStateException> { lock.write { error("must not run") } }
            shouldThrow<IllegalStateException> { lock.read { error("must not run") } }
            lock.write().holdCount shouldBe 1
        }
        lock.shouldBeFree()
    }

    test("the difference from kotlin.concurrent: its write inside read gives the read holds up first") {
        val jdk = ReentrantReadWriteLock()
        jdk.read {
            jdk.write { jdk.readHoldCount shouldBe 0 } // kotlin.concurrent.write released the read
            jdk.readHoldCount shouldBe 1               // and took it back after
        }
        // Both imports in one file: the receiver picks the function (RWLock here, RRWL above).
        val lock = RWLock.writerPreferring()
        lock.read { lock.readLockCount shouldBe 1 }
        lock.shouldBeFree()
    }
})
