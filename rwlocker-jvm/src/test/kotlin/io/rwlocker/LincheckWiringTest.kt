package io.rwlocker

import org.jetbrains.lincheck.datastructures.ModelCheckingOptions
import org.jetbrains.lincheck.datastructures.Operation
import org.junit.jupiter.api.Test
import java.util.concurrent.locks.ReentrantLock
import kotlin.concurrent.withLock

/**
 * Placeholder that proves the Lincheck wiring (agent, JVM flags, budget read from the
 * `lincheck.iterations` / `lincheck.invocations` system properties) on a counter guarded
 * by a ReentrantLock.
 */
class LincheckWiringTest {
    private val lock = ReentrantLock()
    private var value = 0

    @Operation
    fun inc(): Int = lock.withLock { ++value }

    @Operation
    fun get(): Int = lock.withLock { value }

    @Test
    fun modelChecking() = ModelCheckingOptions()
        .iterations(System.getProperty("lincheck.iterations", "10").toInt())
        .invocationsPerIteration(System.getProperty("lincheck.invocations", "1000").toInt())
        .check(this::class)
}
