package io.rwlocker.coroutines.lincheck

import io.rwlocker.coroutines.PriorityAdmission
import io.rwlocker.coroutines.PriorityTicket
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions
import org.jetbrains.lincheck.datastructures.Operation
import org.junit.jupiter.api.Test

/**
 * The admission logic of PriorityDispatcher (PriorityAdmission) checked for linearizability by
 * Lincheck, model checking and stress, with write, read and close operations. Each operation is
 * what one dispatcher task does, inline in the operation's coroutine (no task coroutine, no Job:
 * far fewer steps for the model checker to interleave than [PriorityDispatcherLincheckTest]):
 * accept a ticket, await its grant, run the body, finish the ticket; close stops accepting and
 * waits for the drain.
 *
 * Bodies update a two-field record non-atomically and ask the admission what it counts as
 * running; a broken exclusion (a write beside anything, a read beside a write) returns -1, which
 * no sequential run produces. A lost wake-up leaves an operation suspended for ever, which no
 * sequential run does either (sequentially, nothing ever waits). After close the operations throw
 * IllegalStateException.
 *
 * `readParallelism = 1` and `maxConsecutiveWrites = 1` make the bound and the starvation guard
 * take part in small scenarios. Planted bugs this catches with the default budget: a write
 * admitted beside a running read (random and custom scenarios), and a lost wake-up
 * ([modelCheckingWaits]).
 */
class PriorityAdmissionLincheckTest {
    private val admission = PriorityAdmission(readParallelism = 1, maxConsecutiveWrites = 1)
    private var version = 0
    private var status = 0

    private suspend fun task(isWrite: Boolean, body: () -> Int): Int {
        val ticket = PriorityTicket(isWrite)
        admission.accept(ticket)
        try {
            admission.awaitGrant(ticket)
            return body()
        } finally {
            admission.finish(ticket)
        }
    }

    /** A write task: alone, it updates the record in two steps; returns the new version, or -1. */
    @Operation(cancellableOnSuspension = false)
    suspend fun write(): Int = task(isWrite = true) {
        val s = admission.snapshot()
        if (s.runningWrites != 1 || s.runningReads != 0) return@task -1
        val next = version + 1
        version = next
        status = next
        next
    }

    /** A read task: the version, or -1 if a write runs beside it or the record is half-written. */
    @Operation(cancellableOnSuspension = false)
    suspend fun read(): Int = task(isWrite = false) {
        val s = admission.snapshot()
        if (s.runningWrites != 0 || s.runningReads !in 1..1 || version != status) -1 else version
    }

    /** close(): stop accepting, then wait until every accepted task has finished. */
    @Operation(cancellableOnSuspension = false)
    suspend fun close() {
        admission.stop("is closed", cancelling = false)
        admission.drained.await()
    }

    /** LTS state equivalence: between sequential operations nothing is queued or running. */
    override fun equals(other: Any?): Boolean =
        other is PriorityAdmissionLincheckTest && other.version == version && other.status == status &&
            other.admission.isStopped == admission.isStopped

    override fun hashCode(): Int = version * 31 + status + if (admission.isStopped) 1 else 0

    /** Model checking of random scenarios. */
    @Test
    fun modelChecking() = LincheckBudget.modelChecking().check(this::class)

    /**
     * Model checking of the smallest scenarios in which a task waits for another, with the full
     * invocation budget (`lincheck.invocations`) each: random scenarios spend theirs on many
     * shapes, and a planted lost wake-up (the grant checked outside the lock before the
     * continuation is stored) needed a few hundred invocations of `write || read` to show.
     */
    @Test
    fun modelCheckingWaits() = ModelCheckingOptions()
        .iterations(0)
        .invocationsPerIteration(System.getProperty("lincheck.invocations", "1000").toInt())
        .addCustomScenario {
            parallel {
                thread { actor(::write) }
                thread { actor(::read) }
            }
        }
        .addCustomScenario {
            parallel {
                thread { actor(::read) }
                thread { actor(::write) }
                thread { actor(::write); actor(::close) }
            }
        }
        .check(this::class)

    /** Stress testing. */
    @Test
    fun stress() = LincheckBudget.stress().check(this::class)
}
