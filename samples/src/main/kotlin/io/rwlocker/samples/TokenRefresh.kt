package io.rwlocker.samples

import io.rwlocker.coroutines.ReadWriteMutex
import io.rwlocker.coroutines.read
import io.rwlocker.coroutines.write
import java.util.concurrent.atomic.AtomicInteger
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.delay
import kotlinx.coroutines.runBlocking

/**
 * An access token shared by many coroutines: they read it concurrently; when it has expired, the
 * first one to notice refreshes it under the write lock, and the double check inside [write]
 * makes the others reuse that new token instead of refreshing again.
 */
public object TokenRefresh {
    private val mutex = ReadWriteMutex()
    private var token = "expired"
    private val refreshes = AtomicInteger()

    private suspend fun fetchToken(): String {
        delay(20) // the identity provider's round trip
        return "token-${refreshes.incrementAndGet()}"
    }

    /** Returns a valid token, refreshing it at most once for all concurrent callers. */
    public suspend fun currentToken(): String {
        val seen = mutex.read { token }
        if (seen != "expired") return seen
        return mutex.write {
            if (token == "expired") token = fetchToken() // double-checked: only the first refreshes
            token
        }
    }

    @JvmStatic
    public fun run(): Unit = runBlocking {
        val tokens = (1..50).map { async { currentToken() } }.awaitAll()
        println("  50 concurrent callers got ${tokens.toSet()} after ${refreshes.get()} refresh(es)")
        check(tokens.toSet() == setOf("token-1") && refreshes.get() == 1) { "the token was refreshed more than once" }
    }

    @JvmStatic
    public fun main(args: Array<String>): Unit = run()
}
