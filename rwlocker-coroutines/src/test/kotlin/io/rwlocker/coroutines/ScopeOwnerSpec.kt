package io.rwlocker.coroutines

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.rwlocker.Policy
import java.util.concurrent.atomic.AtomicReference
import kotlin.concurrent.thread
import kotlin.coroutines.CoroutineContext
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.async
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.supervisorScope
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.yield
import kotlin.time.Duration.Companion.seconds

/**
 * Who owns a scope (issue 9 defect 2): every `withContext { }`, `coroutineScope { }`,
 * `supervisorScope { }` and `withTimeout { }` block of a coroutine is that same coroutine,
 * whatever Job it installs (`NonCancellable`, the idiom for suspending clean-up in `finally`, or a
 * fresh `Job()`); `launch`/`async` children are other owners. Each case runs under a bounded
 * timeout: before the fix the NonCancellable/Job() cases deadlocked or threw "await() outside a
 * read { } or write { } scope", and two unrelated coroutines inside withContext(NonCancellable)
 * were taken for one owner (a reentrant write entered a lock another coroutine held).
 */
class ScopeOwnerSpec : FunSpec({
    timeout = 120_000

    /** The contexts that run a block as the same coroutine. */
    val sameCoroutine: List<Pair<String, () -> CoroutineContext>> = listOf(
        "withContext(NonCancellable)" to { NonCancellable },
        "withContext(Job())" to { Job() },
        "withContext(Dispatchers.IO)" to { Dispatchers.IO },
        "withContext(Dispatchers.Default + NonCancellable)" to { Dispatchers.Default + NonCancellable },
    )

    /**
     * Runs [block] on its own thread and fails if it has not finished within 10 s: a deadlock
     * inside withContext(NonCancellable) cannot be cancelled by a timeout, so it is detected from
     * outside (the stuck daemon thread is abandoned).
     */
    fun bounded(block: suspend () -> Unit) {
        val failure = AtomicReference<Throwable?>()
        val runner = thread(isDaemon = true, name = "scope-owner-case") {
            try {
                runBlocking { block() }
            } catch (e: Throwable) {
                failure.set(e)
            }
        }
        runner.join(10_000)
        if (runner.isAlive) throw AssertionError("deadlock: the case did not finish within 10 s")
        failure.get()?.let { throw it }
    }

    for ((name, context) in sameCoroutine) {
        context(name) {
            test("a reentrant nested write { } and read { } re-enter") {
                val f = Fixture(Policy.WRITER_PREFERRING, reentrant = true)
                bounded {
                    f.mutex.write {
                        withContext(context()) {
                            f.mutex.write { f.lock.isWriteLocked shouldBe true }
                            f.mutex.read { f.mutex.readHolds shouldBe 1 }
                        }
                    }
                }
                f.shouldBeFree()
            }

            test("a plain nested write { } fails fast instead of deadlocking") {
                val f = Fixture(Policy.WRITER_PREFERRING)
                bounded {
                    f.mutex.write {
                        withContext(context()) {
                            shouldThrow<IllegalStateException> { f.mutex.write { } }
                                .message shouldContain "nested write"
                        }
                        f.lock.isWriteLocked shouldBe true
                    }
                }
                f.shouldBeFree()
            }

            test("an upgrade (write { } inside read { }) fails fast") {
                val f = Fixture(Policy.WRITER_PREFERRING)
                bounded {
                    f.mutex.read {
                        withContext(context()) {
                            shouldThrow<IllegalStateException> { f.mutex.write { } }
                                .message shouldContain "upgrading"
                        }
                        f.mutex.readHolds shouldBe 1
                    }
                }
                f.shouldBeFree()
            }

            test("a nested read { } enters while a writer waits (WRITER_PREFERRING)") {
                val f = Fixture(Policy.WRITER_PREFERRING)
                bounded {
                    coroutineScope {
                        val reading = CompletableDeferred<Unit>()
                        val outer = launch {
                            f.mutex.read {
                                reading.complete(Unit)
                                f.lock.awaitQueueLength(1)
                                withContext(context()) {
                                    f.mutex.read { f.mutex.readHolds shouldBe 2 }
                                }
                            }
                        }
                        reading.await()
                        val writer = launch { f.mutex.write { } }
                        outer.join()
                        writer.join()
                    }
                }
                f.shouldBeFree()
            }

            test("condition.await() inside the block waits as the enclosing scope's owner") {
                val f = Fixture(Policy.FAIR)
                val condition = f.mutex.newCondition()
                bounded {
                    coroutineScope {
                        var ready = false
                        val waiter = launch {
                            f.mutex.write {
                                withContext(context()) {
                                    condition.waitFor { ready }
                                }
                                f.lock.isWriteLocked shouldBe true
                            }
                        }
                        while (f.lock.isWriteLocked || condition.toString().contains("waiters = 0")) yield()
                        f.mutex.write {
                            ready = true
                            condition.signalAll() shouldBe 1
                        }
                        waiter.join()
                    }
                }
                f.shouldBeFree()
            }
        }
    }

    test("coroutineScope, supervisorScope and withTimeout blocks are the same owner") {
        val f = Fixture(Policy.FAIR, reentrant = true)
        bounded {
            f.mutex.write {
                coroutineScope { supervisorScope { withTimeout(5.seconds) { f.mutex.write { } } } }
                f.lock.isWriteLocked shouldBe true
            }
        }
        f.shouldBeFree()
    }

    test("two different coroutines inside withContext(NonCancellable) are two owners") {
        val f = Fixture(Policy.WRITER_PREFERRING, reentrant = true)
        bounded {
            coroutineScope {
                val aInside = CompletableDeferred<Unit>()
                val aLeave = CompletableDeferred<Unit>()
                var bEnteredWhileAHeld = false
                var aHolding = false
                val a = launch(Dispatchers.Default) {
                    withContext(NonCancellable) {
                        f.mutex.write {
                            aHolding = true
                            aInside.complete(Unit)
                            aLeave.await()
                            aHolding = false
                        }
                    }
                }
                aInside.await()
                val b = launch(Dispatchers.Default) {
                    withContext(NonCancellable) {
                        f.mutex.write { if (aHolding) bEnteredWhileAHeld = true }
                    }
                }
                f.lock.awaitQueueLength(1) // B waits: it is not A
                aLeave.complete(Unit)
                a.join()
                b.join()
                bEnteredWhileAHeld shouldBe false
            }
        }
        f.shouldBeFree()
    }

    test("launch and async children are other owners: they wait for the parent's write scope") {
        val f = Fixture(Policy.WRITER_PREFERRING, reentrant = true)
        bounded {
            coroutineScope {
                var childEntered = false
                lateinit var child: Job
                lateinit var reader: kotlinx.coroutines.Deferred<Int>
                f.mutex.write {
                    child = launch { f.mutex.write { childEntered = true } }
                    reader = async { f.mutex.read { f.mutex.readHolds } }
                    f.lock.awaitQueueLength(2)
                    childEntered shouldBe false
                }
                child.join()
                childEntered shouldBe true
                reader.await() shouldBe 1
            }
        }
        f.shouldBeFree()
    }

    test("the global NonCancellable is never an owner; a bare Job of a hand-started coroutine is") {
        scopeOwner(NonCancellable) shouldBe null // shared by every such coroutine: each scope its own owner
        val bare = Job()
        scopeOwner(bare) shouldBe bare
        scopeOwner(null) shouldBe null
    }
})
