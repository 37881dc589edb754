package io.rwlocker.samples

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.string.shouldStartWith
import io.rwlocker.RWLock
import io.rwlocker.coroutines.ReadWriteMutex
import java.io.File
import java.nio.file.Files
import java.nio.file.Path
import java.util.concurrent.TimeUnit
import java.util.jar.Attributes
import java.util.jar.JarEntry
import java.util.jar.JarOutputStream
import java.util.jar.Manifest
import javax.tools.Diagnostic
import javax.tools.DiagnosticCollector
import javax.tools.JavaFileObject
import javax.tools.ToolProvider
import kotlin.io.path.extension
import kotlin.io.path.isDirectory
import kotlin.io.path.isRegularFile
import kotlin.io.path.readText
import kotlin.io.path.relativeTo

/**
 * JPMS: a consumer module (src/test/resources/module-consumer/consumer) is compiled with
 * `--module-path` against rwlocker's modules and run with `java --module-path ... -m`, so a broken
 * `module-info` of rwlocker-jvm (a missing export, a wrong qualified export, a missing
 * `requires`) or a wrong `Automatic-Module-Name` of the Kotlin jars fails the build. A second
 * module that imports `io.rwlocker.internal` must not compile.
 *
 * The modules are taken from this test's class path: in a reactor `mvn verify` those are the
 * packaged jars (their real manifests). Under `mvn test` a Kotlin module is a classes directory,
 * which the module system can only use as an automatic module inside a jar: the test then jars it
 * with the Automatic-Module-Name its pom declares.
 */
class ModulePathSpec : FunSpec({
    timeout = 180_000

    val sources = Path.of("src/test/resources/module-consumer")

    fun modulePath(work: Path): List<Path> = listOf(
        location(RWLock::class.java).also { it.isModule() shouldBe true },
        asModuleJar(location(ReadWriteMutex::class.java), "io.rwlocker.coroutines", work),
        asModuleJar(location(Class.forName("io.rwlocker.kotlin.Locking")), "io.rwlocker.kotlin", work),
        location(Unit::class.java),
        location(kotlinx.coroutines.Job::class.java),
    )

    test("a consumer module compiles against the module path and runs with java -m") {
        val work = Files.createTempDirectory("module-path")
        val path = modulePath(work)
        val out = work.resolve("consumer")
        val diagnostics = compile(sources.resolve("consumer"), out, path)
        diagnostics.filter { it.kind == Diagnostic.Kind.ERROR }.map { it.toString() } shouldBe emptyList()

        val java = Path.of(System.getProperty("java.home"), "bin", "java").toString()
        val log = work.resolve("run.log").toFile()
        val process = ProcessBuilder(
            java, "--module-path", (listOf(out) + path).joinToString(File.pathSeparator),
            "-m", "io.rwlocker.consumer/io.rwlocker.consumer.Main",
        ).redirectErrorStream(true).redirectOutput(log).start()
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly()
            throw AssertionError("the consumer did not finish in 120 s: ${log.readText()}")
        }
        val output = log.readText()
        withClue(output) { process.exitValue() shouldBe 0 }
        output.trim() shouldStartWith "module path OK: io.rwlocker"
    }

    test("a module that imports io.rwlocker.internal does not compile: the export is qualified") {
        val work = Files.createTempDirectory("module-path-sneaky")
        val diagnostics = compile(sources.resolve("sneaky"), work.resolve("sneaky"), modulePath(work))
        val errors = diagnostics.filter { it.kind == Diagnostic.Kind.ERROR }
        errors.map { it.code }.toSet() shouldBe setOf("compiler.err.package.not.visible")
        errors.first().getMessage(null) shouldContain "io.rwlocker.internal"
    }
})

private fun <T> withClue(clue: String, block: () -> T): T = io.kotest.assertions.withClue(clue, block)

/** The jar or classes directory [type] was loaded from. */
private fun location(type: Class<*>): Path = Path.of(type.protectionDomain.codeSource.location.toURI())

/** Whether [path] is a modular jar or an exploded module (has a module-info.class). */
private fun Path.isModule(): Boolean =
    if (isDirectory()) resolve("module-info.class").isRegularFile() else true

/**
 * [location] itself if it is a jar (the packaged artifact, with its own manifest), else a jar of
 * that classes directory whose manifest names the automatic module [name].
 */
private fun asModuleJar(location: Path, name: String, work: Path): Path {
    if (!location.isDirectory()) return location
    val jar = work.resolve("$name.jar")
    val manifest = Manifest().apply {
        mainAttributes[Attributes.Name.MANIFEST_VERSION] = "1.0"
        mainAttributes[Attributes.Name("Automatic-Module-Name")] = name
    }
    JarOutputStream(Files.newOutputStream(jar), manifest).use { out ->
        Files.walk(location).use { files ->
            files.filter { it.isRegularFile() }.forEach { file ->
                out.putNextEntry(JarEntry(file.relativeTo(location).joinToString("/")))
                Files.copy(file, out)
                out.closeEntry()
            }
        }
    }
    return jar
}

/** Compiles the module whose sources are under [dir] (module-info.java at its root) into [out]. */
private fun compile(dir: Path, out: Path, modulePath: List<Path>): List<Diagnostic<out JavaFileObject>> {
    val compiler = ToolProvider.getSystemJavaCompiler()
    val diagnostics = DiagnosticCollector<JavaFileObject>()
    val files = Files.walk(dir).use { walk -> walk.filter { it.extension == "java" }.toList() }
    compiler.getStandardFileManager(diagnostics, null, Charsets.UTF_8).use { fileManager ->
        val options = listOf(
            "--release", "17",
            "--module-path", modulePath.joinToString(File.pathSeparator),
            "-d", out.toString(),
        )
        compiler.getTask(null, fileManager, diagnostics, options, null, fileManager.getJavaFileObjectsFromPaths(files)).call()
    }
    return diagnostics.diagnostics
}
