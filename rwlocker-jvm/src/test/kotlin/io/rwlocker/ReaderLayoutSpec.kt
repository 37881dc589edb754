package io.rwlocker

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.ints.shouldBeGreaterThanOrEqual
import io.kotest.matchers.shouldBe
import java.lang.reflect.Field
import java.lang.reflect.Modifier

/**
 * Pins the cache-line layout that the biased read path and the contended paths rely on, on
 * whichever JDK runs the suite (the JVM chooses field offsets, and it fills any gap of a
 * superclass with subclass fields, which once pulled a record's hot field next to the object
 * header and its `thread` field onto the owner's hot line).
 *
 * Two fields can share a 64-byte line, whatever the object's alignment, only if fewer than 64
 * bytes separate their starts; so every field other threads read or write must start at least
 * 64 bytes from every hot field, and the hot fields at least 64 bytes from the object start.
 */
class ReaderLayoutSpec : FunSpec({
    val unsafe = sun.misc.Unsafe::class.java.getDeclaredField("theUnsafe")
        .apply { isAccessible = true }.get(null) as sun.misc.Unsafe

    fun fields(type: Class<*>): List<Field> =
        generateSequence(type) { it.superclass }.takeWhile { it != Any::class.java }
            .flatMap { it.declaredFields.asSequence() }
            .filter { !Modifier.isStatic(it.modifiers) }.toList()

    fun offset(f: Field): Long = unsafe.objectFieldOffset(f)

    fun checkIsolated(type: Class<*>, hot: Set<String>, isPadding: (String) -> Boolean) {
        val all = fields(type)
        val hotFields = all.filter { it.name in hot }
        hotFields.map { it.name }.toSet() shouldBe hot
        val others = all.filter { it.name !in hot && !isPadding(it.name) }
        for (h in hotFields) {
            offset(h).toInt() shouldBeGreaterThanOrEqual 64
            for (o in others) {
                withClue("${type.simpleName}: ${o.name} @${offset(o)} vs hot ${h.name} @${offset(h)}") {
                    Math.abs(offset(o) - offset(h)).toInt() shouldBeGreaterThanOrEqual 64
                }
            }
        }
        // Something follows the hot block (the trailing padding keeps the next object away).
        val lastHot = hotFields.maxOf { offset(it) }
        (all.maxOf { offset(it) } - lastHot).toInt() shouldBeGreaterThanOrEqual 60
    }

    test("a reader record's hot fields have a cache line of their own") {
        checkIsolated(
            Class.forName("io.rwlocker.internal.ReaderRecord"),
            setOf("visible", "holds", "central", "centralReads"),
        ) { it.startsWith("pad") }
    }

    test("the engine's state word and write owner have a cache line of their own") {
        checkIsolated(
            Class.forName("io.rwlocker.internal.LockEngine"),
            setOf("state", "writeOwner", "writeHolds"),
        ) { it.matches(Regex("p\\d+i?")) }
    }
})

private inline fun <T> withClue(clue: String, block: () -> T): T =
    io.kotest.assertions.withClue(clue, block)
