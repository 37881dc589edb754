package io.rwlocker.coroutines.reliability

import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.rwlocker.Guarded
import io.rwlocker.Policy
import io.rwlocker.RWLock
import io.rwlocker.coroutines.GuardedMutex
import io.rwlocker.coroutines.ReadWriteMutex
import io.rwlocker.coroutines.asGuardedMutex
import java.util.concurrent.atomic.AtomicBoolean
import kotlin.time.Duration.Companion.milliseconds
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.TimeoutCancellationException
import kotlinx.coroutines.launch
import kotlinx.coroutines.withTimeout

/**
 * The bad-input rows of `Guarded` and `GuardedMutex` (DESIGN.md 4.4, 5.1a and their javadoc/KDoc).
 * Both guard their value with the fixture's lock (`Guarded.of(v, lock)`, `GuardedMutex(v, mutex)`),
 * so the fixture's end check (the lock free, and working from both faces) applies to them.
 */
internal val guardedRows: List<BadInput> = rowsOf {
    row("Guarded", "`of(value, lock)`", "`lock` = `null`", "$NPE naming `lock`", oneVariant) {
        throws<NullPointerException>("lock") { Guarded.of("v", javaNull<RWLock>()) }
    }
    row(
        "Guarded",
        "`of(value)`, `of(value, lock)`, `set(value)`, `update(updater)`",
        "a `null` value (allowed)",
        "stored: the functions receive `null`; `lock()` is the given lock, or for `of(value)` a new writer-preferring, non-reentrant one",
    ) {
        val guarded = Guarded.of<String?>(null, lock)
        (guarded.lock() === lock) shouldBe true
        guarded.read { it } shouldBe null
        guarded.set("x")
        guarded.read { it } shouldBe "x"
        guarded.update { null } shouldBe null
        guarded.read { it } shouldBe null
        val own = Guarded.of<String?>(null)
        own.lock().policy() shouldBe Policy.WRITER_PREFERRING
        own.lock().isReentrantWriter shouldBe false
        own.read { it } shouldBe null
    }
    row(
        "Guarded",
        "`read(reader)`, `write(writer)`, `update(updater)`",
        "a `null` function (a Java caller), on a free lock and while another thread writes",
        "$NPE naming the argument at once; the lock untouched",
    ) {
        val guarded = Guarded.of("v", lock)
        val calls: List<Pair<String, () -> Any?>> = listOf(
            "reader" to { guarded.read<Any?>(javaNull()) },
            "writer" to { guarded.write<Any?>(javaNull()) },
            "updater" to { guarded.update(javaNull()) },
        )
        for ((name, call) in calls) untouched { throws<NullPointerException>(name) { call() } }
        val writer = otherWriter()
        for ((name, call) in calls) untouched { throws<NullPointerException>(name) { call() } }
        writer.release()
        guarded.read { it } shouldBe "v"
    }
    row("Guarded", "`write(writer)`, `update(updater)`, `set(value)`", "inside `read` of the same thread (an upgrade would deadlock)", "$ISE at once; the outer read goes on (1 read hold), the value unchanged") {
        val guarded = Guarded.of("v", lock)
        guarded.read { _ ->
            untouched {
                throws<IllegalStateException> { guarded.write { it } }
                throws<IllegalStateException> { guarded.update { "w" } }
                throws<IllegalStateException> { guarded.set("w") }
            }
            lock.read().holdCount shouldBe 1
        }
        guarded.read { it } shouldBe "v"
    }
    row("Guarded", "`read`, `write`, `update`, `set`", "inside `write` of the same thread, no reentrant writer", "$ISE at once; the outer write goes on (1 write hold), the value unchanged", Variant.nonReentrant) {
        val guarded = Guarded.of("v", lock)
        guarded.write { _ ->
            untouched {
                throws<IllegalStateException> { guarded.read { it } }
                throws<IllegalStateException> { guarded.write { it } }
                throws<IllegalStateException> { guarded.update { "w" } }
                throws<IllegalStateException> { guarded.set("w") }
            }
            lock.write().holdCount shouldBe 1
        }
        guarded.read { it } shouldBe "v"
    }
    row("Guarded", "`read`, `write`, `update`, `set`", "inside `write` of the same thread, reentrant writer", "counted re-entry: the inner calls run and see each other's changes", Variant.reentrant) {
        val guarded = Guarded.of("v", lock)
        guarded.write { _ ->
            guarded.set("w")
            guarded.write { lock.write().holdCount } shouldBe 2
            guarded.read { it } shouldBe "w"
            guarded.update { "$it!" } shouldBe "w!"
        }
        guarded.read { it } shouldBe "w!"
    }
    row("Guarded", "`read`, `write`, `update`", "the function throws", "its exception propagates, the hold is released; `update` keeps the old value") {
        val guarded = Guarded.of("v", lock)
        untouched {
            throws<ArithmeticException> { guarded.read<Any?> { throw ArithmeticException("read") } }
            throws<ArithmeticException> { guarded.write<Any?> { throw ArithmeticException("write") } }
            throws<ArithmeticException> { guarded.update { throw ArithmeticException("update") } }
        }
        guarded.read { it } shouldBe "v"
    }
    row("Guarded", "`read`, `write`, `update`, `set`", "interrupted while waiting (another thread writes)", "keeps waiting (uninterruptible), runs when the writer leaves, returns with the interrupt status set") {
        val guarded = Guarded.of("v", lock)
        val calls: List<() -> Unit> = listOf({ guarded.read { it } }, { guarded.write { it } }, { guarded.update { it } }, { guarded.set("v") })
        for (call in calls) {
            val writer = otherWriter()
            val waiter = background {
                call()
                Thread.currentThread().isInterrupted
            }
            awaitQueued(1)
            waiter.thread.interrupt()
            writer.release()
            waiter.join() shouldBe true
        }
    }
    row("Guarded", "`equals`, `toString()`, `lock()`", "two guards of equal (secret) values on one lock", "identity equality; `toString()` shows the lock, never the value; `lock()` is the lock") {
        val first = Guarded.of("secret-1", lock)
        val second = Guarded.of("secret-1", lock)
        (first == second) shouldBe false
        (first == first) shouldBe true
        first.toString().contains("secret") shouldBe false
        first.toString() shouldContain "RWLock"
        (first.lock() === second.lock()) shouldBe true
    }

    // ------------------------------------------------------------------ GuardedMutex

    row("GuardedMutex", "`GuardedMutex(value, mutex)`", "a `ReadWriteMutex` this library did not make; `mutex` = `null` (a Java caller)", "$IAE; $NPE naming `mutex`", oneVariant) {
        val foreign = object : ReadWriteMutex by mutex {}
        throws<IllegalArgumentException> { GuardedMutex("v", foreign) }
        val constructor = GuardedMutex::class.java.getConstructor(Any::class.java, ReadWriteMutex::class.java)
        throws<NullPointerException>("mutex") { invoking { constructor.newInstance("v", null) } }
    }
    row("Guarded.asGuardedMutex (function)", "`asGuardedMutex()`", "receiver `null` (a Java caller); called twice", "$NPE; otherwise the same object every time, over the same value and lock") {
        val view = Class.forName("io.rwlocker.coroutines.GuardedMutexKt").getMethod("asGuardedMutex", Guarded::class.java)
        throws<NullPointerException> { invoking { view.invoke(null, null) } }
        val guarded = Guarded.of("v", lock)
        val twin = guarded.asGuardedMutex()
        (guarded.asGuardedMutex() === twin) shouldBe true
        (twin.mutex === mutex) shouldBe true
        coroutine { twin.set("w") }
        guarded.read { it } shouldBe "w"
    }
    row("GuardedMutex", "`write(block)`, `update(transform)`, `set(value)`", "inside `read` of the same coroutine (an upgrade would deadlock)", "$ISE at once; the read scope goes on, the value unchanged") {
        val guarded = GuardedMutex("v", mutex)
        coroutine {
            guarded.read { _ ->
                untouched {
                    throws<IllegalStateException> { guarded.write { it } }
                    throws<IllegalStateException> { guarded.update { "w" } }
                    throws<IllegalStateException> { guarded.set("w") }
                }
                mutex.readHolds shouldBe 1
            }
            guarded.read { it } shouldBe "v"
        }
    }
    row("GuardedMutex", "`read`, `write`, `update`, `set`", "inside `write` of the same coroutine, no reentrant writer", "$ISE at once; the write scope goes on, the value unchanged", Variant.nonReentrant) {
        val guarded = GuardedMutex("v", mutex)
        coroutine {
            guarded.write { _ ->
                untouched {
                    throws<IllegalStateException> { guarded.read { it } }
                    throws<IllegalStateException> { guarded.write { it } }
                    throws<IllegalStateException> { guarded.update { "w" } }
                    throws<IllegalStateException> { guarded.set("w") }
                }
                lock.isWriteLocked shouldBe true
            }
            guarded.read { it } shouldBe "v"
        }
    }
    row("GuardedMutex", "`read`, `write`, `update`, `set`", "inside `write` of the same coroutine, reentrant writer", "counted re-entry: the inner calls run and see each other's changes", Variant.reentrant) {
        val guarded = GuardedMutex("v", mutex)
        coroutine {
            guarded.write { _ ->
                guarded.set("w")
                guarded.read { it } shouldBe "w"
                guarded.update { "$it!" } shouldBe "w!"
            }
            guarded.read { it } shouldBe "w!"
        }
    }
    row("GuardedMutex", "`read`, `write`, `update`, `set`", "cancelled while waiting (a thread writes)", "`CancellationException`; the block never ran, the value unchanged; no hold, no queued node") {
        val guarded = GuardedMutex("v", mutex)
        val ran = AtomicBoolean()
        val writer = otherWriter()
        coroutine {
            val attempts: List<suspend () -> Unit> = listOf(
                { guarded.read { ran.set(true) } },
                { guarded.write { ran.set(true) } },
                { guarded.update { ran.set(true); "x" } },
                { guarded.set("x") },
            )
            for (attempt in attempts) {
                val outcome = CompletableDeferred<Throwable?>()
                val job = launch(Dispatchers.Unconfined, start = CoroutineStart.UNDISPATCHED) {
                    outcome.complete(runCatching { attempt() }.exceptionOrNull())
                }
                lock.queueLength shouldBe 1
                job.cancel()
                job.join()
                (outcome.await() is CancellationException) shouldBe true
                state() shouldBe LockState(true, 0, 0)
            }
        }
        writer.release()
        ran.get() shouldBe false
        coroutine { guarded.read { it } } shouldBe "v"
    }
    row("GuardedMutex", "`read`, `write`, `update`, `set`", "`withTimeout` expires while waiting (a thread writes)", "`TimeoutCancellationException`; the value unchanged; no hold, no queued node") {
        val guarded = GuardedMutex("v", mutex)
        val writer = otherWriter()
        coroutine {
            val attempts: List<suspend () -> Unit> = listOf({ guarded.read { it } }, { guarded.write { it } }, { guarded.update { "x" } }, { guarded.set("x") })
            for (attempt in attempts) {
                throws<TimeoutCancellationException> { withTimeout(5.milliseconds) { attempt() } }
                state() shouldBe LockState(true, 0, 0)
            }
        }
        writer.release()
        coroutine { guarded.read { it } } shouldBe "v"
    }
    row("GuardedMutex", "`read`, `write`, `update`", "the block throws", "its exception propagates, the hold is released; `update` keeps the old value") {
        val guarded = GuardedMutex("v", mutex)
        coroutine {
            untouched {
                throws<ArithmeticException> { guarded.read<Any?> { throw ArithmeticException("read") } }
                throws<ArithmeticException> { guarded.write<Any?> { throw ArithmeticException("write") } }
                throws<ArithmeticException> { guarded.update { throw ArithmeticException("update") } }
            }
            guarded.read { it } shouldBe "v"
        }
    }
}
