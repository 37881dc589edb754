package io.rwlocker.internal

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.types.shouldBeSameInstanceAs
import io.kotest.matchers.types.shouldNotBeSameInstanceAs
import io.rwlocker.Policy
import io.rwlocker.RWLock
import java.util.concurrent.CompletableFuture
import java.util.concurrent.TimeUnit

/**
 * The first-reader cache of [VisibleReaders]: every thread still gets its own record (the cache
 * answers only for its owner), and a migration empties the cache once its thread has died, so the
 * lock neither keeps a dead thread reachable nor keeps the cache from a live reader.
 */
class RecordCacheSpec : FunSpec({
    fun readersOf(lock: RWLock): VisibleReaders {
        val engineField = lock.javaClass.declaredFields.single { it.type == LockEngine::class.java }
            .apply { isAccessible = true }
        val engine = engineField.get(lock) as LockEngine
        return LockEngine::class.java.getDeclaredField("visibleReaders")
            .apply { isAccessible = true }.get(engine) as VisibleReaders
    }

    fun cached(readers: VisibleReaders): ReaderRecord? =
        VisibleReaders::class.java.getDeclaredField("first").apply { isAccessible = true }
            .get(readers) as ReaderRecord?

    fun <T> onNewThread(block: () -> T): T {
        val result = CompletableFuture<T>()
        val t = Thread { result.complete(block()) }
        t.start()
        t.join(10_000)
        t.isAlive shouldBe false
        return result.get(1, TimeUnit.SECONDS)
    }

    test("each thread gets its own record; the cache answers only for the first reader") {
        val lock = RWLock.builder().policy(Policy.WRITER_PREFERRING).build()
        val readers = readersOf(lock)
        val mine = readers.current()
        cached(readers) shouldBeSameInstanceAs mine
        readers.current() shouldBeSameInstanceAs mine
        readers.get() shouldBeSameInstanceAs mine

        val theirs = onNewThread { readers.current() to readers.get() }
        theirs.first shouldBeSameInstanceAs theirs.second
        theirs.first shouldNotBeSameInstanceAs mine
        cached(readers) shouldBeSameInstanceAs mine

        lock.read().lock()
        onNewThread { lock.read().holdCount } shouldBe 0
        lock.read().holdCount shouldBe 1
        lock.read().unlock()
    }

    test("a dead first reader's cache is emptied by the next revocation and taken by a new reader") {
        val lock = RWLock.builder().policy(Policy.WRITER_PREFERRING).build()
        val readers = readersOf(lock)
        val dead = onNewThread {
            lock.read().lock()
            lock.read().unlock()
            readers.current()
        }
        cached(readers) shouldBeSameInstanceAs dead

        lock.write().lock() // revokes the bias: the migration sees the dead, empty record
        lock.write().unlock()
        cached(readers) shouldBe null

        val next = readers.current()
        cached(readers) shouldBeSameInstanceAs next
        lock.read().lock()
        lock.read().holdCount shouldBe 1
        lock.isWriteLocked shouldBe false
        lock.read().unlock()
        lock.readLockCount shouldBe 0
    }
})
