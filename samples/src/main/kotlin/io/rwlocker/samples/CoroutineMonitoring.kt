package io.rwlocker.samples

import io.rwlocker.Policy
import io.rwlocker.coroutines.ReadWriteMutex
import io.rwlocker.coroutines.ReadWriteMutexSnapshot
import io.rwlocker.coroutines.read
import io.rwlocker.coroutines.snapshot
import io.rwlocker.coroutines.write
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.TimeoutCancellationException
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.yield

/**
 * Monitoring a named suspending mutex: while one coroutine writes, [ReadWriteMutex.snapshot] tells
 * how many coroutines wait, and after it, how many read; a waiter that gives up (withTimeout)
 * leaves nothing queued. With a JFR recording running, each waiter that queued is also an
 * `io.rwlocker.ContendedAcquire` event with waiter "coroutine" (see ContentionRecording).
 */
public object CoroutineMonitoring {
    @JvmStatic
    public fun run(): Unit = runBlocking {
        val sessions = ReadWriteMutex(Policy.WRITER_PREFERRING, name = "sessions")
        val writing = CompletableDeferred<Unit>()
        val done = CompletableDeferred<Unit>()
        val readersIn = CompletableDeferred<Unit>()
        val release = CompletableDeferred<Unit>()
        coroutineScope {
            launch { sessions.write { writing.complete(Unit); done.await() } }
            writing.await()
            var inside = 0
            repeat(3) {
                launch {
                    sessions.read {
                        if (++inside == 3) readersIn.complete(Unit)
                        release.await()
                    }
                }
            }
            val impatient = launch {
                try {
                    withTimeout(20) { sessions.write { } }
                } catch (e: TimeoutCancellationException) {
                    println("  the impatient writer gave up after 20 ms")
                }
            }
            while (sessions.snapshot().queuedCoroutines < 4) yield()
            val busy: ReadWriteMutexSnapshot = sessions.snapshot()
            println("  $busy")
            check(busy.coroutineWriteHolds == 1 && busy.queuedCoroutines == 4) { "unexpected: $busy" }
            impatient.join()
            check(sessions.snapshot().queuedCoroutines == 3) { "the impatient writer is still queued" }
            done.complete(Unit)
            readersIn.await()
            val reading = sessions.snapshot()
            println("  $reading")
            check(reading.coroutineReadHolds == 3 && !reading.isWriteLocked && reading.queuedCoroutines == 0) {
                "unexpected: $reading"
            }
            release.complete(Unit)
        }
        check(sessions.snapshot().coroutineReadHolds == 0) { "holds left" }
    }

    @JvmStatic
    public fun main(args: Array<String>): Unit = run()
}
