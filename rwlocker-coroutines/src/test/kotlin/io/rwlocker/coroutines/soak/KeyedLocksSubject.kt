package io.rwlocker.coroutines.soak

import io.rwlocker.Guard
import io.rwlocker.KeyedLocks
import io.rwlocker.Policy
import io.rwlocker.coroutines.KeyedReadWriteMutex
import io.rwlocker.coroutines.asKeyedReadWriteMutex
import io.rwlocker.internal.KeyTableAccess
import java.time.Duration
import java.util.SplittableRandom
import kotlin.time.Duration.Companion.microseconds
import kotlinx.coroutines.withTimeoutOrNull
import kotlinx.coroutines.yield

/**
 * One [KeyedLocks] table of [KEYS] keys shared by threads (`read`, `write`, `tryRead`/`tryWrite`
 * with tiny, zero and negative timeouts, `readAll`/`writeAll` of 2-3 keys in random order, with
 * duplicates) and coroutines (the same table through `asKeyedReadWriteMutex()`, also inside
 * `withTimeoutOrNull`).
 *
 * Invariants checked while running: one [ExclusionMonitor] per key (no reader beside a writer of
 * the same key, no two writers; under EXCLUSIVE no two readers), a plain counter per key written
 * only under its write lock never changes under a read hold of that key and never loses an update,
 * a thread step ends holding no key, and misuse fails fast (`read(k)`/`write(k)`/`writeAll` inside
 * `write(k)` of the non-reentrant table, `write(k)` and `tryWrite(k, t)` inside `read(k)`); a guard
 * closed twice by its owner releases once.
 *
 * At the end ([finish]): nobody inside, `size()` 0 (every entry left by its last user, also after
 * interrupts, timeouts and cancellations), no lost update, and every key still locks.
 */
internal class KeyedLocksSubject(private val policy: Policy, private val tally: Tally) : SoakSubject {
    override val name: String = nameOf(policy)

    private val locks: KeyedLocks<Int> = KeyedLocks.create(policy, false)
    private val mutex: KeyedReadWriteMutex<Int> = locks.asKeyedReadWriteMutex()
    private val table = KeyTableAccess.tableOf(locks)
    private val monitors = List(KEYS) { ExclusionMonitor(policy == Policy.EXCLUSIVE, tally) }

    /** Per key, written only under its write lock: plain fields, so that broken exclusion loses updates. */
    private val plainWrites = LongArray(KEYS)
    private val writes = java.util.concurrent.atomic.AtomicLongArray(KEYS)

    // ================================================================== threads

    override fun threadStep(worker: Worker, random: SplittableRandom) {
        when (random.nextInt(100)) {
            in 0 until 30 -> single(worker, random, asWriter = false)
            in 30 until 55 -> single(worker, random, asWriter = true)
            in 55 until 90 -> multi(worker, random)
            else -> misuse(worker, random)
        }
        worker.phase = "idle"
        for (key in 0 until KEYS) {
            val lock = table.peek(key)?.lock() ?: continue
            val r = lock.read().holdCount
            val w = lock.write().holdCount
            tally.expect(r == 0 && w == 0) { "${worker.name} ended a step holding $r read / $w write hold(s) of key $key" }
        }
    }

    private fun single(worker: Worker, random: SplittableRandom, asWriter: Boolean) {
        val key = random.nextInt(KEYS)
        worker.phase = if (asWriter) "write($key)" else "read($key)"
        val guard = try {
            when (random.nextInt(3)) {
                0 -> if (asWriter) locks.write(key) else locks.read(key)
                else -> timed(key, asWriter, random)
            }
        } catch (e: InterruptedException) {
            tally.interruptSeen()
            null
        } ?: return
        try {
            section(listOf(key), asWriter, random.nextInt(8) == 0)
        } finally {
            guard.close()
            if (random.nextInt(8) == 0) guard.close() // released once: a no-op
        }
    }

    private fun timed(key: Int, asWriter: Boolean, random: SplittableRandom): Guard? {
        val micros = tinyMicros(random)
        val timeout = Duration.ofNanos(micros * 1_000L)
        val guard = if (asWriter) locks.tryWrite(key, timeout) else locks.tryRead(key, timeout)
        if (guard == null && micros > 0) tally.fault(Fault.ACQUIRE_TIMEOUT)
        return guard
    }

    private fun multi(worker: Worker, random: SplittableRandom) {
        val keys = randomKeys(random)
        val asWriter = random.nextBoolean()
        worker.phase = if (asWriter) "writeAll($keys)" else "readAll($keys)"
        val guard = if (asWriter) locks.writeAll(keys) else locks.readAll(keys)
        try {
            section(keys.distinct(), asWriter, random.nextInt(8) == 0)
        } finally {
            guard.close()
        }
    }

    /** 2-3 keys in random order, sometimes with a duplicate. */
    private fun randomKeys(random: SplittableRandom): List<Int> {
        val keys = ArrayList<Int>(3)
        repeat(2 + random.nextInt(2)) { keys += random.nextInt(KEYS) }
        return keys
    }

