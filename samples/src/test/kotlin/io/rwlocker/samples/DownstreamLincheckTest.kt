package io.rwlocker.samples

import org.jetbrains.lincheck.datastructures.IntGen
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions
import org.jetbrains.lincheck.datastructures.Operation
import org.jetbrains.lincheck.datastructures.Param
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

private fun options() = ModelCheckingOptions()
    .iterations(System.getProperty("lincheck.iterations", "10").toInt())
    .invocationsPerIteration(System.getProperty("lincheck.invocations", "1000").toInt())
    .threads(2)
    .actorsPerThread(2)

/**
 * What a user of rwlocker does with their own code: model-check a data structure built on
 * [io.rwlocker.RWLock] with Lincheck. The correct [MemoCache] passes.
 *
 * This module's Surefire runs with `-Dio.rwlocker.spins=0` (see `samples/pom.xml` and the README's
 * "Verification"): the locks then park at once instead of spinning, so the model checker's budget
 * goes to schedules that differ in what the threads do, not in how long one of them spun.
 */
@Param(name = "key", gen = IntGen::class, conf = "1:2")
class DownstreamLincheckTest {
    private val cache = MemoCache.correct { it * 7 }

    @Operation
    fun get(@Param(name = "key") key: Int): Int? = cache.get(key)

    @Operation
    fun computeIfAbsent(@Param(name = "key") key: Int): String = cache.computeIfAbsent(key)

    @Test
    fun correctCachePasses() = options().check(this::class)
}

/** The same structure with a planted check-then-act bug: the model checker must catch it. */
@Param(name = "key", gen = IntGen::class, conf = "1:2")
class PlantedBugLincheckTest {
    private val cache = MemoCache.broken { it * 7 }

    @Operation
    fun get(@Param(name = "key") key: Int): Int? = cache.get(key)

    @Operation
    fun computeIfAbsent(@Param(name = "key") key: Int): String = cache.computeIfAbsent(key)

    @Test
    fun plantedBugIsCaught() {
        val failure = assertThrows<AssertionError> { options().check(this::class) }
        assertTrue(failure.message.orEmpty().contains("Invalid execution results"), failure.message)
    }
}
