package io.rwlocker.samples

import org.jetbrains.lincheck.datastructures.ModelCheckingOptions
import org.jetbrains.lincheck.datastructures.Operation
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/**
 * Model checking suspending operations costs more per invocation than blocking ones: a fifth of
 * the budget (`lincheck.iterations` x `lincheck.invocations / 5`, 10 x 200 by default).
 */
private fun suspendingOptions() = ModelCheckingOptions()
    .iterations(System.getProperty("lincheck.iterations", "10").toInt())
    .invocationsPerIteration(maxOf(1, System.getProperty("lincheck.invocations", "1000").toInt() / 5))
    .threads(2)
    .actorsPerThread(2)

/**
 * What a user of rwlocker does with their own coroutine code: model-check a structure guarded by a
 * [io.rwlocker.coroutines.ReadWriteMutex], whose operations suspend, with Lincheck. The correct
 * [Tickets] box office passes. Lincheck runs the suspending operations itself; it may cancel one
 * that waits for the mutex, and a cancelled operation must have had no effect.
 *
 * Like [DownstreamLincheckTest], this runs with `-Dio.rwlocker.spins=0` (`samples/pom.xml`).
 */
class DownstreamMutexLincheckTest {
    private val tickets = Tickets.correct(1)

    @Operation
    suspend fun buy(): Boolean = tickets.buy()

    @Operation
    suspend fun refund(): Int = tickets.refund()

    @Operation
    suspend fun remaining(): Int = tickets.remaining()

    @Test
    fun correctBoxOfficePasses() = suspendingOptions().check(this::class)
}

/**
 * The same box office with its planted check-then-act bug (no second check under the write lock):
 * two buyers both see the last ticket as readers, then both sell it. The model checker must catch
 * it. Only `buy` runs, so every scenario has two concurrent buyers of the one ticket.
 */
class PlantedBugMutexLincheckTest {
    private val tickets = Tickets.broken(1)

    @Operation
    suspend fun buy(): Boolean = tickets.buy()

    @Test
    fun plantedBugIsCaught() {
        // Lincheck reports the invalid results as an AssertionError; when replaying the failing
        // interleaving for its trace it may instead throw an IllegalStateException that still
        // carries them (seen with suspending operations in rwlocker-coroutines' negative control).
        val failure = assertThrows<Throwable> { suspendingOptions().minimizeFailedScenario(false).check(this::class) }
        assertTrue(failure.message.orEmpty().contains("Invalid execution results"), failure.toString())
    }
}
