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
 * Every operation may suspend and is cancellable on suspension (Lincheck's default, as in
 * [CounterLincheck]): a cancelled operation must have had no effect, and [checkTableEmpty]
 * verifies after each run that the reference counts came back to zero (no entry left), also
 * after cancellations.
 */
abstract class KeyedCounterLincheck(policy: Policy, reentrant: Boolean) {
    private val mutex = KeyedReadWriteMutex<MutexKey>(policy, reentrant)
    private val values = IntArray(3)

    /** Non-atomic increment under `write(key)`; returns the new value. */
    @Operation
    suspend fun increment(@Param(gen = IntGen::class, conf = "0:2") key: Int): Int = mutex.write(MutexKey(key)) {
        val next = values[key] + 1
        values[key] = next
        next
    }

    /** The value under `read(key)`. */
    @Operation
    suspend fun get(@Param(gen = IntGen::class, conf = "0:2") key: Int): Int = mutex.read(MutexKey(key)) { values[key] }

    /** Moves one unit from `from` to `to` under `writeAll([from, to])`; returns the new value of `to`. */
    @Operation
    suspend fun transfer(
        @Param(gen = IntGen::class, conf = "0:2") from: Int,
        @Param(gen = IntGen::class, conf = "0:2") to: Int,
    ): Int = mutex.writeAll(listOf(MutexKey(from), MutexKey(to))) {
        values[from] = values[from] - 1
        val next = values[to] + 1
        values[to] = next
        next
    }

    /** The sum under `readAll` of every key (one twice). */
    @Operation
    suspend fun total(): Int = mutex.readAll(listOf(MutexKey(2), MutexKey(0), MutexKey(1), MutexKey(0))) { values.sum() }

    /** After each run: no entry left, also after cancelled operations. */
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

    /** Model checking with cancellation on suspension. */
    @Test
    fun modelChecking() = LincheckBudget.modelChecking().check(this::class)

    /** Stress testing with cancellation on suspension. */
    @Test
    fun stress() = LincheckBudget.stress().check(this::class)
}

/** [KeyedCounterLincheck] for [Policy.WRITER_PREFERRING], non-reentrant. */
class WriterPreferringKeyedCounterLincheckTest : KeyedCounterLincheck(Policy.WRITER_PREFERRING, reentrant = false)

/** [KeyedCounterLincheck] for [Policy.FAIR], reentrant writer. */
class FairKeyedCounterLincheckTest : KeyedCounterLincheck(Policy.FAIR, reentrant = true)
