package io.rwlocker.coroutines.lincheck

import io.rwlocker.coroutines.PriorityDispatcher
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import org.jetbrains.lincheck.datastructures.Operation
import org.junit.jupiter.api.Test

/**
 * [PriorityDispatcher]'s in-caller path checked for linearizability by Lincheck (model checking
 * and stress): each `write { }` / `read { }` is called from a coroutine that runs on the tasks'
 * dispatcher (`Dispatchers.Unconfined`, for the dispatcher's scope and, through `withContext`, for
 * the caller), so its block runs in the caller's coroutine after admission (ticket accepted by the
 * caller, `withContext(marker)` started undispatched, grant awaited, block, finish) rather than in
 * a task coroutine of the scope, which [PriorityDispatcherLincheckTest] covers.
 *
 * The same record and checks as there: writes update two fields non-atomically and return -1 if
 * the admission does not count them as the only running task; reads return -1 on a half-written
 * record or a running write. After close() the operations throw IllegalStateException; close()
 * waits for the calls accepted before it, whose blocks end on the Lincheck threads themselves.
 * Half the usual share of the budget: each operation has more steps (two withContext layers).
 * A planted bug, the block run without waiting for its grant, fails the model check.
 */
class PriorityInCallerLincheckTest {
    private val dispatcher = PriorityDispatcher(CoroutineScope(Dispatchers.Unconfined), readParallelism = 2, maxConsecutiveWrites = 1)
    private var version = 0
    private var status = 0

    /** A write task run in its caller: a non-atomic two-step update; returns the new version. */
    @Operation(cancellableOnSuspension = false)
    suspend fun write(): Int = withContext(Dispatchers.Unconfined) {
        dispatcher.write {
            if (!alone()) return@write -1
            val next = version + 1
            version = next
            status = next
            next
        }
    }

    /** A read task run in its caller: the version, or -1 if the record is half-written. */
    @Operation(cancellableOnSuspension = false)
    suspend fun read(): Int = withContext(Dispatchers.Unconfined) {
        dispatcher.read { if (version == status && noWrite()) version else -1 }
    }

    /** Whether the admission counts this write as the only running task (checked inside the write). */
    private fun alone(): Boolean = dispatcher.snapshot().let { it.runningWrites == 1 && it.runningReads == 0 }

    /** Whether the admission counts no running write (checked inside a read). */
    private fun noWrite(): Boolean = dispatcher.snapshot().runningWrites == 0

    /** Stops accepting and waits for every accepted task. */
    @Operation
    fun close() = dispatcher.close()

    /** LTS state equivalence: between operations of the sequential run nothing is queued or running. */
    override fun equals(other: Any?): Boolean =
        other is PriorityInCallerLincheckTest && other.version == version && other.status == status &&
            other.dispatcher.isClosed == dispatcher.isClosed

    override fun hashCode(): Int = version * 31 + status + if (dispatcher.isClosed) 1 else 0

    /** Model checking: random scenarios, plus `read || write`. */
    @Test
    fun modelChecking() = LincheckBudget.modelChecking(share = 20)
        .addCustomScenario {
            parallel {
                thread { actor(::read) }
                thread { actor(::write) }
            }
        }
        .check(this::class)

    /** Stress testing. */
    @Test
    fun stress() = LincheckBudget.stress(share = 10).check(this::class)
}
