package io.rwlocker.coroutines

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.rwlocker.Policy
import io.rwlocker.Policy.FAIR
import io.rwlocker.Policy.WRITER_PREFERRING
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.async
import kotlinx.coroutines.launch
import kotlinx.coroutines.test.runCurrent
import kotlinx.coroutines.test.runTest

/**
 * The `read { }` / `write { }` scope functions: results and exceptions pass through, the lock is
 * released however the block ends, and [WriteScope.downgrade] turns the rest of a write block
 * into a reader.
 */
class ScopeSpec : FunSpec({
    timeout = 30_000

    class Boom : RuntimeException("boom")

    for (policy in ALL_POLICIES) {
        context("$policy") {
            test("read { } and write { } return the block's result and release the lock") {
                runTest {
                    val f = Fixture(policy)
                    f.mutex.read {
                        f.shouldHave(writeLocked = false, readHolds = 1, queued = 0)
                        "read"
                    } shouldBe "read"
                    f.shouldBeFree()
                    f.mutex.write {
                        f.shouldHave(writeLocked = true, readHolds = 0, queued = 0)
                        42
                    } shouldBe 42
                    f.shouldBeFree()
                }
            }

            test("an exception passes through and the lock is released") {
                runTest {
                    val f = Fixture(policy)
                    shouldThrow<Boom> { f.mutex.read { throw Boom() } }
                    f.shouldBeFree()
                    shouldThrow<Boom> { f.mutex.write { throw Boom() } }
                    f.shouldBeFree()
                    shouldThrow<Boom> { f.mutex.write { downgrade(); throw Boom() } }
                    f.shouldBeFree()
                }
            }

            test("an exception thrown after a waiting acquisition releases the lock too") {
                runTest {
                    val f = Fixture(policy)
                    f.mutex.lockWrite()
                    val reader = async { runCatching { f.mutex.read { throw Boom() } } }
                    val writer = async { runCatching { f.mutex.write { throw Boom() } } }
                    runCurrent()
                    f.shouldHave(writeLocked = true, readHolds = 0, queued = 2)
                    f.mutex.unlockWrite()
                    runCurrent()
                    (reader.await().exceptionOrNull() is Boom) shouldBe true
                    (writer.await().exceptionOrNull() is Boom) shouldBe true
                    f.shouldBeFree()
                }
            }

            test("a non-local return from a scope releases the lock") {
                runTest {
                    val f = Fixture(policy)
                    suspend fun firstEven(values: List<Int>): Int? {
                        f.mutex.read {
                            for (v in values) if (v % 2 == 0) return v
                        }
                        return null
                    }
                    firstEven(listOf(1, 3, 4, 5)) shouldBe 4
                    f.shouldBeFree()
                }
            }

            test("downgrade(): the rest of the block runs as a reader; the scope releases the read hold") {
                runTest {
                    val f = Fixture(policy)
                    val result = f.mutex.write {
                        f.shouldHave(writeLocked = true, readHolds = 0, queued = 0)
                        downgrade()
                        f.shouldHave(writeLocked = false, readHolds = 1, queued = 0)
                        f.mutex.tryLockWrite() shouldBe false
                        "after downgrade"
                    }
                    result shouldBe "after downgrade"
                    f.shouldBeFree()
                }
            }

            test("downgrade(): a queued writer stays out until the scope ends") {
                runTest {
                    val f = Fixture(policy)
                    val writerEntered = CompletableDeferred<Unit>()
                    lateinit var writer: kotlinx.coroutines.Job
                    f.mutex.write {
                        writer = launch { f.mutex.write { writerEntered.complete(Unit) } }
                        runCurrent()
                        f.shouldHave(writeLocked = true, readHolds = 0, queued = 1)
                        downgrade()
                        runCurrent()
                        writerEntered.isCompleted shouldBe false
                        f.shouldHave(writeLocked = false, readHolds = 1, queued = 1)
                    }
                    runCurrent()
                    writerEntered.isCompleted shouldBe true
                    writer.join()
                    f.shouldBeFree()
                }
            }

            test("downgrade twice: IllegalStateException, and the scope still releases its read hold") {
                runTest {
                    val f = Fixture(policy)
                    f.mutex.write {
                        downgrade()
                        shouldThrow<IllegalStateException> { downgrade() }.message shouldContain "already downgraded"
                        f.shouldHave(writeLocked = false, readHolds = 1, queued = 0)
                    }
                    f.shouldBeFree()
                }
            }
        }
    }

    test("downgrade(): a reader waiting on the write enters while the block goes on (WRITER_PREFERRING, no writer queued)") {
        runTest {
            val f = Fixture(WRITER_PREFERRING)
            val readerIn = CompletableDeferred<Int>()
            val readerGo = CompletableDeferred<Unit>()
            f.mutex.write {
                launch { f.mutex.read { readerIn.complete(f.mutex.readHolds); readerGo.await() } }
                runCurrent()
                readerIn.isCompleted shouldBe false
                downgrade()
                runCurrent()
                readerIn.await() shouldBe 2 // the reader is in beside this (downgraded) scope
                f.shouldHave(writeLocked = false, readHolds = 2, queued = 0)
                readerGo.complete(Unit)
                runCurrent()
                f.shouldHave(writeLocked = false, readHolds = 1, queued = 0)
            }
            f.shouldBeFree()
        }
    }

    test("downgrade() under FAIR: waiting readers enter, the queued writer stays out") {
        runTest {
            val f = Fixture(FAIR)
            val stage = Stage(this, f.mutex)
            try {
                f.mutex.write {
                    val r1 = stage.reader("r1"); runCurrent()
                    val w = stage.writer("w"); runCurrent()
                    val r2 = stage.reader("r2"); runCurrent()
                    f.shouldHave(writeLocked = true, readHolds = 0, queued = 3)
                    downgrade()
                    runCurrent()
                    stage.inside shouldBe setOf("r1", "r2")
                    f.shouldHave(writeLocked = false, readHolds = 3, queued = 1)
                    r1.release(); r2.release(); w.release()
                    runCurrent()
                    stage.inside shouldBe emptySet()
                    f.shouldHave(writeLocked = false, readHolds = 1, queued = 1)
                }
                runCurrent()
                stage.entered.last() shouldBe "w"
                runCurrent()
                f.shouldBeFree()
            } finally {
                stage.releaseAll()
            }
        }
    }

    test("a downgraded scope may read again while a writer waits (it is a reader now)") {
        runTest {
            val f = Fixture(Policy.WRITER_PREFERRING)
            f.mutex.write {
                downgrade()
                launch { f.mutex.write { } }
                runCurrent()
                f.shouldHave(writeLocked = false, readHolds = 1, queued = 1)
                f.mutex.read { f.mutex.readHolds } shouldBe 2
            }
            runCurrent()
            f.shouldBeFree()
        }
    }

    test("read { } on a ReadWriteMutex not made by this library: UnsupportedOperationException") {
        runTest {
            val delegate = ReadWriteMutex()
            val foreign = object : ReadWriteMutex by delegate {}
            shouldThrow<UnsupportedOperationException> { foreign.read { } }
            shouldThrow<UnsupportedOperationException> { foreign.write { } }
            delegate.readHolds shouldBe 0
            delegate.isWriteLocked shouldBe false
        }
    }
})
