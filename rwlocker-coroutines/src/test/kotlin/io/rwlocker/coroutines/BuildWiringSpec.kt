package io.rwlocker.coroutines

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.Semaphore
import kotlinx.coroutines.sync.withLock
import kotlinx.coroutines.test.runTest

/** Placeholder that proves the Kotlin module's test wiring (Kotest, coroutines-test). */
class BuildWiringSpec : FunSpec({
    test("kotlinx Semaphore hands out exactly its permits") {
        val semaphore = Semaphore(2)
        semaphore.tryAcquire() shouldBe true
        semaphore.tryAcquire() shouldBe true
        semaphore.tryAcquire() shouldBe false
        semaphore.release()
        semaphore.availablePermits shouldBe 1
    }

    test("kotlinx Mutex is not reentrant: a second lock by its owner is refused") {
        runTest {
            val mutex = Mutex()
            val owner = Any()
            mutex.withLock(owner) {
                mutex.tryLock() shouldBe false
                shouldThrow<IllegalStateException> { mutex.tryLock(owner) }
                mutex.holdsLock(owner) shouldBe true
            }
            mutex.isLocked shouldBe false
        }
    }
})
