package io.rwlocker.samples

import io.rwlocker.coroutines.ReadWriteMutex
import io.rwlocker.coroutines.read
import io.rwlocker.coroutines.write
import io.rwlocker.coroutines.writeMutex
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock
import kotlinx.coroutines.withTimeout

/**
 * Migration from kotlinx.coroutines' `Mutex`: a session table before and after. Readers stop
 * waiting for each other; code written for a `Mutex` keeps working with [writeMutex]; a nested
 * write of the same coroutine fails fast instead of hanging. Prompt cancellation is the same
 * guarantee as `Mutex.lock`'s.
 */
public object FromMutex {
    /** Before: one Mutex for reads and writes, so readers queue behind each other. */
    internal class SessionsBefore {
        private val mutex = Mutex()
        private val sessions = mutableMapOf<String, String>()

        suspend fun user(id: String): String? = mutex.withLock { sessions[id] }

        suspend fun login(id: String, user: String) = mutex.withLock { sessions[id] = user }
    }

    /** After: readers share the lock; writers are exclusive. */
    internal class SessionsAfter {
        private val mutex = ReadWriteMutex()
        private val sessions = mutableMapOf<String, String>()

        suspend fun user(id: String): String? = mutex.read { sessions[id] }

        suspend fun login(id: String, user: String) = mutex.write { sessions[id] = user }

        /** Code that takes a Mutex gets the write side (or mutex.readMutex for the read side). */
        suspend fun audit(log: suspend (Mutex) -> Unit) = log(mutex.writeMutex)

        /** A nested write of the same coroutine: IllegalStateException (a Mutex would hang forever). */
        suspend fun nestedWriteFailsFast(): Boolean =
            runCatching { mutex.write { mutex.write { } } }.exceptionOrNull() is IllegalStateException

        /** Two readers inside at once (each waits for the other inside its read { }). */
        suspend fun readersOverlap(): Boolean = withTimeout(10_000) {
            val arrived = CompletableDeferred<Unit>()
            val inside = java.util.concurrent.atomic.AtomicInteger()
            List(2) {
                async {
                    mutex.read {
                        if (inside.incrementAndGet() == 2) arrived.complete(Unit)
                        arrived.await()
                    }
                }
            }.awaitAll()
            true
        }
    }

    @JvmStatic
    public fun run(): Unit = runBlocking {
        val before = SessionsBefore()
        val after = SessionsAfter()
        before.login("s1", "ada")
        after.login("s1", "ada")
        var audited = false
        after.audit { guard -> guard.withLock { audited = true } }
        val same = before.user("s1") == after.user("s1")
        val overlap = after.readersOverlap()
        val failsFast = after.nestedWriteFailsFast()
        println("  same answers: $same; two readers inside at once: $overlap; nested write failed fast: $failsFast")
        check(same && audited && overlap && failsFast) { "migration from Mutex went wrong" }
    }

    @JvmStatic
    public fun main(args: Array<String>): Unit = run()
}
