package io.rwlocker

import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldBeEmpty
import io.kotest.matchers.collections.shouldContainAll
import io.kotest.matchers.shouldBe
import java.nio.file.FileSystems
import java.nio.file.Files
import java.nio.file.Path
import java.nio.file.Paths
import kotlin.streams.toList

/**
 * `.ci/jdk21-excludes.txt`, the Surefire exclusions of `.ci/run`'s JDK 21+ run, against the test
 * classes of the whole repository: every pattern still excludes something (a renamed class would
 * otherwise run twice, or a pattern silently match nothing), the model-checking Lincheck classes
 * are excluded, and the proofs that Lincheck works on that JDK (the wiring test, the negative
 * controls, the planted bugs) are not.
 */
private val TOP_LEVEL_CLASS = Regex("^(?:public |internal |private |abstract |open |final )*class (\\w+)")

class CiExclusionsSpec : FunSpec({
    val root = Paths.get("..").toAbsolutePath().normalize()
    val excludes = root.resolve(".ci/jdk21-excludes.txt")

    /** Every test class of the repository as Surefire sees it: `io/rwlocker/x/Name.class`. */
    fun testClasses(): List<String> {
        val modules = listOf("rwlocker-jvm", "rwlocker-kotlin", "rwlocker-coroutines", "samples", "benchmarks")
        return modules.flatMap { module ->
            listOf("kotlin", "java").map { root.resolve("$module/src/test/$it") }.filter { Files.isDirectory(it) }.flatMap { dir ->
                Files.walk(dir).use { paths ->
                    paths.filter { Files.isRegularFile(it) && (it.toString().endsWith(".kt") || it.toString().endsWith(".java")) }
                        .toList()
                }.flatMap { file ->
                    // The file's own name and every top-level class declared in it (a Kotlin file may hold several).
                    val relative = dir.relativize(file).toString().replace('\\', '/')
                    val folder = relative.substringBeforeLast('/', "")
                    val declared = Files.readAllLines(file).mapNotNull { TOP_LEVEL_CLASS.find(it)?.groupValues?.get(1) }
                    (declared + relative.substringAfterLast('/').substringBeforeLast('.')).distinct().map { "$folder/$it.class" }
                }
            }
        }
    }

    fun patterns(): List<String> =
        Files.readAllLines(excludes).map { it.trim() }.filter { it.isNotEmpty() && !it.startsWith("#") }

    fun excluded(classes: List<String>, patterns: List<String>): Set<String> {
        val matchers = patterns.map { FileSystems.getDefault().getPathMatcher("glob:$it") }
        return classes.filter { c -> matchers.any { it.matches(Path.of(c)) } }.toSet()
    }

    test("every pattern of the JDK 21+ exclusions still matches a test class") {
        val classes = testClasses()
        (classes.size > 100) shouldBe true // the walk found the repository's tests
        val dead = patterns().filter { excluded(classes, listOf(it)).isEmpty() }
        withClue("patterns that match no test class: $dead") { dead.shouldBeEmpty() }
    }

    test("the model-checking Lincheck classes are excluded; the wiring test, the negative controls and the planted bugs are not") {
        val classes = testClasses()
        val out = excluded(classes, patterns())
        val modelChecks = classes.filter { c ->
            val name = c.substringAfterLast('/')
            "/lincheck/" in c && (name.endsWith("LincheckSpec.class") || name.endsWith("LincheckTest.class"))
        }
        out shouldContainAll modelChecks
        out shouldContainAll classes.filter { it.substringAfterLast('/').startsWith("Downstream") && "Lincheck" in it }
        val proofs = classes.filter { c ->
            val name = c.substringAfterLast('/')
            name.startsWith("LincheckWiring") || "NegativeControl" in name || name.startsWith("PlantedBug")
        }
        withClue("the proofs found: $proofs") { (proofs.size >= 3) shouldBe true }
        withClue("proofs excluded from the JDK 21+ run: ${proofs.filter { it in out }}") { proofs.filter { it in out }.shouldBeEmpty() }
    }
})
