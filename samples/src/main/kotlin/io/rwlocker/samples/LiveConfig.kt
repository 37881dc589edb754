package io.rwlocker.samples

import io.rwlocker.coroutines.PriorityDispatcher
import java.util.concurrent.ConcurrentLinkedQueue
import kotlinx.coroutines.delay
import kotlinx.coroutines.joinAll
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking

/**
 * The strictflow quick start, done right: a live configuration is updated by a P1 write task
 * while readers poll it with P2 read tasks. The update writes the two fields with a pause in
 * between (as a real deployment would), yet no reader ever sees it half-written: the write runs
 * alone, and every read submitted while it is queued or running waits for it. The readers' polls
 * run concurrently; the write's result comes back to the caller.
 */
public object LiveConfig {
    /** Two fields that only make sense together. */
    private class Config(var version: Int = 0, var status: String = "stable")

    @JvmStatic
    public fun run(): Unit = runBlocking {
        val config = Config()
        val log = ConcurrentLinkedQueue<String>()
        val dispatcher = PriorityDispatcher(this, readParallelism = 8)

        suspend fun poll(reader: String): String = dispatcher.read {
            val seen = "V${config.version} ${config.status}"
            log += "[P2] $reader read $seen"
            delay(20) // readers take their time, side by side
            seen
        }

        val seenByA = mutableListOf<String>()
        val readerA = launch { repeat(3) { seenByA += poll("R-A"); delay(20) } }
        delay(30) // R-A's first poll is done, its second one not yet submitted
        val update = dispatcher.submitWrite {
            log += "[P1] writing V1 ..."
            config.version = 1
            delay(100) // half-written for 100 ms: a reader let in now would see "V1 stable"
            config.status = "deploying"
            log += "[P1] V1 written"
            config.version
        }
        val seenByB = mutableListOf<String>()
        val readerB = launch { repeat(2) { seenByB += poll("R-B") } } // submitted while the write is running

        val written = update.await()
        joinAll(readerA, readerB)
        dispatcher.closeAndJoin()

        log.forEach { println("  $it") }
        val events = log.toList()
        check(written == 1) { "the write's result did not come back" }
        check((seenByA + seenByB).all { it == "V0 stable" || it == "V1 deploying" }) { "a reader saw a half-written config: $events" }
        check(seenByA.first() == "V0 stable" && seenByA.drop(1).all { it == "V1 deploying" }) { "R-A: $seenByA" }
        check(seenByB.all { it == "V1 deploying" }) { "R-B ran before the queued write: $seenByB" }
        val start = events.indexOf("[P1] writing V1 ...")
        check(events[start + 1] == "[P1] V1 written") { "something ran beside the write: $events" }
        println("  no reader saw a half-written config; the write ran alone and before every later read")
    }

    @JvmStatic
    public fun main(args: Array<String>): Unit = run()
}
