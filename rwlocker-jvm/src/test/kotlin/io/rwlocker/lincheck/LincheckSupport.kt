package io.rwlocker.lincheck

import io.rwlocker.Policy
import io.rwlocker.RWLock
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions
import org.jetbrains.lincheck.datastructures.StressOptions

/**
 * The eight lock configurations every Lincheck test of the blocking face runs against: each
 * [Policy] with and without a reentrant writer.
 */
enum class LockConfig(val policy: Policy, val reentrantWriter: Boolean) {
    WRITER_PREFERRING(Policy.WRITER_PREFERRING, false),
    WRITER_PREFERRING_REENTRANT(Policy.WRITER_PREFERRING, true),
    READER_PREFERRING(Policy.READER_PREFERRING, false),
    READER_PREFERRING_REENTRANT(Policy.READER_PREFERRING, true),
    FAIR(Policy.FAIR, false),
    FAIR_REENTRANT(Policy.FAIR, true),
    EXCLUSIVE(Policy.EXCLUSIVE, false),
    EXCLUSIVE_REENTRANT(Policy.EXCLUSIVE, true);

    /** A fresh lock with this configuration. */
    fun newLock(): RWLock = RWLock.builder().policy(policy).reentrantWriter(reentrantWriter).build()

    override fun toString(): String = if (reentrantWriter) "$policy, reentrant writer" else "$policy"
}

/**
 * The Lincheck budget of this module.
 *
 * The base budget is read from the `lincheck.iterations` / `lincheck.invocations` system
 * properties exactly as `LincheckWiringTest` does (defaults 10 x 1,000; the parent pom passes
 * them, `-Plincheck-deep` raises them to 30 x 3,000). One test class here is checked in 8 lock
 * configurations x 2 modes, so each check gets a share of the base budget: the iterations and the
 * invocations per iteration are each divided (at least 1 is always run), so the deep profile
 * still scales every check up. The shares are chosen so that the whole module's Lincheck
 * time stays within a few minutes on 2 cores at the default budget; the negative controls prove
 * that the shares are still large enough to find a planted bug.
 */
object LincheckBudget {
    /** Base iterations (scenarios), from `lincheck.iterations`. */
    val iterations: Int = System.getProperty("lincheck.iterations", "10").toInt()

    /** Base invocations per scenario, from `lincheck.invocations`. */
    val invocations: Int = System.getProperty("lincheck.invocations", "1000").toInt()

    /** `iterations / divisor`, at least 1. */
    fun share(divisor: Int): Int = maxOf(1, iterations / divisor)

    /**
     * Model checking with `share(iterationDivisor)` scenarios of `invocations / invocationDivisor`
     * interleavings each (at least 1).
     */
    fun modelChecking(iterationDivisor: Int, invocationDivisor: Int): ModelCheckingOptions = ModelCheckingOptions()
        .iterations(share(iterationDivisor))
        .invocationsPerIteration(maxOf(1, invocations / invocationDivisor))

    /**
     * Stress with `share(iterationDivisor)` scenarios of `invocations / invocationDivisor` runs
     * each (at least 1): a stress invocation is a real parallel run, far more costly than a
     * model-checking one when operations park.
     */
    fun stress(iterationDivisor: Int, invocationDivisor: Int): StressOptions = StressOptions()
        .iterations(share(iterationDivisor))
        .invocationsPerIteration(maxOf(1, invocations / invocationDivisor))
}
