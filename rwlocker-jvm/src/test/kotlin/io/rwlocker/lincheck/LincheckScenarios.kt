package io.rwlocker.lincheck

import org.jetbrains.lincheck.datastructures.ModelCheckingOptions
import org.jetbrains.lincheck.datastructures.StressOptions

/**
 * The scenario shapes and budget shares of the Lincheck checks of the blocking face, shared by
 * the real checks and by their negative controls (so the controls prove the real budget finds
 * bugs). Budget: see [LincheckBudget]; at the default 10 x 1,000 every check runs 10 scenarios
 * of 100 invocations (many scenarios find more than many interleavings of a few, see the
 * controls).
 */
object LincheckScenarios {
    /**
     * Model checking of a structure whose operations all acquire and release inside themselves.
     *
     * `loopBound`: Lincheck lets `LockSupport.park` wake up spuriously, so a parked waiter is a
     * loop to it, and by default a loop of more than 50 iterations counts as stuck. With three
     * threads, two waiters can take turns for 50 iterations while the scheduler does not yet run
     * the thread the lock was just handed to: a correct run reported as a livelock (seen on the
     * RWCondition turnstile, whose waiter was granted and unparked). A bound of [LOOP_BOUND] makes
     * such starving schedules negligible; a real lost wake-up still hangs every schedule and is
     * still reported (see `LincheckNegativeControlSpec`).
     */
    fun blockingModelChecking(): ModelCheckingOptions = LincheckBudget.modelChecking(iterationDivisor = 1, invocationDivisor = 10)
        .threads(3).actorsPerThread(2).actorsBefore(1).actorsAfter(1)
        .loopBound(LOOP_BOUND)

    /** See [blockingModelChecking]. */
    const val LOOP_BOUND: Int = 300

    /** Stress of a structure whose operations all acquire and release inside themselves. */
    fun blockingStress(): StressOptions = LincheckBudget.stress(iterationDivisor = 1, invocationDivisor = 10)
        .threads(3).actorsPerThread(3).actorsBefore(1).actorsAfter(1)

    /**
     * Model checking of [LockState]: holds kept across operations, so longer threads, no init/post
     * part. Scenario minimization is off: it moves actors into an init/post part run by one real
     * thread, which breaks the model's one-tid-one-thread assumption and reports a different,
     * misleading failure instead of the one found.
     */
    fun lockStateModelChecking(): ModelCheckingOptions = LincheckBudget.modelChecking(iterationDivisor = 1, invocationDivisor = 10)
        .threads(3).actorsPerThread(3).actorsBefore(0).actorsAfter(0).minimizeFailedScenario(false)

    /** Stress of [LockState] (no minimization, see [lockStateModelChecking]). */
    fun lockStateStress(): StressOptions = LincheckBudget.stress(iterationDivisor = 1, invocationDivisor = 10)
        .threads(3).actorsPerThread(4).actorsBefore(0).actorsAfter(0).minimizeFailedScenario(false)
}
