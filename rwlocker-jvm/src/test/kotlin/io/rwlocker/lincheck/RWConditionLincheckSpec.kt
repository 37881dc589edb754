package io.rwlocker.lincheck

import io.kotest.core.spec.style.FunSpec
import kotlin.time.Duration.Companion.minutes

/**
 * Lincheck model checking and stress of [io.rwlocker.RWCondition] through the turnstile
 * [ConditionTurnstile] (waits under read, under write and with nested holds; signal(n) and
 * signalAll) against the ticket counter [ConditionTurnstileModel], in each [LockConfig].
 */
class RWConditionLincheckSpec : FunSpec({
    // Lincheck reports hangs itself; the bound is a last resort, and blockingTest lets it interrupt check().
    timeout = 5.minutes.inWholeMilliseconds
    blockingTest = true

    for (config in LockConfig.entries) {
        test("model checking: $config") {
            LincheckScenarios.blockingModelChecking()
                .sequentialSpecification(ConditionTurnstileModel::class.java)
                .check(ConditionTurnstiles.of(config))
        }
        test("stress: $config") {
            LincheckScenarios.blockingStress()
                .sequentialSpecification(ConditionTurnstileModel::class.java)
                .check(ConditionTurnstiles.of(config))
        }
    }
})