    /** The critical section over [keys] (distinct): register, check, (yield), check, unregister. */
    private fun section(keys: List<Int>, asWriter: Boolean, pause: Boolean) {
        for (key in keys) if (asWriter) monitors[key].enterWrite() else monitors[key].enterRead()
        try {
            val seen = keys.map { plainWrites[it] }
            if (asWriter) {
                for (key in keys) {
                    plainWrites[key]++
                    writes.incrementAndGet(key)
                }
            }
            if (pause) Thread.yield()
            if (!asWriter) {
                val now = keys.map { plainWrites[it] }
                tally.expect(now == seen) { "data written under read holds of $keys: $seen -> $now" }
            }
        } finally {
            for (key in keys) if (asWriter) monitors[key].exitWrite() else monitors[key].exitRead()
        }
    }

    private fun misuse(worker: Worker, random: SplittableRandom) {
        val key = random.nextInt(KEYS)
        val other = (key + 1) % KEYS
        worker.phase = "misuse on key $key"
        if (random.nextBoolean()) {
            val guard = locks.write(key)
            monitors[key].enterWrite()
            try {
                tally.probe<IllegalStateException>("read($key) inside write($key), no reentrant writer") { locks.read(key).close() }
                tally.probe<IllegalStateException>("write($key) inside write($key), no reentrant writer") { locks.write(key).close() }
                tally.probe<IllegalStateException>("writeAll([$other, $key]) inside write($key)") { locks.writeAll(listOf(other, key)).close() }
            } finally {
                monitors[key].exitWrite()
                guard.close()
            }
        } else {
            val guard = locks.read(key)
            monitors[key].enterRead()
            try {
                tally.probe<IllegalStateException>("write($key) inside read($key): an upgrade") { locks.write(key).close() }
                tally.probe<IllegalStateException>("tryWrite($key, 1 us) inside read($key): an upgrade") { locks.tryWrite(key, Duration.ofNanos(1_000))?.close() }
            } finally {
                monitors[key].exitRead()
                guard.close()
            }
        }
    }

    // ================================================================== coroutines

    override suspend fun coroutineStep(worker: Worker, random: SplittableRandom) {
        val asWriter = random.nextInt(100) < 45
        val multi = random.nextInt(3) == 0
        val keys = if (multi) randomKeys(random) else listOf(random.nextInt(KEYS))
        val pause = random.nextInt(4) == 0
        worker.phase = (if (asWriter) "write" else "read") + (if (multi) "All($keys) { }" else "(${keys[0]}) { }")
        val body: suspend () -> Unit = { coSection(keys.distinct(), asWriter, pause) }
        val call: suspend () -> Unit = when {
            multi && asWriter -> { { mutex.writeAll(keys) { body() } } }
            multi -> { { mutex.readAll(keys) { body() } } }
            asWriter -> { { mutex.write(keys[0]) { body() } } }
            else -> { { mutex.read(keys[0]) { body() } } }
        }
        if (random.nextInt(3) == 0) {
            val done = withTimeoutOrNull((1L + random.nextInt(500)).microseconds) { call() }
            if (done == null) tally.fault(Fault.ACQUIRE_TIMEOUT)
        } else {
            call()
        }
        worker.phase = "idle"
    }

    private suspend fun coSection(keys: List<Int>, asWriter: Boolean, pause: Boolean) {
        for (key in keys) if (asWriter) monitors[key].enterWrite() else monitors[key].enterRead()
        try {
            val seen = keys.map { plainWrites[it] }
            if (asWriter) {
                for (key in keys) {
                    plainWrites[key]++
                    writes.incrementAndGet(key)
                }
            }
            if (pause) yield() // a cancellation may land here: the scopes release the keys
            if (!asWriter) {
                val now = keys.map { plainWrites[it] }
                tally.expect(now == seen) { "data written under read holds of $keys: $seen -> $now" }
            }
        } finally {
            for (key in keys) if (asWriter) monitors[key].exitWrite() else monitors[key].exitRead()
        }
    }

    // ================================================================== end

    override fun drain() {}

    override fun finish(tally: Tally) {
        tally.expect(monitors.all { it.isEmpty }) { "at the end: ${monitors.joinToString()}" }
        tally.expect(locks.size() == 0) { "at the end the table has entries left: $locks" }
        for (key in 0 until KEYS) {
            tally.expect(plainWrites[key] == writes.get(key)) { "lost updates on key $key: ${writes.get(key)} write sections, the plain counter says ${plainWrites[key]}" }
        }
        val all = locks.writeAll((0 until KEYS).toList())
        tally.expect(locks.size() == KEYS) { "writeAll of every key: size() ${locks.size()}" }
        all.close()
        tally.expect(locks.size() == 0) { "after the final writeAll: $locks" }
        tally.note("KeyedLocks: ${(0 until KEYS).sumOf { writes.get(it) }} key write sections")
    }

    override fun describe(): String = "$locks; monitors: ${monitors.joinToString()}"

    companion object {
        /** Few keys, so that threads and coroutines meet on them. */
        const val KEYS = 4

        fun nameOf(policy: Policy): String = "KeyedLocks $policy, $KEYS keys"
    }
}
