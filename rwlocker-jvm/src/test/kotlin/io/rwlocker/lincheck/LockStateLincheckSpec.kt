package io.rwlocker.lincheck

import io.kotest.core.spec.style.FunSpec
import kotlin.time.Duration.Companion.minutes

/**
 * Lincheck model checking and stress of the lock's hold state under non-blocking operations kept
 * across operations ([LockState]) against the per-thread hold model [LockStateModel], in each
 * [LockConfig].
 */
class LockStateLincheckSpec : FunSpec({
    // Lincheck reports hangs itself; the bound is a last resort, and blockingTest lets it interrupt check().
    timeout = 5.minutes.inWholeMilliseconds
    blockingTest = true

    for (config in LockConfig.entries) {
        val (target, model) = LockStates.of(config)
        test("model checking: $config") {
            LincheckScenarios.lockStateModelChecking().sequentialSpecification(model).check(target)
        }
        test("stress: $config") {
            LincheckScenarios.lockStateStress().sequentialSpecification(model).check(target)
        }
    }
})
