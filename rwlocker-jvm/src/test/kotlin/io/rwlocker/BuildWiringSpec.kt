package io.rwlocker

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.ints.shouldBeGreaterThan
import io.kotest.matchers.shouldBe
import io.rwlocker.internal.Spin
import java.util.concurrent.locks.ReentrantReadWriteLock

/**
 * Placeholder that proves the test wiring (Kotlin test compilation, Kotest on the JUnit
 * Platform, Surefire includes for `*Spec`) by pinning down two facts about the JDK lock we
 * compare against.
 */
class BuildWiringSpec : FunSpec({
    test("ReentrantReadWriteLock's read lock has no conditions") {
        val lock = ReentrantReadWriteLock()
        shouldThrow<UnsupportedOperationException> { lock.readLock().newCondition() }
    }

    test("ReentrantReadWriteLock counts read holds of the current thread") {
        val lock = ReentrantReadWriteLock()
        lock.readLock().lock()
        lock.readLock().lock()
        try {
            lock.readHoldCount shouldBe 2
            lock.readLockCount shouldBe 2
            lock.writeLock().tryLock() shouldBe false
        } finally {
            lock.readLock().unlock()
            lock.readLock().unlock()
        }
        lock.readLockCount shouldBe 0
    }

    test("the specs run with the default spin budget, so spinning is exercised") {
        System.getProperty("io.rwlocker.spins") shouldBe null
        Spin.ACQUIRE shouldBeGreaterThan 0
        Spin.GRANT shouldBeGreaterThan 0
    }
})
