package io.rwlocker.lincheck

import io.rwlocker.KeyedLocks
import io.rwlocker.internal.KeyTableAccess
import org.jetbrains.lincheck.datastructures.IntGen
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions
import org.jetbrains.lincheck.datastructures.Operation
import org.jetbrains.lincheck.datastructures.Param
import org.jetbrains.lincheck.datastructures.Validate
import java.time.Duration

/**
 * A key of [KeyedCounters]: compared by [id], with keys 0 and 1 sharing a hash code (so the
 * global order must break a tie), and a new instance per operation (so keys meet by equals).
 */
class CounterKey(val id: Int) {
    override fun equals(other: Any?): Boolean = other is CounterKey && other.id == id

    override fun hashCode(): Int = id / 2

    override fun toString(): String = "key$id"
}

/**
 * A map of three per-key counters guarded by a [KeyedLocks], checked for linearizability by
 * Lincheck against [KeyedCountersModel] (plain counters). Updates are non-atomic
 * read-modify-writes paired with a shadow copy, so a writer that is not exclusive on its key
 * shows up as a lost update or a torn pair (an exception). Every operation acquires and releases
 * inside itself, through a different entry point: `write`, `read`, `tryWrite` with a long timeout
 * (never expires in model checking: Lincheck's clock stands still), `writeAll` of two keys (also
 * the same key twice) in argument order, `readAll` of all keys with a duplicate, nested
 * re-entry (counted with a reentrant writer, fail-fast without), and a brief `tryWrite` whose
 * outcome depends on timing (it touches a pair outside the model). Key lists are `java.util.List`s:
 * Lincheck instruments classes lazily on first use, and Kotlin's collection facade is large enough
 * for that to stall an operation past the hang detector. [checkTableEmpty] verifies
 * after each run that every entry was removed: the reference count came back to zero on every
 * path.
 */
abstract class KeyedCounters(private val config: LockConfig, private val plant: Plant = Plant.NONE) {
    private val locks = table(javaClass, config)
    private val values = IntArray(KEYS)
    private val shadows = IntArray(KEYS)
    private val touches = IntArray(KEYS)
    private val touchShadows = IntArray(KEYS)

    private fun observe(key: Int): Int {
        val value = values[key]
        check(value == shadows[key]) { "torn read of key $key (a writer is not exclusive)" }
        check(touches[key] == touchShadows[key]) { "torn touch pair of key $key" }
        return value
    }

    private fun add(key: Int, delta: Int): Int {
        val next = observe(key) + delta
        values[key] = next
        shadows[key] = next
        return next
    }

    /** Increment under `write(key)`; returns the new value. */
    @Operation
    fun increment(@Param(gen = IntGen::class, conf = "0:2") key: Int): Int =
        locks.write(CounterKey(key)).use { add(key, 1) }

    /** The value under `read(key)`. */
    @Operation
    fun get(@Param(gen = IntGen::class, conf = "0:2") key: Int): Int =
        locks.read(CounterKey(key)).use { observe(key) }

    /** Increment under `tryWrite(key, 1 minute)`. */
    @Operation
    fun timedIncrement(@Param(gen = IntGen::class, conf = "0:2") key: Int): Int {
        val guard = locks.tryWrite(CounterKey(key), Duration.ofMinutes(1)) ?: return TIMED_OUT
        return guard.use { add(key, 1) }
    }

    /** Moves one unit from `from` to `to` under `writeAll([from, to])`; returns the new value of `to`. */
    @Operation
    fun transfer(
        @Param(gen = IntGen::class, conf = "0:2") from: Int,
        @Param(gen = IntGen::class, conf = "0:2") to: Int,
    ): Int {
        val keys = java.util.List.of(CounterKey(from), CounterKey(to))
        return when (plant) {
            Plant.NONE -> locks.writeAll(keys).use { move(from, to) }
            Plant.TRANSFER_UNDER_READ_ALL -> locks.readAll(keys).use { move(from, to) }
            Plant.TRANSFER_IN_ARGUMENT_ORDER ->
                locks.write(CounterKey(from)).use { locks.write(CounterKey(to)).use { move(from, to) } }
        }
    }

