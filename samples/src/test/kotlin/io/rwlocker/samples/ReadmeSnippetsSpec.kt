package io.rwlocker.samples

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.ints.shouldBeGreaterThan
import io.kotest.matchers.shouldBe
import java.nio.file.Files
import java.nio.file.Path
import kotlin.io.path.extension
import kotlin.io.path.readLines
import kotlin.io.path.readText

/**
 * The README's interop and migration snippets are code that compiles: every line of their
 * ```java / ```kotlin blocks is a line of a source file in this module (compared trimmed, so the
 * README may indent differently). A snippet edited in the README but not in `samples` (or the
 * other way round) fails here.
 */
class ReadmeSnippetsSpec : FunSpec({
    val readme = Path.of("../README.md").readText()
    val sourceLines: Set<String> = Files.walk(Path.of("src/main")).use { files ->
        files.filter { it.extension == "java" || it.extension == "kt" }.toList()
    }.flatMap { it.readLines() }.map { it.trim() }.toSet()

    for (heading in listOf("## Interop: kotlinx `Mutex`, Kotlin on threads, Java with coroutines", "## Migration notes")) {
        test("every code line of \"$heading\" is in samples") {
            val section = section(readme, heading)
            val lines = codeLines(section)
            lines.size shouldBeGreaterThan 5
            lines.filter { it !in sourceLines }.joinToString("\n") shouldBe ""
        }
    }

    test("the check can fail: a line that is in no sample is reported") {
        val missing = codeLines("```java\nint answer = 42; // not in samples\n```\n").filter { it !in sourceLines }
        missing shouldBe listOf("int answer = 42; // not in samples")
    }
})

/** The text from [heading] to the next `## ` heading. */
private fun section(readme: String, heading: String): String {
    val start = readme.indexOf("\n$heading\n")
    require(start >= 0) { "README has no section $heading" }
    val end = readme.indexOf("\n## ", start + heading.length + 2)
    return if (end < 0) readme.substring(start) else readme.substring(start, end)
}

/** The trimmed non-blank lines of the ```java and ```kotlin blocks of [text]. */
private fun codeLines(text: String): List<String> {
    val lines = mutableListOf<String>()
    var inCode = false
    for (raw in text.lines()) {
        val line = raw.trim()
        when {
            !inCode && (line == "```java" || line == "```kotlin") -> inCode = true
            inCode && line == "```" -> inCode = false
            inCode && line.isNotEmpty() -> lines += line
        }
    }
    return lines
}
