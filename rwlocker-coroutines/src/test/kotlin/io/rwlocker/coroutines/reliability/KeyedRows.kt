package io.rwlocker.coroutines.reliability

import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.rwlocker.Guard
import io.rwlocker.KeyedLocks
import io.rwlocker.Policy
import io.rwlocker.coroutines.KeyedReadWriteMutex
import io.rwlocker.coroutines.asKeyedReadWriteMutex
import io.rwlocker.internal.KeyTableAccess
import java.time.Duration
import java.util.concurrent.atomic.AtomicBoolean
import kotlin.time.Duration.Companion.milliseconds
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.TimeoutCancellationException
import kotlinx.coroutines.launch
import kotlinx.coroutines.withTimeout

/** A key whose `hashCode()` throws (a broken key type). */
private class BrokenKey {
    override fun hashCode(): Int = throw ArithmeticException("hashCode")

    override fun equals(other: Any?): Boolean = this === other
}

/**
 * The bad-input rows of `KeyedLocks` and `KeyedReadWriteMutex` (DESIGN.md 4.4, 5.1a and their
 * javadoc/KDoc), on a table of the row's configuration (policy, reentrancy). Each row ends with
 * [keyedStillWorks]: `size()` back to 0, and the key still locks from a thread and a coroutine.
 */
