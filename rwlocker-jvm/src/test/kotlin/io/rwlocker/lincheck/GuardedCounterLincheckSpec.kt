package io.rwlocker.lincheck

import io.kotest.core.spec.style.FunSpec
import kotlin.time.Duration.Companion.minutes

/**
 * Lincheck model checking and stress of [GuardedCounter] (a counter guarded by the lock, through
 * every acquisition path, downgrade and re-entry) against the plain counter [GuardedCounterModel],
 * in each [LockConfig].
 */
class GuardedCounterLincheckSpec : FunSpec({
    // Lincheck reports hangs itself; the bound is a last resort, and blockingTest lets it interrupt check().
    timeout = 5.minutes.inWholeMilliseconds
    blockingTest = true

    for (config in LockConfig.entries) {
        test("model checking: $config") {
            LincheckScenarios.blockingModelChecking()
                .sequentialSpecification(GuardedCounterModel::class.java)
                .check(GuardedCounters.of(config))
        }
        test("stress: $config") {
            LincheckScenarios.blockingStress()
                .sequentialSpecification(GuardedCounterModel::class.java)
                .check(GuardedCounters.of(config))
        }
    }
})
