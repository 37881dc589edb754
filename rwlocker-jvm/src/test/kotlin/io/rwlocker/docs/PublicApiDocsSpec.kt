package io.rwlocker.docs

import com.sun.source.tree.ClassTree
import com.sun.source.tree.CompilationUnitTree
import com.sun.source.tree.MethodTree
import com.sun.source.tree.Tree
import com.sun.source.tree.VariableTree
import com.sun.source.util.DocTrees
import com.sun.source.util.JavacTask
import com.sun.source.util.TreePathScanner
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.ints.shouldBeGreaterThan
import java.nio.file.Files
import java.nio.file.Path
import javax.lang.model.element.Modifier
import javax.tools.ToolProvider
import kotlin.io.path.isRegularFile
import kotlin.io.path.name

/**
 * The standard the javadoc build cannot enforce on its own (its `missing` doclint group would
 * also want `@param`/`@return` everywhere): every public type of the published package
 * `io.rwlocker` has a javadoc comment, each top-level one with a usage example (`<pre>`), and
 * every public or protected method, constructor and field of a public type has a comment (an
 * `@Override` without one inherits the overridden method's comment, as javadoc shows it). Broken `{@link}`s and
 * bad HTML are the javadoc build's part (doclint `all,-missing` with failOnWarnings).
 */
class PublicApiDocsSpec : FunSpec({
    val sources = Path.of("src/main/java/io/rwlocker")

    test("every public type and member of io.rwlocker is documented, each type with an example") {
        val files = Files.list(sources).use { stream ->
            stream.filter { it.isRegularFile() && it.name.endsWith(".java") }.toList()
        }
        files.size shouldBeGreaterThan 5
        undocumented(files).joinToString("\n") shouldBe "" // all of them in the failure message
    }

    test("the check can fail: an undocumented public method and a type without an example are reported") {
        val dir = Files.createTempDirectory("docs-check")
        val file = dir.resolve("Sample.java")
        Files.writeString(
            file,
            """
            package io.rwlocker;
            /** A type without an example. */
            public final class Sample {
                public void undocumented() { }
                /** Documented. */
                public void documented() { }
                @Override public String toString() { return ""; }
                void packagePrivate() { }
                public enum Mode { /** Documented. */ ONE, TWO }
            }
            """.trimIndent(),
        )
        undocumented(listOf(file)) shouldBe listOf(
            "Sample.java: type Sample has no usage example (<pre>)",
            "Sample.java: undocumented undocumented() of Sample",
            "Sample.java: undocumented type Mode",
            "Sample.java: undocumented field TWO of Mode",
        )
    }
})

/** Parses [files] (no compilation) and lists the public API without javadoc. */
private fun undocumented(files: List<Path>): List<String> {
    val compiler = ToolProvider.getSystemJavaCompiler()
    compiler.getStandardFileManager(null, null, Charsets.UTF_8).use { fileManager ->
        val units = fileManager.getJavaFileObjectsFromPaths(files)
        val task = compiler.getTask(null, fileManager, null, listOf("-proc:none"), null, units) as JavacTask
        val docs = DocTrees.instance(task)
        val problems = mutableListOf<String>()
        for (unit in task.parse()) {
            DocScanner(unit, docs, problems).scan(unit, null)
        }
        return problems
    }
}

private val OVERRIDE = setOf("Override", "java.lang.Override")

private class DocScanner(
    private val unit: CompilationUnitTree,
    private val docs: DocTrees,
    private val problems: MutableList<String>,
) : TreePathScanner<Unit, Unit?>() {
    private val fileName = Path.of(unit.sourceFile.toUri()).name

    override fun visitClass(node: ClassTree, p: Unit?) {
        if (!node.modifiers.flags.contains(Modifier.PUBLIC)) return
        val comment = docs.getDocCommentTree(currentPath)
        if (comment == null) {
            problems += "$fileName: undocumented type ${node.simpleName}"
        } else if (currentPath.parentPath.leaf is CompilationUnitTree && !comment.toString().contains("<pre>")) {
            problems += "$fileName: type ${node.simpleName} has no usage example (<pre>)"
        }
        super.visitClass(node, p)
    }

    override fun visitMethod(node: MethodTree, p: Unit?) {
        // An @Override without a comment inherits the overridden method's (javadoc copies it).
        val overrides = node.modifiers.annotations.any { it.annotationType.toString() in OVERRIDE }
        if (isApi(node.modifiers.flags) && !overrides && docs.getDocCommentTree(currentPath) == null) {
            val owner = (currentPath.parentPath.leaf as ClassTree).simpleName
            val name = if (node.name.contentEquals("<init>")) "constructor" else node.name.toString()
            problems += "$fileName: undocumented $name() of $owner"
        }
        return // a method body declares no API
    }

    override fun visitVariable(node: VariableTree, p: Unit?) {
        val parent = currentPath.parentPath.leaf
        if (parent is ClassTree && isApi(node.modifiers.flags) &&
            docs.getDocCommentTree(currentPath) == null
        ) {
            problems += "$fileName: undocumented field ${node.name} of ${parent.simpleName}"
        }
    }

    /** Public or protected (enum constants are public to the parser), or an interface member. */
    private fun isApi(flags: Set<Modifier>): Boolean {
        if (flags.contains(Modifier.PUBLIC) || flags.contains(Modifier.PROTECTED)) return true
        val owner = currentPath.parentPath.leaf as? ClassTree ?: return false
        return when (owner.kind) {
            Tree.Kind.INTERFACE, Tree.Kind.ANNOTATION_TYPE -> !flags.contains(Modifier.PRIVATE)
            else -> false
        }
    }
}
