package io.rwlocker.coroutines

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit.SECONDS
import java.util.concurrent.atomic.AtomicReference
import kotlin.concurrent.thread
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.test.runTest

/**
 * The raw calls are owner-less but checked (DESIGN.md 5.1): `unlockRead`, `unlockWrite` and
 * `downgrade` without a matching hold taken by a raw call throw IllegalStateException and leave
 * the lock state untouched, whoever else holds the lock (a scope, a raw call of the other side,
 * a thread of the shared RWLock).
 */
class MisuseSpec : FunSpec({
    timeout = 30_000

    /**
     * Asserts that the raw releases fail and the state stays [writeLocked]/[readHolds]; with
     * [rawSide] "read" (or "write") the caller holds that side by a raw call, whose own release
     * (and downgrade, for "write") is not tried.
     */
    fun Fixture.allRawReleasesFail(writeLocked: Boolean, readHolds: Int, rawSide: String? = null) {
        if (rawSide != "read") {
            shouldThrow<IllegalStateException> { mutex.unlockRead() }
            shouldHave(writeLocked, readHolds, queued = 0)
        }
        if (rawSide != "write") {
            shouldThrow<IllegalStateException> { mutex.unlockWrite() }
            shouldHave(writeLocked, readHolds, queued = 0)
        }
        if (rawSide != "write") {
            shouldThrow<IllegalStateException> { mutex.downgrade() }
            shouldHave(writeLocked, readHolds, queued = 0)
        }
    }

    for (policy in ALL_POLICIES) {
        context("$policy") {
            test("on a free mutex") {
                val f = Fixture(policy)
                f.allRawReleasesFail(writeLocked = false, readHolds = 0)
                f.shouldBeFree()
                f.mutex.tryLockWrite() shouldBe true // still usable
                f.mutex.unlockWrite()
                f.shouldBeFree()
            }

            test("while a read { } scope holds: its hold is not a raw hold") {
                runTest {
                    val f = Fixture(policy)
                    f.mutex.read { f.allRawReleasesFail(writeLocked = false, readHolds = 1) }
                    f.shouldBeFree()
                }
            }

            test("while a write { } scope holds: its lock is not a raw hold") {
                runTest {
                    val f = Fixture(policy)
                    f.mutex.write { f.allRawReleasesFail(writeLocked = true, readHolds = 0) }
                    f.shouldBeFree()
                }
            }

            test("the wrong side of a raw hold, and one release too many") {
                runTest {
                    val f = Fixture(policy)
                    f.mutex.lockRead()
                    f.allRawReleasesFail(writeLocked = false, readHolds = 1, rawSide = "read")
                    f.mutex.unlockRead()
                    shouldThrow<IllegalStateException> { f.mutex.unlockRead() }
                    f.shouldBeFree()

                    f.mutex.lockWrite()
                    f.allRawReleasesFail(writeLocked = true, readHolds = 0, rawSide = "write")
                    f.mutex.unlockWrite()
                    shouldThrow<IllegalStateException> { f.mutex.unlockWrite() }
                    shouldThrow<IllegalStateException> { f.mutex.downgrade() }
                    f.shouldBeFree()

                    f.mutex.lockWrite()
                    f.mutex.downgrade()
                    shouldThrow<IllegalStateException> { f.mutex.downgrade() } // already a read hold
                    shouldThrow<IllegalStateException> { f.mutex.unlockWrite() }
                    f.shouldHave(writeLocked = false, readHolds = 1, queued = 0)
                    f.mutex.unlockRead()
                    f.shouldBeFree()
                }
            }

            test("raw read holds are owner-less: taken by some coroutines, released by another") {
                runTest {
                    val f = Fixture(policy)
                    if (policy == io.rwlocker.Policy.EXCLUSIVE) {
                        async { f.mutex.lockRead() }.await()
                        f.mutex.unlockRead()
                    } else {
                        (1..3).map { async { f.mutex.lockRead() } }.awaitAll()
                        f.mutex.readHolds shouldBe 3
                        repeat(3) { f.mutex.unlockRead() }
                    }
                    shouldThrow<IllegalStateException> { f.mutex.unlockRead() }
                    f.shouldBeFree()
                }
            }

            test("while a thread of the shared RWLock holds write(): nothing is released") {
                val f = Fixture(policy)
                val locked = CountDownLatch(1)
                val release = CountDownLatch(1)
                val heldAfter = AtomicReference<Pair<Boolean, Int>>()
                val t = thread {
                    f.lock.write().lock()
                    try {
                        locked.countDown()
                        release.await(10, SECONDS)
                        heldAfter.set(f.lock.isWriteLockedByCurrentThread to f.lock.write().getHoldCount())
                    } finally {
                        f.lock.write().unlock()
                    }
                }
                try {
                    locked.await(10, SECONDS) shouldBe true
                    f.allRawReleasesFail(writeLocked = true, readHolds = 0)
                } finally {
                    release.countDown()
                    t.join(10_000)
                }
                heldAfter.get() shouldBe (true to 1)
                f.shouldBeFree()
            }

            test("while a thread of the shared RWLock holds read(): nothing is released") {
                val f = Fixture(policy)
                val locked = CountDownLatch(1)
                val release = CountDownLatch(1)
                val heldAfter = AtomicReference<Int>()
                val t = thread {
                    f.lock.read().lock()
                    try {
                        locked.countDown()
                        release.await(10, SECONDS)
                        heldAfter.set(f.lock.read().getHoldCount())
                    } finally {
                        f.lock.read().unlock()
                    }
                }
                try {
                    locked.await(10, SECONDS) shouldBe true
                    f.allRawReleasesFail(writeLocked = false, readHolds = 1)
                } finally {
                    release.countDown()
                    t.join(10_000)
                }
                heldAfter.get() shouldBe 1
                f.shouldBeFree()
            }
        }
    }
})
