package io.rwlocker.samples

import io.rwlocker.coroutines.ReadWriteMutex
import io.rwlocker.coroutines.read
import io.rwlocker.coroutines.write
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.yield

/**
 * A box office, written the way application code uses a [ReadWriteMutex]: most calls only look
 * (`remaining()`, and `buy()` when it is sold out) and share the read lock; a sale takes the write
 * lock and checks again, since another coroutine may have bought the last ticket in between.
 *
 * [Tickets.broken] builds the same box office with a planted bug (the classic check-then-act: no
 * second check under the write lock), so that a test shows a user's model checker (Lincheck)
 * catching it: `samples/src/test/kotlin/.../DownstreamMutexLincheckTest.kt`.
 */
public class Tickets private constructor(initial: Int, private val recheckUnderWrite: Boolean) {
    private val mutex = ReadWriteMutex()
    private var left = initial

    /** How many tickets are left. */
    public suspend fun remaining(): Int = mutex.read { left }

    /** Buys one ticket; false when sold out. Never sells more tickets than there are. */
    public suspend fun buy(): Boolean {
        if (mutex.read { left } == 0) return false      // sold out: a shared read is enough
        return mutex.write {
            if (recheckUnderWrite && left == 0) {
                false                                   // someone bought the last one in between
            } else {
                left--
                true
            }
        }
    }

    /** Gives a ticket back; returns how many are left. */
    public suspend fun refund(): Int = mutex.write { ++left }

    public companion object {
        /** A correct box office with [initial] tickets. */
        public fun correct(initial: Int): Tickets = Tickets(initial, recheckUnderWrite = true)

        /** The same box office with a planted check-then-act bug: it may sell a ticket twice. */
        public fun broken(initial: Int): Tickets = Tickets(initial, recheckUnderWrite = false)

        /** 200 coroutines on `Dispatchers.Default` try to buy one of 40 tickets. */
        @JvmStatic
        public fun run(): Unit = runBlocking(Dispatchers.Default) {
            val tickets = correct(40)
            val bought = List(200) {
                async {
                    yield()
                    tickets.buy()
                }
            }.awaitAll().count { it }
            val left = tickets.remaining()
            println("  200 buyers, 40 tickets: $bought sold, $left left")
            check(bought == 40 && left == 0) { "sold $bought of 40, $left left" }
        }

        @JvmStatic
        public fun main(args: Array<String>): Unit = run()
    }
}
