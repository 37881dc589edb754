package io.rwlocker.coroutines.soak

import java.util.SplittableRandom
import kotlinx.coroutines.Job

/**
 * A primitive under soak, in one configuration: the plug-in point of the harness. The
 * [SoakRunner] owns the workers, the chaos (interrupts, cancellations), the stop, the bounded
 * join with a thread dump, and the report; a subject only says what one random operation is and
 * what must hold at the end. To soak a new primitive (Guarded, FifoLock, KeyedLocks,
 * PriorityDispatcher, ...), implement this interface and add a factory to [SoakSubjects.all];
 * [ExclusionMonitor] checks read/write exclusion for anything with read and write sections.
 *
 * Contract for implementations:
 *  - [threadStep] runs on a platform or virtual thread that the chaos thread interrupts at random
 *    moments: handle [InterruptedException] where the primitive documents it, and return holding
 *    nothing (the interrupt status may be left set; the runner clears and counts it).
 *  - [coroutineStep] runs in its own Job, which the chaos thread may cancel at any suspension
 *    point; it may throw CancellationException, any other exception is a violation.
 *  - Every broken invariant is reported with [Tally.violation], never thrown: the run goes on and
 *    the report counts them.
 */
internal interface SoakSubject {
    /** The configuration, e.g. `RWLock FAIR, reentrant writer`. */
    val name: String

    /** One random operation by a blocking worker. */
    fun threadStep(worker: Worker, random: SplittableRandom)

    /** One random operation by a coroutine worker. */
    suspend fun coroutineStep(worker: Worker, random: SplittableRandom)

    /**
     * Called repeatedly (from the runner's thread) after the stop until every worker has
     * finished: wake waiters that only a signal can end (e.g. signalAll under the lock).
     */
    fun drain()

    /** After every worker finished: check holds, queues, waiters and the subject's own accounting. */
    fun finish(tally: Tally)

    /** The state in one line, for failure messages and thread dumps. */
    fun describe(): String
}

/** A tiny timeout for a timed attempt: 0, -1, 1, 10, 100 or 500 (microseconds), shared by the subjects. */
internal fun tinyMicros(random: SplittableRandom): Long = when (random.nextInt(6)) {
    0 -> 0L
    1 -> -1L
    2 -> 1L
    3 -> 10L
    4 -> 100L
    else -> 500L
}

/** A named way to make a fresh [SoakSubject] (one per run). */
internal class SoakSubjectFactory(val name: String, val create: (Tally) -> SoakSubject) {
    override fun toString(): String = name
}

/** The size of a soak crew: platform threads, virtual threads and coroutines on one primitive. */
internal data class Crew(val platform: Int, val virtual: Int, val coroutines: Int) {
    /** Every worker. */
    val size: Int get() = platform + virtual + coroutines

    override fun toString(): String = "$platform platform + $virtual virtual threads + $coroutines coroutines"
}

/** One worker of a soak run: what it is, and what it does now (for the thread dump on a hang). */
internal class Worker(val name: String, val kind: Kind, val tally: Tally) {
    /** What runs the worker. */
    enum class Kind { PLATFORM, VIRTUAL, COROUTINE }

    /** The current step, set by subjects (a constant string: no allocation). */
    @Volatile
    var phase: String = "starting"

    /** The worker's thread (thread workers). */
    @Volatile
    var thread: Thread? = null

    /** The Job of the current operation (coroutine workers): what the chaos thread cancels. */
    @Volatile
    var operation: Job? = null

    /** Whether the worker has finished. */
    @Volatile
    var finished: Boolean = false

    override fun toString(): String = "$name ($kind, ${if (finished) "finished" else "in $phase"})"
}
