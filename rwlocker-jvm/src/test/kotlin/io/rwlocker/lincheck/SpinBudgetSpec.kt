package io.rwlocker.lincheck

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.rwlocker.internal.Spin

/**
 * The Lincheck suites run in their own Surefire execution with `io.rwlocker.spins=0` (see the
 * module's pom and `internal/Spin.java`): spin iterations would multiply the schedules the model
 * checker explores, and the negative controls must catch their planted bugs within budget.
 * This pins that wiring: if the property is lost, this fails instead of the budget silently
 * weakening.
 */
class SpinBudgetSpec : FunSpec({
    test("the Lincheck execution runs the locks with no spinning") {
        System.getProperty("io.rwlocker.spins") shouldBe "0"
        Spin.ACQUIRE shouldBe 0
        Spin.GRANT shouldBe 0
    }
})
