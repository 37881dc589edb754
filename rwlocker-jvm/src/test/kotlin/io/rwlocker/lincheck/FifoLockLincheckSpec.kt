package io.rwlocker.lincheck

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.string.shouldContain
import org.jetbrains.lincheck.LincheckAssertionError
import kotlin.time.Duration.Companion.minutes

/**
 * Lincheck model checking and stress of [io.rwlocker.FifoLock] (blocking face): the read/write
 * recipe ([FifoCounter]), the semaphore recipe with an exclusive step ([FifoPool]) and the hold
 * table under holds kept across operations ([FifoHolds]), with the budget shares of
 * [LincheckScenarios]; plus a negative control proving the share finds a planted bug.
 */
class FifoLockLincheckSpec : FunSpec({
    // Lincheck reports hangs itself; the bound is a last resort, and blockingTest lets it interrupt check().
    timeout = 5.minutes.inWholeMilliseconds
    blockingTest = true

    test("read/write recipe: model checking") {
        LincheckScenarios.blockingModelChecking()
            .sequentialSpecification(FifoCounterModel::class.java)
            .check(FifoCounters.ReadWrite::class.java)
    }
    test("read/write recipe: stress") {
        LincheckScenarios.blockingStress()
            .sequentialSpecification(FifoCounterModel::class.java)
            .check(FifoCounters.ReadWrite::class.java)
    }
    test("semaphore recipe with an exclusive step: model checking") {
        LincheckScenarios.blockingModelChecking()
            .sequentialSpecification(FifoPoolModel::class.java)
            .check(FifoPoolOfTwo::class.java)
    }
    test("semaphore recipe with an exclusive step: stress") {
        LincheckScenarios.blockingStress()
            .sequentialSpecification(FifoPoolModel::class.java)
            .check(FifoPoolOfTwo::class.java)
    }
    test("hold table (holds kept across operations): model checking") {
        LincheckScenarios.lockStateModelChecking()
            .sequentialSpecification(FifoHoldsModel::class.java)
            .check(FifoHoldsTable::class.java)
    }
    test("hold table (holds kept across operations): stress") {
        LincheckScenarios.lockStateStress()
            .sequentialSpecification(FifoHoldsModel::class.java)
            .check(FifoHoldsTable::class.java)
    }
    test("negative control: model checking finds an increment made under the read mode") {
        val failure = shouldThrow<LincheckAssertionError> {
            LincheckScenarios.blockingModelChecking()
                .minimizeFailedScenario(false)
                .sequentialSpecification(FifoCounterModel::class.java)
                .check(FifoCounters.IncrementUnderRead::class.java)
        }
        failure.message shouldContain "Invalid execution results"
    }
})
