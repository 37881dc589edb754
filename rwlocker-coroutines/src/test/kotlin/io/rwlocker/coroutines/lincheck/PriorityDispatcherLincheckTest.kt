package io.rwlocker.coroutines.lincheck

import io.rwlocker.coroutines.PriorityDispatcher
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import org.jetbrains.lincheck.datastructures.Operation
import org.junit.jupiter.api.Test

/**
 * A [PriorityDispatcher] end to end (task coroutines, Jobs, completion handlers, close()) checked
 * for linearizability by Lincheck (model checking and stress), with `write { }`, `read { }` and
 * `close()` operations. The admission alone, with far fewer steps per operation and so a deeper
 * search, is checked by [PriorityAdmissionLincheckTest].
 *
 * The tasks run on `Dispatchers.Unconfined`, so a task's body runs on the Lincheck thread that
 * submits it (when admitted at once) or on the one whose release admits it: every step stays on
 * threads the model checker controls. Writes update a two-field record non-atomically (version,
 * then status): only the dispatcher's exclusion keeps it consistent, so an overlapping write loses
 * an update and an overlapping read sees a half-written record; both break linearizability against
 * the sequential specification, in which every operation runs alone. A read returns -1 if it sees
 * the record half-written, a write returns -1 without writing if it is not alone. Besides the
 * record, each task asks the admission what it counts as running (a write: itself only; a read: no
 * write): for the admission a task runs from its grant to its release, a window much wider than
 * the task's few field accesses, so a broken exclusion shows in far fewer interleavings. After
 * close() the operations throw IllegalStateException (a result, too); close() itself waits for the
 * tasks accepted before it.
 *
 * The suspending operations are not cancelled by Lincheck (`cancellableOnSuspension = false`):
 * cancellation while queued and at the instant of a grant is covered on real dispatchers in
 * PriorityLifecycleSpec and PriorityConcurrencySpec.
 */
class PriorityDispatcherLincheckTest {
    private val dispatcher = PriorityDispatcher(CoroutineScope(Dispatchers.Unconfined), readParallelism = 2, maxConsecutiveWrites = 1)
    private var version = 0
    private var status = 0

    /** A write task: a non-atomic two-step update; returns the new version. */
    @Operation(cancellableOnSuspension = false)
    suspend fun write(): Int = dispatcher.write {
        if (!alone()) return@write -1
        val next = version + 1
        version = next
        status = next
        next
    }

    /** A read task: the version, or -1 if the record is half-written. */
    @Operation(cancellableOnSuspension = false)
    suspend fun read(): Int = dispatcher.read { if (version == status && noWrite()) version else -1 }

    /** Whether the admission counts this write as the only running task (checked inside the write). */
    private fun alone(): Boolean = dispatcher.snapshot().let { it.runningWrites == 1 && it.runningReads == 0 }

    /** Whether the admission counts no running write (checked inside a read). */
    private fun noWrite(): Boolean = dispatcher.snapshot().runningWrites == 0

    /** Stops accepting and waits for every accepted task. */
    @Operation
    fun close() = dispatcher.close()

    /** LTS state equivalence: between operations of the sequential run nothing is queued or running. */
    override fun equals(other: Any?): Boolean =
        other is PriorityDispatcherLincheckTest && other.version == version && other.status == status &&
            other.dispatcher.isClosed == dispatcher.isClosed

    override fun hashCode(): Int = version * 31 + status + if (dispatcher.isClosed) 1 else 0

    /**
     * Model checking: random scenarios, plus `read || write`, in which a broken exclusion shows
     * (a planted bug that admits a write beside a running read was found this way).
     */
    @Test
    fun modelChecking() = LincheckBudget.modelChecking()
        .addCustomScenario {
            parallel {
                thread { actor(::read) }
                thread { actor(::write) }
            }
        }
        .check(this::class)

    /** Stress testing. */
    @Test
    fun stress() = LincheckBudget.stress().check(this::class)
}
