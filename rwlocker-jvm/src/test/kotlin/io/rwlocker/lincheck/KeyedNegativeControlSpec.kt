package io.rwlocker.lincheck

import io.kotest.assertions.throwables.shouldThrowAny
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.string.shouldContain
import kotlin.time.Duration.Companion.minutes

/**
 * Proves that the opposite-transfers check of `KeyedCountersLincheckSpec` (same options, same
 * budget) finds the two kinds of bug the keyed layer is there to prevent, when they are planted in
 * [KeyedCounters]: a key updated by two writers at once (`transfer` under `readAll`), and locks
 * taken in argument order (the ABBA deadlock of the seed). Scenario minimization is off only to
 * save time. The finding is Lincheck's report of the first failing execution; its replay (for the
 * trace) may then see the shared table left held by the failed run and report non-determinism
 * instead of a LincheckAssertionError, with that first report in its message (see
 * [KeyedCounters.table]), so the controls check the message.
 */
class KeyedNegativeControlSpec : FunSpec({
    timeout = 5.minutes.inWholeMilliseconds
    blockingTest = true

    test("model checking finds the lost update of transfers made under readAll") {
        val failure = shouldThrowAny {
            KeyedCounterConfigs.oppositeTransfers(KeyedCounterConfigs.oppositeTransfersBudget)
                .minimizeFailedScenario(false)
                .check(KeyedCounterConfigs.TransferUnderReadAll::class.java)
        }
        failure.message shouldContain "Invalid execution results"
    }

    test("model checking reports the deadlock of transfers that lock in argument order") {
        val failure = shouldThrowAny {
            KeyedCounterConfigs.oppositeTransfers(KeyedCounterConfigs.oppositeTransfersBudget)
                .minimizeFailedScenario(false)
                .check(KeyedCounterConfigs.TransferInArgumentOrder::class.java)
        }
        failure.message shouldContain "hung"
    }
})
