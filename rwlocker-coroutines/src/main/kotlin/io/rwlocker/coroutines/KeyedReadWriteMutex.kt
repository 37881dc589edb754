package io.rwlocker.coroutines

import io.rwlocker.KeyedLocks
import io.rwlocker.Policy
import io.rwlocker.internal.KeyTableAccess

/**
 * A suspending read-write mutex per key: coroutines on different keys proceed in parallel, on the
 * same key they follow the [Policy] (see the policy table on [Policy]), with [read] and [write]
 * scopes like [ReadWriteMutex]'s. An entry is live while a coroutine or thread holds or awaits its
 * key ([size] counts those and returns to 0); idle entries are kept for reuse up to a bound and then
 * swept, so memory does not grow with the number of distinct keys ever used.
 *
 * ```
 * val locks = KeyedReadWriteMutex<String>()
 * val profile = locks.read("user:42") { store.load("user:42") }     // readers of a key share it
 * locks.write("user:42") { store.save("user:42", updated) }          // other keys go on meanwhile
 * locks.writeAll(listOf(from, to)) { store.move(from, to, amount) }  // any order, no deadlock
 * ```
 *
 * **Keys** are compared by `equals`/`hashCode`. A `null` key or collection element throws
 * [NullPointerException]; an empty collection runs the block holding nothing.
 *
 * **Multi-key** [readAll]/[writeAll] lock all keys in one global order that holds for every key
 * type, also for distinct keys with equal hash codes (the same order as the blocking
 * [KeyedLocks.readAll]/[KeyedLocks.writeAll]), so two calls with the same keys in different orders
 * never deadlock, whether made by coroutines or threads. Equal keys are taken once.
 *
 * **Scopes and misuse** per key are those of [ReadWriteMutex.read]/[ReadWriteMutex.write]: owned
 * by the calling coroutine's Job; a coroutine reading a key may read it again while writers wait;
 * a nested [write] of a key re-enters with a reentrant writer and otherwise throws
 * [IllegalStateException] at once, as does [write] inside [read] of the same key (an upgrade). A
 * multi-key call checks this for all its keys before it takes any, and a failed call holds
 * nothing and leaves [size] unchanged.
 *
 * **Cancellation** follows [ReadWriteMutex]: a coroutine cancelled while waiting for a key throws
 * [kotlinx.coroutines.CancellationException], holds nothing (a multi-key call gives back the keys
 * it had already taken), leaves no queued node, and no longer counts as a user of the key.
 * Every block's holds are released however it ends.
 *
 * **Threads and coroutines**: [KeyedLocks.asKeyedReadWriteMutex] is a view over a [KeyedLocks]
 * table, so threads and coroutines lock the same keys against each other.
 *
 * @param K the key type
 */
public interface KeyedReadWriteMutex<K> {
    /**
     * Runs [block] holding a read hold of [key] and returns its result; released however the
     * block ends. Suspends while the key's policy keeps readers out; cancellable while waiting.
     */
    public suspend fun <T> read(key: K, block: suspend () -> T): T

    /**
     * Runs [block] holding the write lock of [key] and returns its result; released however the
     * block ends. Suspends until admitted; cancellable while waiting.
     */
    public suspend fun <T> write(key: K, block: suspend () -> T): T

    /**
     * Runs [block] holding a read hold of every key in [keys] (each distinct key once, taken in the
     * global order) and returns its result; all are released however the block ends.
     */
    public suspend fun <T> readAll(keys: Collection<K>, block: suspend () -> T): T

    /**
     * Runs [block] holding the write lock of every key in [keys] (each distinct key once, taken in
     * the global order) and returns its result; all are released however the block ends.
     */
    public suspend fun <T> writeAll(keys: Collection<K>, block: suspend () -> T): T

    /** Keys with a live entry (held or awaited); a snapshot, 0 when nobody uses the mutex. */
    public val size: Int
}

/**
 * A new [KeyedReadWriteMutex] whose per-key mutexes have the given [policy]; with
 * [reentrantWriter] a nested [KeyedReadWriteMutex.write] (or read) of a key inside a write scope
 * of the same key and coroutine re-enters. It is a view of a new [KeyedLocks] table.
 */
public fun <K> KeyedReadWriteMutex(
    policy: Policy = Policy.WRITER_PREFERRING,
    reentrantWriter: Boolean = false,
): KeyedReadWriteMutex<K> = KeyedLocks.create<K>(policy, reentrantWriter).asKeyedReadWriteMutex()

/**
 * The suspending face of this table: the same entries and per-key locks, so a thread holding
 * `write(k)` keeps coroutines out of `k`, and a coroutine in `write(k) { }` keeps threads out.
 * Views are cheap; every view of one table shares its state.
 */
public fun <K> KeyedLocks<K>.asKeyedReadWriteMutex(): KeyedReadWriteMutex<K> =
    KeyedMutexView(KeyTableAccess.tableOf(this))
