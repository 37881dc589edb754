package io.rwlocker.coroutines.lincheck

import io.rwlocker.Policy
import io.rwlocker.coroutines.KeyedReadWriteMutex
import org.jetbrains.lincheck.datastructures.IntGen
import org.jetbrains.lincheck.datastructures.Operation
import org.jetbrains.lincheck.datastructures.Param
import org.jetbrains.lincheck.datastructures.Validate
import org.junit.jupiter.api.Test

/** A key compared by [id]; keys 0 and 1 share a hash code, so the global order breaks a tie. */
class MutexKey(val id: Int) {
    override fun equals(other: Any?): Boolean = other is MutexKey && other.id == id

    override fun hashCode(): Int = id / 2

    override fun toString(): String = "key$id"
}

/**
 * Three per-key counters behind a [KeyedReadWriteMutex], checked for linearizability by Lincheck
 * (model checking and stress) for one policy. Increments are non-atomic (read, then write back):
 * only the per-key mutex keeps them right. `transfer` locks two keys with `writeAll` in argument
 * order (also the same key twice), `total` reads all keys with `readAll`, so opposite orders meet.
 * Every operation may suspend; [checkTableEmpty] verifies after each run that the reference
 * counts came back to zero (no entry left).
 *
 * Not cancellable on suspension (unlike [CounterLincheck]): Lincheck does not resume an operation
 * it cancelled, so the code after the cancelled wait never runs, while the keyed mutex gives the
 * key's entry back in a `finally` block after the wait, as kotlinx.coroutines does run it (a
 * cancelled coroutine resumes with CancellationException). Under Lincheck every cancelled keyed
 * operation would look like a leaked entry. Cancellation of keyed waits is tested on real
 * dispatchers instead (KeyedMutexSpec, KeyedMutexHammerSpec), and the per-key mutex's own
 * cancellation by [CounterLincheck].
 */
abstract class KeyedCounterLincheck(policy: Policy, reentrant: Boolean) {
    private val mutex = TABLES.computeIfAbsent(javaClass) { KeyedReadWriteMutex(policy, reentrant) }
    private val values = IntArray(3)

    /** Non-atomic increment under `write(key)`; returns the new value. */
    @Operation(cancellableOnSuspension = false)
    suspend fun increment(@Param(gen = IntGen::class, conf = "0:2") key: Int): Int = mutex.write(MutexKey(key)) {
        val next = values[key] + 1
        values[key] = next
        next
    }

    /** The value under `read(key)`. */
    @Operation(cancellableOnSuspension = false)
    suspend fun get(@Param(gen = IntGen::class, conf = "0:2") key: Int): Int = mutex.read(MutexKey(key)) { values[key] }

    /** Moves one unit from `from` to `to` under `writeAll([from, to])`; returns the new value of `to`. */
    @Operation(cancellableOnSuspension = false)
    suspend fun transfer(
        @Param(gen = IntGen::class, conf = "0:2") from: Int,
        @Param(gen = IntGen::class, conf = "0:2") to: Int,
    ): Int = mutex.writeAll(java.util.List.of(MutexKey(from), MutexKey(to))) {
        values[from] = values[from] - 1
        val next = values[to] + 1
        values[to] = next
        next
    }

    /** The sum under `readAll` of every key (one twice). */
    @Operation(cancellableOnSuspension = false)
    suspend fun total(): Int = mutex.readAll(java.util.List.of(MutexKey(2), MutexKey(0), MutexKey(1), MutexKey(0))) { values[0] + values[1] + values[2] }

    /** After each run: no entry left. */
    @Validate
    fun checkTableEmpty() {
        check(mutex.size == 0) { "entries left after the run: $mutex" }
    }

    /**
     * LTS state equivalence for the verifier: between operations of the sequential specification
     * every key is free, so the values alone determine the future.
     */
    override fun equals(other: Any?): Boolean = other is KeyedCounterLincheck && other.values.contentEquals(values)

    override fun hashCode(): Int = values.contentHashCode()

    /**
     * Model checking, with half the module's usual share of invocations: a keyed operation adds a
     * map lookup, a reference count and, for a new key, a map insertion and removal.
     */
    @Test
    fun modelChecking() = LincheckBudget.modelChecking(share = 20).check(this::class)

    /** Stress testing. */
    @Test
    fun stress() = LincheckBudget.stress().check(this::class)

    private companion object {
        /**
         * One mutex per test class, shared by its instances (Lincheck makes one per invocation),
         * empty between invocations ([checkTableEmpty]). New per-key locks in every invocation
         * would each bring a new ThreadLocal of reader records into the worker threads'
         * ThreadLocalMaps (slow to interleave, and not deterministic on replay); a shared table
         * reuses its idle per-key locks. After a failed invocation the replay may therefore report
         * non-determinism, with the first execution's report (the finding) at the top.
         */
        val TABLES = java.util.concurrent.ConcurrentHashMap<Class<*>, KeyedReadWriteMutex<MutexKey>>()
    }
}

/** [KeyedCounterLincheck] for [Policy.WRITER_PREFERRING], non-reentrant. */
class WriterPreferringKeyedCounterLincheckTest : KeyedCounterLincheck(Policy.WRITER_PREFERRING, reentrant = false)

/** [KeyedCounterLincheck] for [Policy.FAIR], reentrant writer. */
class FairKeyedCounterLincheckTest : KeyedCounterLincheck(Policy.FAIR, reentrant = true)
