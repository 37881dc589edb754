package io.rwlocker.coroutines

import io.rwlocker.internal.KeyEntry
import io.rwlocker.internal.KeyTable
import kotlinx.coroutines.Job
import kotlinx.coroutines.currentCoroutineContext

/*
 * Implementation notes
 *
 * The suspending face of a KeyTable (the table behind KeyedLocks; see its notes for the
 * reference-counted entries). Each key's lock is an RWLock, and a coroutine takes it through
 * that lock's own suspending face (RWLock.asReadWriteMutex(), an EngineMutex): the same engine,
 * queue and policy as the threads that use the key through KeyedLocks. This view adds only the
 * bracket: enter the entry(ies) before waiting, leave them in a finally block after the scope
 * ended (normally, by an exception, by misuse, or by cancellation while waiting), so the entry
 * counts every waiting or holding coroutine exactly once and size() returns to 0.
 *
 * One key: the mutex's read { } / write { } scope, as is. Several keys: KeyTable.enterAll gives
 * the distinct entries in the global order (KeyOrder); their scopes are entered one after the
 * other with the very functions read { } / write { } are made of (tryEnterRead/awaitScopeRead/
 * recordScopeRead/exitRead, tryEnterWrite/enterWriteSlow/exitWrite), in a loop instead of nested
 * lambdas, and left in reverse order. Misuse that would otherwise surface only after waiting for earlier keys
 * (re-entry without a reentrant writer, upgrade) is checked for every key first.
 *
 * Linearization points: those of the per-key engines.
 */

/** [KeyedReadWriteMutex] over a [KeyTable]. */
internal class KeyedMutexView<K>(private val table: KeyTable) : KeyedReadWriteMutex<K> {
    override val size: Int get() = table.size()

    override suspend fun <T> read(key: K, block: suspend () -> T): T {
        val entry = table.enter(key)
        try {
            return entry.mutex().read(block)
        } finally {
            table.leave(entry)
        }
    }

    override suspend fun <T> write(key: K, block: suspend () -> T): T {
        val entry = table.enter(key)
        try {
            return entry.mutex().write { block() }
        } finally {
            table.leave(entry)
        }
    }

    override suspend fun <T> readAll(keys: Collection<K>, block: suspend () -> T): T = lockAll(keys, false, block)

    override suspend fun <T> writeAll(keys: Collection<K>, block: suspend () -> T): T = lockAll(keys, true, block)

    private suspend fun <T> lockAll(keys: Collection<K>, write: Boolean, block: suspend () -> T): T {
        val entries = table.enterAll(keys)
        if (entries.isEmpty()) return block()
        val job = scopeOwner(currentCoroutineContext()[Job])
        val mutexes = Array(entries.size) { entries[it].mutex() }
        val scopes = if (write) arrayOfNulls<EngineMutex.WriteScopeImpl>(entries.size) else null
        var taken = 0
        try {
            checkReentry(entries, mutexes, job, write)
            while (taken < mutexes.size) {
                val mutex = mutexes[taken]
                if (scopes != null) {
                    val owner = mutex.tryEnterWrite(job) ?: mutex.enterWriteSlow(job)
                    scopes[taken] = EngineMutex.WriteScopeImpl(mutex, owner)
                } else if (!mutex.tryEnterRead(job)) {
                    mutex.awaitScopeRead(job)
                    mutex.recordScopeRead(job)
                }
                taken++
            }
            return block()
        } finally {
            try {
                for (i in taken - 1 downTo 0) {
                    if (scopes != null) mutexes[i].exitWrite(scopes[i]!!) else mutexes[i].exitRead(job)
                }
            } finally {
                table.leaveAll(entries)
            }
        }
    }

    /**
     * Fails before anything is taken if a key could only fail after waiting for the keys before
     * it: this coroutine writes it without a reentrant writer, or reads it and wants to write.
     */
    private fun checkReentry(entries: Array<KeyEntry>, mutexes: Array<EngineMutex>, job: Job?, write: Boolean) {
        if (job == null) return
        for (i in mutexes.indices) {
            if (mutexes[i].scopeWriteHolds(job) > 0) {
                check(table.isReentrantWriter) {
                    "write { } of key ${entries[i].key()} is already held by this coroutine (no reentrant writer)"
                }
            } else if (write) {
                check(mutexes[i].scopeReadHolds(job) == 0) {
                    "this coroutine reads key ${entries[i].key()}: upgrading to write would deadlock"
                }
            }
        }
    }

    override fun toString(): String = "KeyedReadWriteMutex[$table]"
}

/** The suspending face of this entry's lock (created once per lock, then cached by its engine). */
private fun KeyEntry.mutex(): EngineMutex = lock().asReadWriteMutex().scopedFace()
