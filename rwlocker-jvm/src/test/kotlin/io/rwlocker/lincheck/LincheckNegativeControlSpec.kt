package io.rwlocker.lincheck

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.string.shouldContain
import org.jetbrains.lincheck.LincheckAssertionError
import kotlin.time.Duration.Companion.minutes

/**
 * Proves that the scenario shapes and budget shares of [LincheckScenarios] are large enough to
 * find bugs: the same model-checking options, on the same structures with ALL their operations,
 * must FAIL when one bug of each kind the real checks look for is planted (a lost update, a lost
 * wake-up, a lock whose rules differ from the model). Scenario minimization is turned off here
 * only to save time; it does not change detection. Stress is not used for controls: whether a
 * stress run hits a race is a matter of luck.
 */
class LincheckNegativeControlSpec : FunSpec({
    // Lincheck reports hangs itself; the bound is a last resort, and blockingTest lets it interrupt check().
    timeout = 5.minutes.inWholeMilliseconds
    blockingTest = true

    test("model checking finds the lost update of one increment done under the read lock") {
        val failure = shouldThrow<LincheckAssertionError> {
            LincheckScenarios.blockingModelChecking()
                .minimizeFailedScenario(false)
                .sequentialSpecification(GuardedCounterModel::class.java)
                .check(GuardedCounters.IncrementUnderReadLock::class.java)
        }
        failure.message shouldContain "Invalid execution results"
    }

    test("model checking reports the hang of a lost wake-up (signal() where signalAll() is needed)") {
        val failure = shouldThrow<LincheckAssertionError> {
            LincheckScenarios.blockingModelChecking()
                .minimizeFailedScenario(false)
                .sequentialSpecification(ConditionTurnstileModel::class.java)
                .check(ConditionTurnstiles.SignalOne::class.java)
        }
        failure.message shouldContain "hung"
    }

    test("model checking tells the policies apart: a WRITER_PREFERRING lock fails the EXCLUSIVE hold model") {
        val failure = shouldThrow<LincheckAssertionError> {
            LincheckScenarios.lockStateModelChecking()
                .minimizeFailedScenario(false)
                .sequentialSpecification(LockStates.ExclusiveModel::class.java)
                .check(LockStates.WriterPreferring::class.java)
        }
        failure.message shouldContain "Invalid execution results"
    }

    test("model checking tells reentrancy apart: a reentrant-writer lock fails the non-reentrant hold model") {
        val failure = shouldThrow<LincheckAssertionError> {
            LincheckScenarios.lockStateModelChecking()
                .minimizeFailedScenario(false)
                .sequentialSpecification(LockStates.FairModel::class.java)
                .check(LockStates.FairReentrant::class.java)
        }
        failure.message shouldContain "Invalid execution results"
    }
})
