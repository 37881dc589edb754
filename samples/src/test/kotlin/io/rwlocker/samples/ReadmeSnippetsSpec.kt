package io.rwlocker.samples

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldBeEmpty
import io.kotest.matchers.ints.shouldBeGreaterThan
import io.kotest.matchers.ints.shouldBeLessThanOrEqual
import io.kotest.matchers.shouldBe
import java.nio.file.Files
import java.nio.file.Path
import kotlin.io.path.extension
import kotlin.io.path.invariantSeparatorsPathString
import kotlin.io.path.readLines
import kotlin.io.path.readText

/**
 * Every ```java and ```kotlin block of the README is code of this module: its lines, trimmed and
 * without blank lines, appear in the same order and without gaps in one source file of
 * `samples/src` (main and test code, and the module-path consumer's sources). A line `...` or a
 * comment starting with `// ...` marks an elision: the parts around it must each be a run of
 * consecutive lines, in that order in the same file. A snippet edited in the README but not in
 * `samples` (or the other way round) fails here.
 *
 * A block that is not code of this project (a Gradle build script) is skipped only when the line
 * right above its fence is an HTML comment `<!-- not-compiled: reason -->`; the spec prints every
 * skipped block and bounds their number, so skips stay visible and rare.
 */
class ReadmeSnippetsSpec : FunSpec({
    val readme = Path.of("../README.md").readText()
    val sources: Map<String, List<String>> = Files.walk(Path.of("src")).use { files ->
        files.filter { (it.extension == "java" || it.extension == "kt") && it.fileName.toString() != "ReadmeSnippetsSpec.kt" }.toList()
    }.associate { file -> file.invariantSeparatorsPathString to file.readLines().map { it.trim() }.filter { it.isNotEmpty() } }

    test("every java and kotlin block of the README is a run of lines of one samples source file") {
        val blocks = codeBlocks(readme)
        val skipped = blocks.filter { it.skipReason != null }
        val checked = blocks.filter { it.skipReason == null }
        println("README: ${blocks.size} java/kotlin blocks, ${checked.size} checked against samples, ${skipped.size} skipped")
        skipped.forEach { println("  skipped block at README line ${it.line}: ${it.skipReason}") }

        checked.size shouldBeGreaterThan 40
        skipped.size shouldBeLessThanOrEqual 2
        checked.mapNotNull { block -> if (sources.values.any { contains(it, block.fragments) }) null else describe(block, sources) }
            .shouldBeEmpty()
    }

    test("the check can fail: an edited line, a reordered block and a new block are reported") {
        val quickStart = sources.entries.single { it.key.endsWith("/QuickStart.java") }.value
        val get = "public String get(String key) {"
        val read = "    try (Guard g = lock.read().acquire()) {          // shared: many readers at once"
        fun block(vararg lines: String) = codeBlocks("```java\n" + lines.joinToString("\n") + "\n```\n").single()
        contains(quickStart, block(get, read).fragments) shouldBe true
        contains(quickStart, block(get, read.replace("read()", "write()")).fragments) shouldBe false
        contains(quickStart, block(read, get).fragments) shouldBe false
        contains(quickStart, block(get, "        return table.get(key);").fragments) shouldBe false
        contains(quickStart, block(get, "    // ...", "        return table.get(key);").fragments) shouldBe true
        val missing = codeBlocks("```kotlin\nval answer = 42 // not in samples\n```\n").single()
        sources.values.any { contains(it, missing.fragments) } shouldBe false
    }

    test("a skip needs the marker right above the fence") {
        val blocks = codeBlocks("<!-- not-compiled: a build script -->\n```kotlin\nplugins { }\n```\n\n```kotlin\nplugins { }\n```\n")
        blocks.map { it.skipReason } shouldBe listOf("a build script", null)
    }
})

/** A ```java or ```kotlin block: where it starts, its parts between elisions, and why it is skipped (if it is). */
private class Block(val line: Int, val fragments: List<List<String>>, val skipReason: String?)

private const val SKIP_MARKER = "<!-- not-compiled:"

private fun isElision(line: String) = line == "..." || line.startsWith("// ...")

/** The ```java and ```kotlin blocks of [text], each split at its elision lines. */
private fun codeBlocks(text: String): List<Block> {
    val lines = text.lines()
    val blocks = mutableListOf<Block>()
    var i = 0
    while (i < lines.size) {
        val fence = lines[i].trim()
        if (fence != "```java" && fence != "```kotlin") {
            i++
            continue
        }
        val above = lines.subList(0, i).lastOrNull { it.isNotBlank() }?.trim()
        val skipReason = above?.takeIf { it.startsWith(SKIP_MARKER) && it.endsWith("-->") }
            ?.removePrefix(SKIP_MARKER)?.removeSuffix("-->")?.trim()
        val fragments = mutableListOf(mutableListOf<String>())
        var j = i + 1
        while (j < lines.size && lines[j].trim() != "```") {
            val line = lines[j].trim()
            when {
                line.isEmpty() -> {}
                isElision(line) -> fragments += mutableListOf<String>()
                else -> fragments.last() += line
            }
            j++
        }
        require(j < lines.size) { "README block at line ${i + 1} is not closed" }
        blocks += Block(i + 1, fragments.filter { it.isNotEmpty() }, skipReason)
        i = j + 1
    }
    return blocks
}

/** Whether every fragment is a run of consecutive lines of [file], the fragments in order. */
private fun contains(file: List<String>, fragments: List<List<String>>): Boolean {
    var from = 0
    for (fragment in fragments) {
        val at = (from..file.size - fragment.size).firstOrNull { start ->
            fragment.indices.all { file[start + it] == fragment[it] }
        } ?: return false
        from = at + fragment.size
    }
    return true
}

/** What is wrong with [block]: the lines that are in no source file, or else that the run is broken. */
private fun describe(block: Block, sources: Map<String, List<String>>): String {
    val everyLine = sources.values.flatten().toSet()
    val missing = block.fragments.flatten().filter { it !in everyLine }
    return if (missing.isNotEmpty()) {
        "README line ${block.line}: not in any samples source: ${missing.joinToString(" | ")}"
    } else {
        val file = sources.maxByOrNull { (_, lines) -> block.fragments.flatten().count { it in lines } }?.key
        "README line ${block.line}: every line exists, but not as one run in one file (closest: $file); " +
            "mark a gap with a line `// ...`"
    }
}
