package io.rwlocker.samples

import io.rwlocker.RWLock
import io.rwlocker.coroutines.asReadWriteMutex
import io.rwlocker.coroutines.write
import kotlin.concurrent.thread
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext

/**
 * One lock shared by blocking threads (a legacy thread pool) and coroutines: a thread holding
 * `write()` keeps coroutines out and a coroutine in `write { }` keeps threads out. Coroutines
 * waiting for the lock suspend; they never block a thread.
 */
public object ThreadsAndCoroutines {
    @JvmStatic
    public fun run() {
        val lock = RWLock.writerPreferring()
        val mutex = lock.asReadWriteMutex()
        var counter = 0
        val threads = (1..2).map {
            thread {
                repeat(10_000) {
                    lock.write().lock()
                    try { counter++ } finally { lock.write().unlock() }
                }
            }
        }
        runBlocking {
            withContext(Dispatchers.Default) {
                repeat(4) { launch { repeat(5_000) { mutex.write { counter++ } } } }
            }
        }
        threads.forEach { it.join() }
        println("  2 threads x 10,000 + 4 coroutines x 5,000 increments = $counter (expected 40000)")
        check(counter == 40_000 && !lock.isWriteLocked) { "an increment was lost: $counter" }
    }

    @JvmStatic
    public fun main(args: Array<String>): Unit = run()
}
