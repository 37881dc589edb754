package io.rwlocker.coroutines

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.nulls.shouldNotBeNull
import io.kotest.matchers.shouldBe
import io.kotest.matchers.types.shouldBeInstanceOf
import io.rwlocker.KeyedLocks
import io.rwlocker.Policy
import io.rwlocker.internal.KeyTableAccess
import java.time.Duration
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.launch
import kotlinx.coroutines.test.runCurrent
import kotlinx.coroutines.test.runTest
import kotlinx.coroutines.withTimeoutOrNull
import kotlin.time.Duration.Companion.milliseconds

/** A [KeyedReadWriteMutex] with its [KeyedLocks] table, and views of the table's state. */
internal class KeyedFixture<K>(policy: Policy = Policy.WRITER_PREFERRING, reentrant: Boolean = false) {
    /** The blocking face (threads). */
    val locks: KeyedLocks<K> = KeyedLocks.create(policy, reentrant)

    /** The suspending face under test: the same table. */
    val mutex: KeyedReadWriteMutex<K> = locks.asKeyedReadWriteMutex()

    private val table = KeyTableAccess.tableOf(locks)

    /** Holders plus waiters of [key] (0 without an entry). */
    fun users(key: K): Int = table.peek(key)?.users() ?: 0

    /** Waiters queued on [key]'s lock. */
    fun queued(key: K): Int = table.peek(key)?.lock()?.queueLength ?: 0

    /** Whether [key]'s lock is write-held by anyone. */
    fun writeLocked(key: K): Boolean = table.peek(key)?.lock()?.isWriteLocked ?: false

    /** Asserts that no key has an entry. */
    fun shouldBeEmpty() {
        withClue("table should be empty: $locks") {
            mutex.size shouldBe 0
            locks.size() shouldBe 0
        }
    }
}

/**
 * The suspending per-key mutex (DESIGN.md 5.1a): different keys in parallel, the same key under
 * its policy, scopes released on every exit path, cancellation that leaves no hold, no node and
 * the reference count right, misuse per key, and null/empty input. Driven by `runTest` (one
 * thread, `runCurrent()` decides when coroutines run), so every "is waiting" is exact.
 */