internal val keyedRows: List<BadInput> = rowsOf {
    fun BadInputCase.table(): KeyedLocks<String> = KeyedLocks.create(variant.policy, variant.reentrant)

    row("KeyedLocks", "`create(policy, reentrantWriter)`", "`policy` = `null`", "$NPE naming `policy`", oneVariant) {
        throws<NullPointerException>("policy") { KeyedLocks.create<String>(null, false) }
        val made = KeyedLocks.create<String>()
        made.policy() shouldBe Policy.WRITER_PREFERRING
        made.isReentrantWriter shouldBe false
        keyedStillWorks(made, "k")
    }
    row(
        "KeyedLocks",
        "`read(key)`, `write(key)`, `tryRead(key, timeout)`, `tryWrite(key, timeout)`",
        "`key` = `null` (an empty table; while another thread writes another key)",
        "$NPE naming `key`; `size()` unchanged",
    ) {
        val locks = table()
        val calls: List<() -> Any?> = listOf(
            { locks.read(null) }, { locks.write(null) },
            { locks.tryRead(null, Duration.ofSeconds(1)) }, { locks.tryWrite(null, Duration.ZERO) }, { locks.tryWrite(null, null) },
        )
        for (call in calls) throws<NullPointerException>("key") { call() }
        locks.size() shouldBe 0
        val writer = Held(this) { locks.write("other") }
        for (call in calls) throws<NullPointerException>("key") { call() }
        locks.size() shouldBe 1
        writer.release()
        keyedStillWorks(locks, "k")
    }
    row("KeyedLocks", "`tryRead(key, timeout)`, `tryWrite(key, timeout)`", "`timeout` = `null` (a free key; a key another thread writes)", "$NPE naming `timeout`; nothing taken, `size()` unchanged") {
        val locks = table()
        throws<NullPointerException>("timeout") { locks.tryRead("k", null) }
        throws<NullPointerException>("timeout") { locks.tryWrite("k", null) }
        locks.size() shouldBe 0
        val writer = Held(this) { locks.write("k") }
        throws<NullPointerException>("timeout") { locks.tryRead("k", null) }
        throws<NullPointerException>("timeout") { locks.tryWrite("k", null) }
        locks.size() shouldBe 1
        writer.release()
        keyedStillWorks(locks, "k")
    }
    row(
        "KeyedLocks",
        "`tryRead(key, timeout)`, `tryWrite(key, timeout)`",
        "`Duration.ZERO`, `-1 ns`, `Duration.ofSeconds(Long.MIN_VALUE)`",
        "one attempt: a guard on a free key; `null` at once while another thread writes the key, which leaves the table as it was",
    ) {
        val locks = table()
        val timeouts = listOf(Duration.ZERO, Duration.ofNanos(-1), Duration.ofSeconds(Long.MIN_VALUE))
        for (timeout in timeouts) {
            locks.tryRead("k", timeout)!!.close()
            locks.tryWrite("k", timeout)!!.close()
            locks.size() shouldBe 0
        }
        val writer = Held(this) { locks.write("k") }
        for (timeout in timeouts) {
            locks.tryRead("k", timeout) shouldBe null
            locks.tryWrite("k", timeout) shouldBe null
            locks.size() shouldBe 1
        }
        writer.release()
        keyedStillWorks(locks, "k")
    }
    row("KeyedLocks", "`tryRead(key, timeout)`, `tryWrite(key, timeout)`", "`Duration.ofSeconds(Long.MAX_VALUE)` while another thread writes the key", "waits (no overflow), a guard when the writer leaves") {
        val locks = table()
        val calls: List<() -> Guard?> = listOf({ locks.tryRead("k", Duration.ofSeconds(Long.MAX_VALUE)) }, { locks.tryWrite("k", Duration.ofSeconds(Long.MAX_VALUE)) })
        for (call in calls) {
            val writer = Held(this) { locks.write("k") }
            val waiter = background { call()?.let { it.close(); true } ?: false }
            awaitTrue("a waiter on k: $locks") { waiterQueued(locks) }
            writer.release()
            waiter.join() shouldBe true
        }
        keyedStillWorks(locks, "k")
    }
    row("KeyedLocks", "`readAll(keys)`, `writeAll(keys)`", "`null`; a collection containing `null`", "$NPE; nothing taken (no key held, `size()` 0)") {
        val locks = table()
        throws<NullPointerException>("keys") { locks.readAll(null) }
        throws<NullPointerException>("keys") { locks.writeAll(null) }
        throws<NullPointerException> { locks.readAll(withNull("a", null)) }
        throws<NullPointerException> { locks.writeAll(withNull("a", null, "b")) }
        locks.size() shouldBe 0
        othersCanWrite(locks, "a") shouldBe true
        keyedStillWorks(locks, "a")
    }
    row("KeyedLocks", "`readAll(keys)`, `writeAll(keys)`", "an empty collection", "a guard that does nothing (also when closed twice); `size()` 0") {
        val locks = table()
        for (guard in listOf(locks.readAll(emptyList()), locks.writeAll(emptySet()))) {
            locks.size() shouldBe 0
            guard.close()
            guard.close()
        }
        keyedStillWorks(locks, "k")
    }
    row("KeyedLocks", "`readAll(keys)`, `writeAll(keys)`", "the same key more than once (`[a, a, b, a]`)", "each distinct key taken once (`size()` 2); one `close()` releases them all") {
        val locks = table()
        for (all in listOf<(List<String>) -> Guard>({ locks.readAll(it) }, { locks.writeAll(it) })) {
            val guard = all(listOf("a", "a", "b", "a"))
            locks.size() shouldBe 2
            othersCanWrite(locks, "a") shouldBe false
            guard.close()
            locks.size() shouldBe 0
            othersCanWrite(locks, "a") shouldBe true
            othersCanWrite(locks, "b") shouldBe true
        }
        keyedStillWorks(locks, "a")
    }
    row(
        "KeyedLocks",
        "`read(k)`, `write(k)`, `tryRead(k, t)`, `tryWrite(k, t)`, `readAll([j, k])`, `writeAll([j, k])`",
        "inside `write(k)` of the same thread, no reentrant writer",
        "$ISE at once; nothing more taken (`j` free, `size()` 1), the outer write kept",
        Variant.nonReentrant,
    ) {
        val locks = table()
        val outer = locks.write("k")
        val calls: List<() -> Any?> = listOf(
            { locks.read("k") }, { locks.write("k") }, { locks.tryRead("k", Duration.ofSeconds(1)) }, { locks.tryWrite("k", Duration.ofSeconds(1)) },
            { locks.readAll(listOf("j", "k")) }, { locks.writeAll(listOf("k", "j")) },
        )
        for (call in calls) {
            throws<IllegalStateException> { call() }
            locks.size() shouldBe 1
        }
        othersCanWrite(locks, "j") shouldBe true
        othersCanWrite(locks, "k") shouldBe false
        outer.close()
        keyedStillWorks(locks, "k")
    }
    row(
        "KeyedLocks",
        "`write(k)`, `tryWrite(k, t)`, `writeAll([j, k])`",
        "inside `read(k)` of the same thread (an upgrade would deadlock)",
        "$ISE at once; nothing more taken (`j` free, `size()` 1), the read kept",
    ) {
        val locks = table()
        val outer = locks.read("k")
        val calls: List<() -> Any?> = listOf({ locks.write("k") }, { locks.tryWrite("k", Duration.ofSeconds(1)) }, { locks.writeAll(listOf("j", "k")) })
        for (call in calls) {
            throws<IllegalStateException> { call() }
            locks.size() shouldBe 1
        }
        othersCanWrite(locks, "j") shouldBe true
        othersCanWrite(locks, "k") shouldBe false
        outer.close()
        keyedStillWorks(locks, "k")
    }
    row("KeyedLocks", "`write(k)`, `writeAll([k])`, `read(k)`", "inside `write(k)` of the same thread, reentrant writer", "counted re-entry; `size()` stays 1; all released by their guards", Variant.reentrant) {
        val locks = table()
        val outer = locks.write("k")
        val inner = listOf(locks.write("k"), locks.writeAll(listOf("k")), locks.read("k"))
        locks.size() shouldBe 1
        inner.reversed().forEach { it.close() }
        othersCanWrite(locks, "k") shouldBe false
        outer.close()
        keyedStillWorks(locks, "k")
    }
    row(
        "KeyedLocks guards (`Guard`)",
        "`close()`",
        "a second time; by another thread than the acquiring one (single- and multi-key guards)",
        "the second `close()` does nothing; another thread's: $IMSE, nothing released",
    ) {
        val locks = table()
        val guards: List<() -> Guard> = listOf({ locks.write("k") }, { locks.read("k") }, { locks.writeAll(listOf("k", "j")) }, { locks.readAll(listOf("j", "k")) })
        for (acquire in guards) {
            val guard = acquire()
            val size = locks.size()
            throws<IllegalMonitorStateException> { other { guard.close() } }
            locks.size() shouldBe size
            othersCanWrite(locks, "k") shouldBe false
            guard.close()
            guard.close()
            locks.size() shouldBe 0
        }
        keyedStillWorks(locks, "k")
    }
    row("KeyedLocks", "`tryRead(key, timeout)`, `tryWrite(key, timeout)`", "interrupt status set before the call", "`InterruptedException`, status cleared; nothing held, `size()` 0") {
        val locks = table()
        val calls: List<() -> Any?> = listOf({ locks.tryRead("k", Duration.ofSeconds(1)) }, { locks.tryWrite("k", Duration.ofSeconds(1)) })
        for (call in calls) {
            Thread.currentThread().interrupt()
            throws<InterruptedException> { call() }
            Thread.currentThread().isInterrupted shouldBe false
            locks.size() shouldBe 0
        }
        keyedStillWorks(locks, "k")
    }
    row("KeyedLocks", "`tryRead(key, timeout)`, `tryWrite(key, timeout)`", "interrupted while waiting (another thread writes the key)", "`InterruptedException`; the waiter leaves the key's queue and the table (`size()` 1: the writer)") {
        val locks = table()
        val calls: List<() -> Any?> = listOf({ locks.tryRead("k", Duration.ofDays(1)) }, { locks.tryWrite("k", Duration.ofDays(1)) })
        for (call in calls) {
            val writer = Held(this) { locks.write("k") }
            val waiter = background { throws<InterruptedException> { call() } }
            awaitTrue("a waiter on k: $locks") { waiterQueued(locks) }
            waiter.thread.interrupt()
            waiter.join()
            locks.size() shouldBe 1
            writer.release()
        }
        keyedStillWorks(locks, "k")
    }
    row(
        "KeyedLocks",
        "`read(key)`, `write(key)`, `readAll(keys)`, `writeAll(keys)`",
        "interrupted while waiting (another thread writes the key)",
        "keeps waiting, acquires when the writer leaves, returns with the interrupt status set",
    ) {
        val locks = table()
        val takes: List<() -> Guard> = listOf({ locks.read("k") }, { locks.write("k") }, { locks.readAll(listOf("k")) }, { locks.writeAll(listOf("j", "k")) })
        for (take in takes) {
            val writer = Held(this) { locks.write("k") }
            val released = AtomicBoolean()
            val waiter = background {
                val guard = take()
                val result = released.get() to Thread.currentThread().isInterrupted
                guard.close()
                result
            }
            awaitTrue("a waiter on k: $locks") { waiterQueued(locks) }
            waiter.thread.interrupt()
            released.set(true)
            writer.release()
            waiter.join() shouldBe (true to true)
        }
        keyedStillWorks(locks, "k")
    }
    row("KeyedLocks", "`read`, `write`, `readAll`, `writeAll`", "a key whose `hashCode()` throws (alone; after a good key in a collection)", "its exception propagates; nothing taken, `size()` 0") {
        val locks = KeyedLocks.create<Any>(variant.policy, variant.reentrant)
        val calls: List<() -> Any?> = listOf(
            { locks.read(BrokenKey()) }, { locks.write(BrokenKey()) },
            { locks.readAll(listOf("a", BrokenKey())) }, { locks.writeAll(listOf("a", BrokenKey())) },
        )
        for (call in calls) {
            throws<ArithmeticException>("hashCode") { call() }
            locks.size() shouldBe 0
        }
        keyedStillWorks(locks, "a")
    }
    row("KeyedLocks", "`policy()`, `isReentrantWriter()`, `size()`, `toString()`", "from a thread that holds nothing, while another thread writes a key and a third waits for it", "a true snapshot, no exception, nothing changed") {
        val locks = table()
        val writer = Held(this) { locks.write("k") }
        val waiter = background { locks.read("k").close() }
        awaitTrue("a waiter on k: $locks") { waiterQueued(locks) }
        locks.policy() shouldBe variant.policy
        locks.isReentrantWriter shouldBe variant.reentrant
        locks.size() shouldBe 1
        locks.toString() shouldContain "keys = 1"
        writer.release()
        waiter.join()
        keyedStillWorks(locks, "k")
    }

    // ------------------------------------------------------------------ KeyedReadWriteMutex

    row(
        "KeyedReadWriteMutex (functions)",
        "`KeyedReadWriteMutex(policy, reentrantWriter)`, `asKeyedReadWriteMutex()`",
        "`policy` = `null`; receiver `null` (a Java caller)",
        "$NPE; otherwise a view of the same table",
        oneVariant,
    ) {
        val functions = Class.forName("io.rwlocker.coroutines.KeyedReadWriteMutexKt")
        val factory = functions.getMethod("KeyedReadWriteMutex", Policy::class.java, Boolean::class.javaPrimitiveType)
        throws<NullPointerException>("policy") { invoking { factory.invoke(null, null, false) } }
        val view = functions.getMethod("asKeyedReadWriteMutex", KeyedLocks::class.java)
        throws<NullPointerException> { invoking { view.invoke(null, null) } }
        val locks = KeyedLocks.create<String>()
        val mutex = locks.asKeyedReadWriteMutex()
        val writer = Held(this) { locks.write("k") }
        coroutine { withTimeoutOrNullOf { mutex.read("k") { "entered" } } } shouldBe null
        writer.release()
        keyedStillWorks(locks, "k")
    }
    row(
        "KeyedReadWriteMutex",
        "`read(key, block)`, `write(key, block)`, `readAll(keys, block)`, `writeAll(keys, block)`",
        "a `null` key, collection, or collection element",
        "$NPE; the block never ran, `size()` 0",
    ) {
        val locks = KeyedLocks.create<String?>(variant.policy, variant.reentrant)
        val mutex: KeyedReadWriteMutex<String?> = locks.asKeyedReadWriteMutex()
        val ran = AtomicBoolean()
        coroutine {
            throws<NullPointerException> { mutex.read(null) { ran.set(true) } }
            throws<NullPointerException> { mutex.write(null) { ran.set(true) } }
            throws<NullPointerException> { mutex.readAll(javaNull()) { ran.set(true) } }
            throws<NullPointerException> { mutex.writeAll(listOf("a", null)) { ran.set(true) } }
            throws<NullPointerException> { mutex.readAll(listOf(null)) { ran.set(true) } }
        }
        ran.get() shouldBe false
        keyedStillWorks(locks, "k")
    }
    row("KeyedReadWriteMutex", "`read(k)`, `write(k)`, `readAll([j, k])`, `writeAll([j, k])`", "inside `write(k)` of the same coroutine, no reentrant writer", "$ISE at once; nothing more taken (`size()` 1), the write scope goes on", Variant.nonReentrant) {
        val locks = table()
        val mutex = locks.asKeyedReadWriteMutex()
        coroutine {
            mutex.write("k") {
                throws<IllegalStateException> { mutex.read("k") { } }
                throws<IllegalStateException> { mutex.write("k") { } }
                throws<IllegalStateException> { mutex.readAll(listOf("j", "k")) { } }
                throws<IllegalStateException> { mutex.writeAll(listOf("k", "j")) { } }
                locks.size() shouldBe 1
                othersCanWrite(locks, "j") shouldBe true
                othersCanWrite(locks, "k") shouldBe false
            }
        }
        keyedStillWorks(locks, "k")
    }
    row("KeyedReadWriteMutex", "`write(k)`, `writeAll([j, k])`", "inside `read(k)` of the same coroutine (an upgrade would deadlock)", "$ISE at once; nothing more taken, the read scope goes on") {
        val locks = table()
        val mutex = locks.asKeyedReadWriteMutex()
        coroutine {
            mutex.read("k") {
                throws<IllegalStateException> { mutex.write("k") { } }
                throws<IllegalStateException> { mutex.writeAll(listOf("j", "k")) { } }
                locks.size() shouldBe 1
                othersCanWrite(locks, "j") shouldBe true
            }
        }
        keyedStillWorks(locks, "k")
    }
    row("KeyedReadWriteMutex", "`write(k)`, `writeAll([k, j])`, `read(k)`", "inside `write(k)` of the same coroutine, reentrant writer", "counted re-entry; all released with their scopes", Variant.reentrant) {
        val locks = table()
        val mutex = locks.asKeyedReadWriteMutex()
        coroutine {
            mutex.write("k") {
                mutex.write("k") { mutex.writeAll(listOf("k", "j")) { locks.size() shouldBe 2 } }
                mutex.read("k") { locks.size() shouldBe 1 }
                othersCanWrite(locks, "k") shouldBe false
            }
        }
        keyedStillWorks(locks, "k")
    }
    row(
        "KeyedReadWriteMutex",
        "`read`, `write`, `readAll`, `writeAll`",
        "cancelled while waiting for a key a thread writes; `withTimeout` expires while waiting",
        "`CancellationException` / `TimeoutCancellationException`; the block never ran, the keys taken before are given back, `size()` 1 (the writer)",
    ) {
        val locks = table()
        val mutex = locks.asKeyedReadWriteMutex()
        val writer = Held(this) { locks.write("k") }
        val ran = AtomicBoolean()
        coroutine {
            val attempts: List<suspend () -> Unit> = listOf(
                { mutex.read("k") { ran.set(true) } }, { mutex.write("k") { ran.set(true) } },
                { mutex.readAll(listOf("j", "k", "i")) { ran.set(true) } }, { mutex.writeAll(listOf("k", "j", "i")) { ran.set(true) } },
            )
            for (attempt in attempts) {
                val outcome = CompletableDeferred<Throwable?>()
                val job = launch(Dispatchers.Unconfined, start = CoroutineStart.UNDISPATCHED) {
                    outcome.complete(runCatching { attempt() }.exceptionOrNull())
                }
                job.cancel()
                job.join()
                (outcome.await() is CancellationException) shouldBe true
                locks.size() shouldBe 1
                throws<TimeoutCancellationException> { withTimeout(5.milliseconds) { attempt() } }
                locks.size() shouldBe 1
            }
        }
        othersCanWrite(locks, "j") shouldBe true
        othersCanWrite(locks, "i") shouldBe true
        writer.release()
        ran.get() shouldBe false
        keyedStillWorks(locks, "k")
    }
    row("KeyedReadWriteMutex", "`readAll(keys, block)`, `writeAll(keys, block)`, `size`", "an empty collection", "the block runs holding nothing; `size` 0") {
        val locks = table()
        val mutex = locks.asKeyedReadWriteMutex()
        coroutine {
            mutex.readAll(emptyList()) { mutex.size } shouldBe 0
            mutex.writeAll(emptySet()) { locks.size() } shouldBe 0
        }
        keyedStillWorks(locks, "k")
    }
}

/** Someone waits in the queue of key `k` of [locks] (its live entry's lock). */
private fun waiterQueued(locks: KeyedLocks<String>): Boolean =
    (KeyTableAccess.tableOf(locks).peek("k")?.lock()?.queueLength ?: 0) > 0

/** [keys] as a Java caller could pass them: a `List<String>` that contains `null`. */
@Suppress("UNCHECKED_CAST")
private fun withNull(vararg keys: String?): List<String> = keys.toList() as List<String>

/** `withTimeoutOrNull(5 ms)` of [block]. */
private suspend fun <T> withTimeoutOrNullOf(block: suspend () -> T): T? = kotlinx.coroutines.withTimeoutOrNull(5.milliseconds) { block() }