    private fun move(from: Int, to: Int): Int {
        add(from, -1)
        return add(to, 1)
    }

    /** The sum of all counters under `readAll` of every key (one twice). */
    @Operation
    fun total(): Int = locks.readAll(java.util.List.of(CounterKey(2), CounterKey(0), CounterKey(1), CounterKey(0))).use {
        observe(0) + observe(1) + observe(2)
    }

    /**
     * Increment with re-entry: with a reentrant writer a nested `writeAll([key, key])` and
     * `write(key)` (only the held key: nesting another key inside a hold would be the caller's own
     * lock order, outside the table's guarantee); without it, `write(key)` and
     * `writeAll([other, key])` must fail fast and take nothing (not even `other`).
     */
    @Operation
    fun nestedIncrement(@Param(gen = IntGen::class, conf = "0:2") key: Int): Int = locks.write(CounterKey(key)).use {
        val other = CounterKey((key + 1) % KEYS)
        if (config.reentrantWriter) {
            locks.writeAll(java.util.List.of(CounterKey(key), CounterKey(key))).use { locks.write(CounterKey(key)).use { add(key, 1) } }
        } else {
            check(failsFast { locks.write(CounterKey(key)) }) { "non-reentrant re-entry did not fail fast" }
            check(failsFast { locks.writeAll(java.util.List.of(other, CounterKey(key))) }) { "writeAll re-entry did not fail fast" }
            add(key, 1)
        }
    }

    /** `tryWrite(key, 50 µs)` on the touch pair (its success depends on timing): returns consistency. */
    @Operation
    fun tryTouch(@Param(gen = IntGen::class, conf = "0:2") key: Int): Boolean {
        locks.tryWrite(CounterKey(key), Duration.ofNanos(50_000))?.use {
            observe(key)
            touches[key] += 1
            touchShadows[key] += 1
        }
        return true
    }

    /**
     * After each run: no live entry left (every reference count came back to zero), pairs agree;
     * then the idle entries are swept, so that every invocation starts from an empty map, as the
     * first one does (kept idle entries would add a walk over all keys' map nodes to every lookup:
     * many more switch points before each race, and the opposite-transfers budget would no longer
     * find the planted bugs of the negative controls).
     */
    @Validate
    fun checkTableEmpty() {
        check(locks.size() == 0) { "entries left after the run: $locks" }
        for (key in 0 until KEYS) observe(key)
        KeyTableAccess.tableOf(locks).sweep()
    }

    private inline fun failsFast(acquire: () -> AutoCloseable): Boolean =
        try {
            acquire().close()
            false
        } catch (expected: IllegalStateException) {
            true
        }

    /** A bug planted for the negative controls (`KeyedNegativeControlSpec`); NONE in the real checks. */
    enum class Plant {
        NONE,

        /** `transfer` under `readAll`: two transfers may update one key at once (a lost update). */
        TRANSFER_UNDER_READ_ALL,

        /** `transfer` by nested single-key writes in argument order: the ABBA deadlock. */
        TRANSFER_IN_ARGUMENT_ORDER,
    }

