package io.rwlocker.lincheck

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.string.shouldContain
import org.jetbrains.lincheck.LincheckAssertionError
import kotlin.time.Duration.Companion.minutes

/**
 * Lincheck model checking and stress of [GuardedTally] (a counter in a `Guarded` value, used
 * through read, write, update and set, with nesting and a failing updater) against [TallyModel]:
 * through `Guarded.of(value)` and over a fair reentrant and an exclusive lock. The scenario shapes
 * and budget shares are [LincheckScenarios]'s; the negative control proves they find the seed's
 * "readers can mutate" flaw when it is planted.
 */
class GuardedTallyLincheckSpec : FunSpec({
    // Lincheck reports hangs itself; the bound is a last resort, and blockingTest lets it interrupt check().
    timeout = 5.minutes.inWholeMilliseconds
    blockingTest = true

    val checked = listOf(
        Triple("Guarded.of(value): writer-preferring", GuardedTallies.Default::class.java, TallyModel::class.java),
        Triple("fair, reentrant writer", GuardedTallies.FairReentrant::class.java, ReentrantTallyModel::class.java),
        Triple("exclusive", GuardedTallies.Exclusive::class.java, TallyModel::class.java),
    )
    for ((name, structure, model) in checked) {
        test("model checking: $name") {
            LincheckScenarios.blockingModelChecking()
                .sequentialSpecification(model)
                .check(structure)
        }
        test("stress: $name") {
            LincheckScenarios.blockingStress()
                .sequentialSpecification(model)
                .check(structure)
        }
    }

    test("negative control: model checking finds a mutation made inside read") {
        val failure = shouldThrow<LincheckAssertionError> {
            LincheckScenarios.blockingModelChecking()
                .minimizeFailedScenario(false)
                .sequentialSpecification(TallyModel::class.java)
                .check(GuardedTallies.MutationUnderRead::class.java)
        }
        failure.message shouldContain "Invalid execution results"
    }
})
