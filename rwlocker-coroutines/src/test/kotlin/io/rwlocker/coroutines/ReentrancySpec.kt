package io.rwlocker.coroutines

import io.kotest.assertions.throwables.shouldThrowExactly
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.rwlocker.Policy
import io.rwlocker.Policy.READER_PREFERRING
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineName
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.test.runCurrent
import kotlinx.coroutines.test.runTest
import kotlin.time.Duration.Companion.seconds

/**
 * Recursion, reentrancy and upgrade detection per scope of the same coroutine (DESIGN.md 4.1 and
 * 5.1): a reentrant writer re-enters and may read; without reentrancy these fail fast with
 * IllegalStateException, as does an upgrade; read recursion never deadlocks behind a waiting
 * writer; a child coroutine is another owner. After every failure the lock state is clean.
 */
class ReentrancySpec : FunSpec({
    timeout = 30_000

    for (policy in ALL_POLICIES) {
        context("$policy, reentrant writer") {
            test("a nested write { } in the same coroutine re-enters; the lock is held until the outer scope ends") {
                runTest(timeout = 10.seconds) {
                    val f = Fixture(policy, reentrant = true)
                    val result = f.mutex.write {
                        val inner = f.mutex.write {
                            f.mutex.write { f.shouldHave(writeLocked = true, readHolds = 0, queued = 0); "deep" }
                        }
                        f.shouldHave(writeLocked = true, readHolds = 0, queued = 0)
                        f.mutex.tryLockWrite() shouldBe false
                        inner
                    }
                    result shouldBe "deep"
                    f.shouldBeFree()
                }
            }

            test("a nested write keeps others out until the outermost scope ends") {
                runTest(timeout = 10.seconds) {
                    val f = Fixture(policy, reentrant = true)
                    val otherIn = CompletableDeferred<Unit>()
                    f.mutex.write {
                        launch { f.mutex.read { otherIn.complete(Unit) } }
                        f.mutex.write { }
                        runCurrent()
                        otherIn.isCompleted shouldBe false
                        f.shouldHave(writeLocked = true, readHolds = 0, queued = 1)
                    }
                    runCurrent()
                    otherIn.isCompleted shouldBe true
                    f.shouldBeFree()
                }
            }

            test("read { } inside write { } is allowed and counted") {
                runTest(timeout = 10.seconds) {
                    val f = Fixture(policy, reentrant = true)
                    f.mutex.write {
                        f.mutex.read {
                            f.shouldHave(writeLocked = true, readHolds = 1, queued = 0)
                            f.mutex.read { f.mutex.readHolds } shouldBe 2
                        }
                        f.shouldHave(writeLocked = true, readHolds = 0, queued = 0)
                    }
                    f.shouldBeFree()
                }
            }

            test("downgrade() of a nested write scope: IllegalStateException, state unchanged") {
                runTest(timeout = 10.seconds) {
                    val f = Fixture(policy, reentrant = true)
                    f.mutex.write {
                        f.mutex.write {
                            shouldThrowExactly<IllegalStateException> { downgrade() }.message shouldContain "nested"
                            f.shouldHave(writeLocked = true, readHolds = 0, queued = 0)
                        }
                        downgrade() // the outer one may
                        f.shouldHave(writeLocked = false, readHolds = 1, queued = 0)
                    }
                    f.shouldBeFree()
                }
            }

            test("write { } inside read { } (upgrade) still fails fast") {
                runTest(timeout = 10.seconds) {
                    val f = Fixture(policy, reentrant = true)
                    f.mutex.read {
                        shouldThrowExactly<IllegalStateException> { f.mutex.write { } }
                        f.shouldHave(writeLocked = false, readHolds = 1, queued = 0)
                    }
                    f.shouldBeFree()
                }
            }
        }

        context("$policy, non-reentrant writer") {
            test("a nested write { } fails fast with IllegalStateException; the outer scope still holds") {
                runTest(timeout = 10.seconds) {
                    val f = Fixture(policy)
                    var innerRan = false
                    f.mutex.write {
                        shouldThrowExactly<IllegalStateException> { f.mutex.write { innerRan = true } }.message shouldContain "reentrant"
                        f.shouldHave(writeLocked = true, readHolds = 0, queued = 0)
                    }
                    innerRan shouldBe false
                    f.shouldBeFree()
                }
            }

            test("read { } inside write { } fails fast with IllegalStateException") {
                runTest(timeout = 10.seconds) {
                    val f = Fixture(policy)
                    f.mutex.write {
                        shouldThrowExactly<IllegalStateException> { f.mutex.read { } }
                        f.shouldHave(writeLocked = true, readHolds = 0, queued = 0)
                    }
                    f.shouldBeFree()
                }
            }

            test("write { } inside read { } (upgrade) fails fast with IllegalStateException") {
                runTest(timeout = 10.seconds) {
                    val f = Fixture(policy)
                    f.mutex.read {
                        shouldThrowExactly<IllegalStateException> { f.mutex.write { } }.message shouldContain "upgrad"
                        f.shouldHave(writeLocked = false, readHolds = 1, queued = 0)
                    }
                    f.shouldBeFree()
                }
            }

            test("write { } inside a downgraded write scope is an upgrade too") {
                runTest(timeout = 10.seconds) {
                    val f = Fixture(policy)
                    f.mutex.write {
                        downgrade()
                        shouldThrowExactly<IllegalStateException> { f.mutex.write { } }
                        f.shouldHave(writeLocked = false, readHolds = 1, queued = 0)
                    }
                    f.shouldBeFree()
                }
            }
        }

        context("$policy, recursion and other owners") {
            test("read { } nested in read { } while a writer waits does not deadlock") {
                runTest(timeout = 10.seconds) {
                    val f = Fixture(policy)
                    val writerIn = CompletableDeferred<Unit>()
                    val result = f.mutex.read {
                        launch { f.mutex.write { writerIn.complete(Unit) } }
                        runCurrent()
                        f.shouldHave(writeLocked = false, readHolds = 1, queued = 1)
                        f.mutex.read {
                            f.mutex.read { f.mutex.readHolds }
                        }
                    }
                    result shouldBe 3
                    runCurrent()
                    writerIn.isCompleted shouldBe true
                    f.shouldBeFree()
                }
            }

            test("a child launched inside a write scope is another owner: it waits until the scope ends") {
                runTest(timeout = 10.seconds) {
                    val f = Fixture(policy) // even without reentrancy: no IllegalStateException for the child
                    val childIn = CompletableDeferred<Boolean>()
                    val parent = launch {
                        f.mutex.write {
                            launch { f.mutex.write { childIn.complete(f.mutex.isWriteLocked) } }
                            runCurrent()
                            childIn.isCompleted shouldBe false
                            f.shouldHave(writeLocked = true, readHolds = 0, queued = 1)
                        }
                    }
                    runCurrent()
                    childIn.await() shouldBe true
                    parent.join()
                    f.shouldBeFree()
                }
            }

            test("a child launched inside a read scope is another owner: it queues behind a waiting writer like a newcomer") {
                runTest(timeout = 10.seconds) {
                    val f = Fixture(policy)
                    val order = mutableListOf<String>()
                    val parent = launch {
                        f.mutex.read {
                            launch { f.mutex.write { order += "writer" } }
                            runCurrent()
                            launch { f.mutex.read { order += "child reader" } }
                            runCurrent()
                            if (policy == READER_PREFERRING) {
                                order shouldBe listOf("child reader") // readers enter whenever no writer holds
                            } else {
                                order shouldBe emptyList() // a newcomer behind a waiting writer (or EXCLUSIVE)
                                f.shouldHave(writeLocked = false, readHolds = 1, queued = 2)
                            }
                        }
                    }
                    runCurrent()
                    parent.join()
                    order shouldBe if (policy == READER_PREFERRING) listOf("child reader", "writer") else listOf("writer", "child reader")
                    f.shouldBeFree()
                }
            }
        }
    }

    test("recursion and upgrade detection hold for 100 concurrent reading coroutines (more owners than the slot table)") {
        runTest(timeout = 10.seconds) {
            val f = Fixture(Policy.WRITER_PREFERRING)
            val gate = CompletableDeferred<Unit>()
            val upgrades = mutableListOf<Throwable?>()
            val nestedHolds = mutableListOf<Int>()
            val readers = (0 until 100).map {
                launch {
                    f.mutex.read {
                        gate.await()
                        f.mutex.read { nestedHolds += f.mutex.readHolds }
                        upgrades += runCatching { f.mutex.write { } }.exceptionOrNull()
                    }
                }
            }
            runCurrent()
            f.shouldHave(writeLocked = false, readHolds = 100, queued = 0)
            val writerIn = CompletableDeferred<Unit>()
            launch { f.mutex.write { writerIn.complete(Unit) } }
            runCurrent()
            f.shouldHave(writeLocked = false, readHolds = 100, queued = 1)

            gate.complete(Unit) // every reader now recurses while the writer waits
            runCurrent()
            readers.forEach { it.isCompleted shouldBe true }
            nestedHolds.size shouldBe 100
            upgrades.size shouldBe 100
            upgrades.forEach { (it is IllegalStateException && it !is kotlinx.coroutines.CancellationException) shouldBe true }
            writerIn.isCompleted shouldBe true
            f.shouldBeFree()
        }
    }

    /*
     * Regression: coroutineScope { }, withContext { }, withTimeout { } and supervisorScope { } run
     * their block in a scoped child Job of the same, suspended, coroutine. Ownership used to be that
     * child Job, so the enclosing scope's holds were not recognised (read recursion while a writer
     * waits deadlocked, a reentrant nested write deadlocked, upgrade did not fail fast). Ownership is
     * now resolved through such scoped Jobs (scopeOwner in EngineMutex.kt).
     */
    context("scoping functions inside a scope are the same coroutine") {
        test("read { } nested via withTimeout { } while a writer waits enters at once").config(enabled = SCOPED_OWNER_FIXED) {
            runTest(timeout = 10.seconds) {
                val f = Fixture(Policy.WRITER_PREFERRING)
                f.mutex.read {
                    val writer = launch { f.mutex.write { } }
                    runCurrent()
                    f.shouldHave(writeLocked = false, readHolds = 1, queued = 1)
                    // observed: queued behind the writer, TimeoutCancellationException after 1 s (virtual)
                    withTimeout(1_000) { f.mutex.read { f.mutex.readHolds } } shouldBe 2
                    writer.isActive shouldBe true
                }
                runCurrent()
                f.shouldBeFree()
            }
        }

        test("read { } nested via coroutineScope { } while a writer waits enters at once").config(enabled = SCOPED_OWNER_FIXED) {
            runTest(timeout = 10.seconds) {
                val f = Fixture(Policy.FAIR)
                f.mutex.read {
                    launch { f.mutex.write { } }
                    runCurrent()
                    // observed: deadlock (the test times out after 10 s of real time)
                    coroutineScope { f.mutex.read { f.mutex.readHolds } } shouldBe 2
                }
                runCurrent()
                f.shouldBeFree()
            }
        }

        test("a reentrant nested write { } inside withContext { } re-enters").config(enabled = SCOPED_OWNER_FIXED) {
            runTest(timeout = 10.seconds) {
                val f = Fixture(Policy.WRITER_PREFERRING, reentrant = true)
                f.mutex.write {
                    // observed: deadlock (waits for its own write lock)
                    withContext(CoroutineName("inner")) { f.mutex.write { "inner" } } shouldBe "inner"
                }
                f.shouldBeFree()
            }
        }

        test("a non-reentrant nested write { } and an upgrade inside withTimeout { } fail fast").config(enabled = SCOPED_OWNER_FIXED) {
            runTest(timeout = 10.seconds) {
                val f = Fixture(Policy.WRITER_PREFERRING)
                f.mutex.write {
                    // observed: TimeoutCancellationException (it queued for its own lock), not IllegalStateException
                    withTimeout(1_000) { shouldThrowExactly<IllegalStateException> { f.mutex.write { } } }
                }
                f.mutex.read {
                    withTimeout(1_000) { shouldThrowExactly<IllegalStateException> { f.mutex.write { } } }
                }
                f.shouldBeFree()
            }
        }
    }
})

/** Scoped child Jobs (coroutineScope, withContext, withTimeout) are the same owner (regression tests). */
internal const val SCOPED_OWNER_FIXED: Boolean = true
