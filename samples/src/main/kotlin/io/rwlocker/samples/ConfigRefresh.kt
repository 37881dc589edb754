package io.rwlocker.samples

import io.rwlocker.Policy
import io.rwlocker.coroutines.ReadWriteMutex
import io.rwlocker.coroutines.read
import io.rwlocker.coroutines.write
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.yield

/**
 * The rwlocker seed's event-driven cache refresh, with coroutines: while a refresh is announced,
 * requests wait on a [io.rwlocker.coroutines.SuspendCondition] *as readers* instead of hammering
 * the database; the refresh loads the new configuration outside the lock, publishes it under the
 * write lock and wakes every waiting request with one `signalAll()`. Unlike the seed, the slow
 * query holds no lock, so requests that do not wait (before the announcement) are never blocked.
 */
public object ConfigRefresh {
    /** A configuration read by many requests and refreshed from a slow database. */
    private class GlobalConfigCache(private val loadFromDb: suspend () -> Map<String, String>) {
        private val mutex = ReadWriteMutex(Policy.READER_PREFERRING)   // reads are extremely dense
        private val refreshed = mutex.newCondition()
        private var config = mapOf("theme" to "light", "version" to "1")
        private var refreshing = false
        var woken = 0

        /** Called by thousands of concurrent requests: during a refresh they wait, as readers. */
        suspend fun getConfig(): Map<String, String> = mutex.read {
            refreshed.waitFor { !refreshing }
            config
        }

        /** Runs when a webhook says the configuration changed. */
        suspend fun forceRefreshFromDb() {
            mutex.write { refreshing = true }           // announce: requests from now on wait
            val fresh = loadFromDb()                    // the slow query, holding no lock
            mutex.write {
                config = fresh
                refreshing = false
                woken = refreshed.signalAll()           // every waiting request at once
            }
        }

        val holds: Int get() = mutex.readHolds
    }

    @JvmStatic
    public fun run(): Unit = runBlocking {
        val db = CompletableDeferred<Map<String, String>>()
        val cache = GlobalConfigCache { db.await() }
        val before = cache.getConfig()
        val refresh = launch { cache.forceRefreshFromDb() }
        val requests = List(100) { async { cache.getConfig() } }
        yield() // one event-loop turn: the refresh announces itself, every request waits on the condition
        check(requests.none { it.isCompleted } && cache.holds == 0) { "requests did not wait as readers" }
        db.complete(mapOf("theme" to "dark", "version" to "2"))
        val seen = requests.awaitAll().map { it["version"] }.toSet()
        refresh.join()
        println("  before: version ${before["version"]}; 100 requests during the refresh waited without a hold, " +
            "one signalAll() woke ${cache.woken}, all saw version $seen")
        check(before["version"] == "1" && seen == setOf("2") && cache.woken == 100) { "refresh went wrong" }
    }

    @JvmStatic
    public fun main(args: Array<String>): Unit = run()
}