class KeyedMutexSpec : FunSpec({
    timeout = 60_000

    test("KeyedReadWriteMutex() is writer-preferring, not reentrant, and starts empty") {
        runTest {
            val mutex = KeyedReadWriteMutex<String>()
            mutex.size shouldBe 0
            mutex.write("k") { mutex.size shouldBe 1 }
            shouldThrow<IllegalStateException> { mutex.write("k") { mutex.write("k") { } } }
            mutex.size shouldBe 0
        }
    }

    for (policy in ALL_POLICIES) {
        context("$policy") {
            test("different keys are held at the same time; a second writer of a key waits") {
                runTest {
                    val f = KeyedFixture<String>(policy)
                    val gate = CompletableDeferred<Unit>()
                    val events = mutableListOf<String>()
                    launch { f.mutex.write("a") { events += "a1+"; gate.await(); events += "a1-" } }
                    launch { f.mutex.write("b") { events += "b" } }
                    launch { f.mutex.read("a") { events += "a2" } }
                    runCurrent()
                    events shouldBe listOf("a1+", "b")
                    f.queued("a") shouldBe 1
                    f.users("a") shouldBe 2
                    f.mutex.size shouldBe 1
                    gate.complete(Unit)
                    runCurrent()
                    events shouldBe listOf("a1+", "b", "a1-", "a2")
                    f.shouldBeEmpty()
                }
            }

            test("cancelled while waiting for a key: CancellationException, no hold, no node, entry given back") {
                runTest {
                    val f = KeyedFixture<String>(policy)
                    val gate = CompletableDeferred<Unit>()
                    val holder = launch { f.mutex.write("k") { gate.await() } }
                    var failure: Throwable? = null
                    val waiter = launch {
                        try {
                            f.mutex.read("k") { error("must not run") }
                        } catch (e: Throwable) {
                            failure = e
                        }
                    }
                    runCurrent()
                    f.users("k") shouldBe 2
                    waiter.cancel()
                    runCurrent()
                    failure.shouldBeInstanceOf<CancellationException>()
                    f.users("k") shouldBe 1
                    f.queued("k") shouldBe 0
                    gate.complete(Unit)
                    holder.join()
                    f.shouldBeEmpty()
                }
            }

            test("withTimeout around a waiting write leaves no trace") {
                runTest {
                    val f = KeyedFixture<String>(policy)
                    val gate = CompletableDeferred<Unit>()
                    val holder = launch { f.mutex.read("k") { gate.await() } }
                    runCurrent()
                    withTimeoutOrNull(50.milliseconds) { f.mutex.write("k") { error("must not run") } } shouldBe null
                    withTimeoutOrNull(50.milliseconds) { f.mutex.writeAll(listOf("j", "k", "l")) { error("must not run") } } shouldBe null
                    f.users("k") shouldBe 1
                    f.queued("k") shouldBe 0
                    f.mutex.size shouldBe 1
                    gate.complete(Unit)
                    holder.join()
                    f.shouldBeEmpty()
                }
            }

            test("a multi-key waiter cancelled after taking some keys gives them back") {
                runTest {
                    val f = KeyedFixture<String>(policy)
                    val gate = CompletableDeferred<Unit>()
                    val holder = launch { f.mutex.write("b") { gate.await() } } // "a" sorts before "b"
                    val waiter = launch { f.mutex.writeAll(listOf("b", "a")) { error("must not run") } }
                    runCurrent()
                    f.writeLocked("a") shouldBe true // taken first, in the global order
                    f.queued("b") shouldBe 1
                    waiter.cancel()
                    runCurrent()
                    f.users("a") shouldBe 0
                    f.users("b") shouldBe 1
                    f.queued("b") shouldBe 0
                    f.mutex.size shouldBe 1
                    gate.complete(Unit)
                    holder.join()
                    f.shouldBeEmpty()
                }
            }
        }
    }

    test("readers of one key share it; readAll too") {
        runTest {
            val f = KeyedFixture<Int>(Policy.FAIR)
            val gate = CompletableDeferred<Unit>()
            val inside = mutableListOf<Int>()
            launch { f.mutex.read(1) { inside += 1; gate.await() } }
            launch { f.mutex.readAll(listOf(2, 1)) { inside += 2; gate.await() } }
            runCurrent()
            inside shouldBe listOf(1, 2)
            gate.complete(Unit)
            runCurrent()
            f.shouldBeEmpty()
        }
    }

    test("an exception in a block releases its keys") {
        runTest {
            val f = KeyedFixture<String>()
            shouldThrow<IllegalArgumentException> { f.mutex.write("k") { throw IllegalArgumentException("boom") } }
            shouldThrow<IllegalArgumentException> { f.mutex.readAll(listOf("a", "b")) { throw IllegalArgumentException("boom") } }
            f.shouldBeEmpty()
        }
    }

    test("duplicates are taken once; an empty collection runs the block holding nothing") {
        runTest {
            val f = KeyedFixture<String>()
            f.mutex.writeAll(listOf("a", "b", "a")) {
                f.users("a") shouldBe 1
                f.mutex.size shouldBe 2
            }
            f.mutex.readAll(emptyList()) { f.mutex.size shouldBe 0; 7 } shouldBe 7
            f.mutex.writeAll(emptySet()) { "ran" } shouldBe "ran"
            f.shouldBeEmpty()
        }
    }

    test("null key or element: NullPointerException, nothing taken") {
        runTest {
            val f = KeyedFixture<String?>()
            shouldThrow<NullPointerException> { f.mutex.read(null) { } }
            shouldThrow<NullPointerException> { f.mutex.write(null) { } }
            shouldThrow<NullPointerException> { f.mutex.readAll(listOf("a", null)) { } }
            shouldThrow<NullPointerException> { f.mutex.writeAll(listOf(null, "b")) { } }
            f.shouldBeEmpty()
        }
    }

    context("misuse per key fails at once, takes nothing, leaves size unchanged") {
        test("inside write(k) without a reentrant writer: write(k), read(k), readAll/writeAll([.., k])") {
            runTest {
                val f = KeyedFixture<String>()
                f.mutex.write("k") {
                    shouldThrow<IllegalStateException> { f.mutex.write("k") { } }
                    shouldThrow<IllegalStateException> { f.mutex.read("k") { } }
                    shouldThrow<IllegalStateException> { f.mutex.readAll(listOf("j", "k")) { } }
                    shouldThrow<IllegalStateException> { f.mutex.writeAll(listOf("j", "k", "l")) { } }
                    f.users("k") shouldBe 1
                    f.mutex.size shouldBe 1
                    f.writeLocked("k") shouldBe true
                }
                f.shouldBeEmpty()
            }
        }
        test("an upgrade (write inside read of the same key) fails in every table") {
            runTest {
                for (reentrant in listOf(false, true)) {
                    val f = KeyedFixture<String>(Policy.WRITER_PREFERRING, reentrant)
                    f.mutex.read("k") {
                        shouldThrow<IllegalStateException> { f.mutex.write("k") { } }
                        shouldThrow<IllegalStateException> { f.mutex.writeAll(listOf("j", "k")) { } }
                        f.mutex.readAll(listOf("j", "k")) { f.users("k") shouldBe 2 } // read recursion is fine
                        f.users("k") shouldBe 1
                        f.mutex.size shouldBe 1
                    }
                    f.shouldBeEmpty()
                }
            }
        }
        test("writeAll([k, j]) inside write(k) fails at once even while another coroutine holds j") {
            runTest {
                val f = KeyedFixture<String>()
                val gate = CompletableDeferred<Unit>()
                val holder = launch { f.mutex.write("j") { gate.await() } } // "j" sorts before "k"
                runCurrent()
                var outcome: Result<Unit>? = null
                launch { f.mutex.write("k") { outcome = runCatching { f.mutex.writeAll(listOf("k", "j")) { } } } }
                runCurrent()
                outcome.shouldNotBeNull().exceptionOrNull().shouldBeInstanceOf<IllegalStateException>()
                f.queued("j") shouldBe 0
                gate.complete(Unit)
                holder.join()
                f.shouldBeEmpty()
            }
        }
        test("with a reentrant writer the same calls re-enter") {
            runTest {
                val f = KeyedFixture<String>(Policy.FAIR, reentrant = true)
                f.mutex.write("k") {
                    f.mutex.write("k") {
                        f.mutex.read("k") {
                            f.mutex.writeAll(listOf("j", "k")) {
                                f.users("k") shouldBe 4
                                f.mutex.size shouldBe 2
                            }
                        }
                    }
                }
                f.shouldBeEmpty()
            }
        }
    }

    test("a thread and a coroutine on one table exclude each other per key") {
        runTest {
            val f = KeyedFixture<String>()
            val guard = f.locks.write("k") // this test's thread holds k
            val events = mutableListOf<String>()
            launch { f.mutex.write("k") { events += "coroutine" } }
            launch { f.mutex.write("other") { events += "other" } }
            runCurrent()
            events shouldBe listOf("other")
            f.queued("k") shouldBe 1
            guard.close()
            runCurrent()
            events shouldBe listOf("other", "coroutine")
            f.locks.tryWrite("k", Duration.ZERO).shouldNotBeNull().close()
            f.shouldBeEmpty()
        }
    }
})
