package io.rwlocker.coroutines.soak

import java.util.EnumMap
import java.util.concurrent.ConcurrentLinkedQueue
import java.util.concurrent.atomic.AtomicInteger
import java.util.concurrent.atomic.LongAdder
import kotlinx.coroutines.CancellationException

/** A kind of fault the soak injects (or provokes) on purpose. */
internal enum class Fault(val label: String) {
    /** The chaos thread interrupted a thread worker. */
    INTERRUPT("interrupts"),

    /** The chaos thread cancelled a coroutine worker's current operation. */
    CANCELLATION("cancellations"),

    /** A timed acquisition (thread `tryLock(t, u)`, coroutine `withTimeout`) that expired. */
    ACQUIRE_TIMEOUT("acquire timeouts"),

    /** A timed condition wait (thread `await(t, u)`, coroutine `withTimeout`) that expired unsignalled. */
    CONDITION_TIMEOUT("condition timeouts"),

    /** A misuse that must fail fast (upgrade, re-entry, foreign unlock, await without the lock). */
    MISUSE("misuse probes"),
}

/**
 * The counters of one soak run, shared by every worker: operations, faults injected, what the
 * workers observed of them, and violations (every broken invariant, with the first messages
 * kept for the report). Lock-free (adders and a bounded message queue), so counting does not
 * serialise the workers more than the primitive under test does.
 */
internal class Tally {
    private val operations = LongAdder()
    private val faults = EnumMap<Fault, LongAdder>(Fault::class.java).apply { Fault.entries.forEach { put(it, LongAdder()) } }
    private val interruptsSeen = LongAdder()
    private val cancellationsSeen = LongAdder()
    private val violations = LongAdder()
    private val messages = ConcurrentLinkedQueue<String>()
    private val kept = AtomicInteger()
    private val notes = ConcurrentLinkedQueue<String>()

    /** One operation done (whatever its outcome). */
    fun operation() = operations.increment()

    /** One fault of [kind] injected or provoked. */
    fun fault(kind: Fault) = faults.getValue(kind).increment()

    /** A worker saw an interrupt (an InterruptedException, or the status set after an uninterruptible call). */
    fun interruptSeen() = interruptsSeen.increment()

    /** A coroutine operation ended cancelled (by the chaos thread or a timeout). */
    fun cancellationSeen() = cancellationsSeen.increment()

    /** A broken invariant: counted, and the first [KEEP] messages are kept. */
    fun violation(message: String) {
        violations.increment()
        if (kept.incrementAndGet() <= KEEP) messages.add(message)
    }

    /** Checks [condition]; a violation described by [message] if it is false. */
    inline fun expect(condition: Boolean, message: () -> String) {
        if (!condition) violation(message())
    }

    /** A line for the report (subject-specific accounting, e.g. signals sent and seen). */
    fun note(line: String) {
        notes.add(line)
    }

    /** The counters now. */
    fun snapshot(): Counts = Counts(
        operations = operations.sum(),
        faults = Fault.entries.associateWith { faults.getValue(it).sum() },
        interruptsSeen = interruptsSeen.sum(),
        cancellationsSeen = cancellationsSeen.sum(),
        violations = violations.sum(),
        messages = messages.toList(),
        notes = notes.toList(),
    )

    /** A snapshot of a [Tally]. */
    data class Counts(
        val operations: Long,
        val faults: Map<Fault, Long>,
        val interruptsSeen: Long,
        val cancellationsSeen: Long,
        val violations: Long,
        val messages: List<String>,
        val notes: List<String>,
    ) {
        /** All faults injected or provoked. */
        val faultsInjected: Long get() = faults.values.sum()
    }

    private companion object {
        const val KEEP = 20
    }
}

/**
 * A misuse probe: [call] must throw [T]. A cancellation of the probing coroutine propagates, and
 * an interrupt that arrives first is counted as seen; any other outcome is a violation.
 * (CancellationException is an IllegalStateException: it is checked before [T].)
 */
internal inline fun <reified T : Throwable> Tally.probe(what: String, call: () -> Unit) {
    fault(Fault.MISUSE)
    try {
        call()
        violation("$what: returned normally, expected ${T::class.java.simpleName}")
    } catch (e: Throwable) {
        when (e) {
            is CancellationException -> throw e
            is T -> {}
            is InterruptedException -> interruptSeen()
            else -> violation("$what: ${e.describe()}, expected ${T::class.java.simpleName}")
        }
    }
}