    companion object {
        /** Keys 0, 1, 2. */
        const val KEYS: Int = 3

        private val TABLES = java.util.concurrent.ConcurrentHashMap<Class<*>, KeyedLocks<CounterKey>>()

        /**
         * The table of [testClass] (in [config]), shared by all its instances (Lincheck makes one
         * per invocation; each test class has its own, so a failed negative control cannot leave
         * a key held for a real check).
         * It is empty between invocations ([checkTableEmpty] fails the check otherwise). A new
         * table per invocation would create new per-key locks each time, each with its own
         * ThreadLocal of reader records: the worker threads' ThreadLocalMaps would fill with
         * thousands of stale entries, every instrumented ThreadLocal access would scan them (each
         * invocation several times slower), and a replay would not be deterministic (every new
         * ThreadLocal takes a new hash code). A shared table reuses its idle per-key locks. The
         * price: after a failed invocation the table may be left held, so Lincheck's replay of
         * the failure (for its trace) can report "Non-determinism found"; the report of the first
         * failing execution, printed at the top of that message, is the finding.
         */
        fun table(testClass: Class<*>, config: LockConfig): KeyedLocks<CounterKey> =
            TABLES.computeIfAbsent(testClass) { KeyedLocks.create(config.policy, config.reentrantWriter) }

        /** Returned by a timed acquisition that timed out; the model never returns it. */
        const val TIMED_OUT: Int = -1
    }
}

/** Sequential specification of [KeyedCounters]: three plain counters. */
class KeyedCountersModel {
    private val values = IntArray(KeyedCounters.KEYS)

    fun increment(key: Int): Int = ++values[key]
    fun get(key: Int): Int = values[key]
    fun timedIncrement(key: Int): Int = ++values[key]
    fun transfer(from: Int, to: Int): Int {
        values[from]--
        return ++values[to]
    }
    fun total(): Int = values.sum()
    fun nestedIncrement(key: Int): Int = ++values[key]
    fun tryTouch(key: Int): Boolean = true
}

/**
 * [KeyedCounters] in two configurations: without and with a reentrant writer. The per-key locks'
 * policies are checked in all eight configurations by [GuardedCounter]; the keyed layer (entries,
 * reference counts, order, re-entry checks) does not depend on the policy, and each keyed check
 * costs several times a GuardedCounter check (the map's internals are interleaved too).
 */
object KeyedCounterConfigs {
    class WriterPreferring : KeyedCounters(LockConfig.WRITER_PREFERRING)
    class ExclusiveReentrant : KeyedCounters(LockConfig.EXCLUSIVE_REENTRANT)

    /** Negative control: `transfer` under `readAll` (a planted lost update). */
    class TransferUnderReadAll : KeyedCounters(LockConfig.WRITER_PREFERRING, Plant.TRANSFER_UNDER_READ_ALL)

    /** Negative control: `transfer` locks its keys in argument order (a planted ABBA deadlock). */
    class TransferInArgumentOrder : KeyedCounters(LockConfig.WRITER_PREFERRING, Plant.TRANSFER_IN_ARGUMENT_ORDER)

    /** The configurations checked, with their test classes. */
    val all: List<Pair<LockConfig, Class<out KeyedCounters>>> = listOf(
        LockConfig.WRITER_PREFERRING to WriterPreferring::class.java,
        LockConfig.EXCLUSIVE_REENTRANT to ExclusiveReentrant::class.java,
    )

    /**
     * Model checking of the scenario where the keyed layer's bugs live: two transfers between the
     * same two keys (which share a hash code) in opposite orders, then the total. A wrong lock
     * order deadlocks here, a key locked by two writers at once loses a unit. Random scenarios
     * spread the budget over every operation; this one spends [invocations] interleavings on
     * that one race (the negative controls prove that this finds both planted bugs).
     */
    fun oppositeTransfers(invocations: Int): ModelCheckingOptions = ModelCheckingOptions()
        .iterations(0)
        .invocationsPerIteration(invocations)
        .addCustomScenario {
            parallel {
                thread { actor(KeyedCounters::transfer, 0, 1) }
                thread { actor(KeyedCounters::transfer, 1, 0) }
            }
            post { actor(KeyedCounters::total) }
        }
        .loopBound(LincheckScenarios.LOOP_BOUND)
        .sequentialSpecification(KeyedCountersModel::class.java)

    /** The interleavings given to [oppositeTransfers]: 2/5 of the base invocations (400 by default). */
    val oppositeTransfersBudget: Int get() = maxOf(1, LincheckBudget.invocations * 2 / 5)
}
