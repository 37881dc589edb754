package io.rwlocker.samples

import io.rwlocker.Policy
import io.rwlocker.coroutines.ReadWriteMutex
import io.rwlocker.coroutines.read
import io.rwlocker.coroutines.write
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.runBlocking

/** The README's Kotlin quick start: a session table shared by coroutines. */
public class Sessions {
    private val mutex = ReadWriteMutex()                // writer-preferring
    private val users = HashMap<String, String>()

    /** Many coroutines at once; a waiting coroutine suspends, it never blocks a thread. */
    public suspend fun user(id: String): String? = mutex.read { users[id] }

    /** One coroutine at a time, and no reader beside it. */
    public suspend fun login(id: String, user: String): Unit = mutex.write { users[id] = user }
}

/**
 * The README's Kotlin quick start and its "Coroutines" code: [Sessions], then `read { }`,
 * `write { }` and a `write { }` that downgrades to publish what it wrote.
 */
public object QuickStartCoroutines {
    /** A cache with a version, reloaded as a whole. */
    private class Cache {
        private val entries = HashMap<String, String>()
        var version = 0
        operator fun get(key: String): String? = entries[key]
        operator fun set(key: String, value: String) {
            entries[key] = value
        }
        fun reload() {
            version++
        }
        fun snapshot(): String = "version $version, ${entries.size} entries"
    }

    private val published = mutableListOf<String>()

    private fun load(key: String): String = "value of $key"

    private fun publish(snapshot: String) {
        published += snapshot
    }

    private suspend fun basics(key: String): String? {
        val cache = Cache()
        val mutex = ReadWriteMutex(Policy.WRITER_PREFERRING)   // or ReadWriteMutex(Policy.FAIR, reentrantWriter = true)

        mutex.write { cache[key] = load(key) }          // one coroutine, no reader
        val value = mutex.read { cache[key] }          // many coroutines at once
        mutex.write {
            cache.reload()
            downgrade()                                 // the rest of the block runs as a reader
            publish(cache.snapshot())
        }
        return value
    }

    @JvmStatic
    public fun run(): Unit = runBlocking(Dispatchers.Default) {
        val sessions = Sessions()
        List(20) { i -> async { sessions.login("id-$i", "user-$i") } }.awaitAll()
        val users = List(20) { i -> async { sessions.user("id-$i") } }.awaitAll()
        val value = basics("status")
        println("  20 logins, then 20 concurrent lookups found ${users.count { it != null }}; read back \"$value\"; published $published")
        check(users == List(20) { "user-$it" } && value == "value of status" && published == listOf("version 1, 1 entries")) {
            "quick start went wrong: $users $value $published"
        }
    }

    @JvmStatic
    public fun main(args: Array<String>): Unit = run()
}
