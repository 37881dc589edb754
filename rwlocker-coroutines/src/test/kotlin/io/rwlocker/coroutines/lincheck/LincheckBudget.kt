package io.rwlocker.coroutines.lincheck

import org.jetbrains.lincheck.datastructures.ModelCheckingOptions
import org.jetbrains.lincheck.datastructures.StressOptions

/**
 * The Lincheck budget of this module, read from the `lincheck.iterations` and
 * `lincheck.invocations` system properties (set by Surefire from the parent pom; raised by
 * `-Plincheck-deep`), as in rwlocker-jvm's LincheckWiringTest. This module runs many Lincheck
 * tests, so each gets a share of the budget: `share` divides the invocations per iteration (the
 * default budget, 10 x 1,000, becomes 10 x 100 for model checking and 10 x 200 for stress).
 */
internal object LincheckBudget {
    private val iterations: Int get() = System.getProperty("lincheck.iterations", "10").toInt()
    private val invocations: Int get() = System.getProperty("lincheck.invocations", "1000").toInt()

    /** Scenario shape shared by all tests: small, since every operation may suspend. */
    private const val THREADS = 3
    private const val ACTORS_PER_THREAD = 2

    /** Model checking with this module's share of the budget. */
    fun modelChecking(share: Int = 10): ModelCheckingOptions = ModelCheckingOptions()
        .iterations(iterations)
        .invocationsPerIteration(maxOf(1, invocations / share))
        .threads(THREADS)
        .actorsPerThread(ACTORS_PER_THREAD)
        .actorsBefore(1)
        .actorsAfter(1)

    /** Stress testing with this module's share of the budget. */
    fun stress(share: Int = 5): StressOptions = StressOptions()
        .iterations(iterations)
        .invocationsPerIteration(maxOf(1, invocations / share))
        .threads(THREADS)
        .actorsPerThread(ACTORS_PER_THREAD)
        .actorsBefore(1)
        .actorsAfter(1)
}
