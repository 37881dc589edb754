package io.rwlocker.coroutines.reliability

import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import java.nio.file.Files
import java.nio.file.Paths
import java.util.concurrent.atomic.AtomicReference

/**
 * The bad-input matrix of [BadInputTable], one test per row: the row's check runs on a fresh
 * platform thread (bounded: 60 s) for every configuration the row names, and then the lock must
 * be free and still work from both faces.
 *
 * The last test checks that the README's Reliability table is exactly this table (one README row
 * per matrix row). After changing the rows, regenerate it with
 * `mvn -pl rwlocker-coroutines -am test -Dtest=BadInputSpec -Dsurefire.failIfNoSpecifiedTests=false -Drwlocker.readme.write=true`.
 */
class BadInputSpec : FunSpec({
    timeout = 600_000L
    blockingTest = true

    BadInputTable.rows.forEachIndexed { index, row ->
        test("#${index + 1} ${row.type} ${row.call}: ${row.input} -> ${row.result}".replace("`", "")) {
            for (variant in row.variants) {
                onFreshThread("$variant") {
                    val case = BadInputCase(variant)
                    row.check(case)
                    case.stillWorks()
                }
            }
        }
    }

    test("the README's Reliability table is this table, one row per test") {
        val readme = Paths.get("..", "README.md")
        val text = Files.readString(readme)
        val begin = text.indexOf(BEGIN)
        val end = text.indexOf(END)
        withClue("README.md has no generated bad-input table ($BEGIN ... $END)") { (begin in 0 until end) shouldBe true }
        val current = text.substring(begin + BEGIN.length, end)
        val generated = "\n" + table() + "\n"
        if (System.getProperty("rwlocker.readme.write") == "true") {
            Files.writeString(readme, text.substring(0, begin + BEGIN.length) + generated + text.substring(end))
        } else {
            withClue("README.md's bad-input table is out of date: regenerate it (see BadInputSpec's KDoc)") { current shouldBe generated }
        }
    }
}) {
    companion object {
        const val BEGIN = "<!-- bad-input table: generated from BadInputTable.kt, checked by BadInputSpec -->"
        const val END = "<!-- end of bad-input table -->"

        /** The README table. */
        fun table(): String = buildString {
            append("| # | type | call | input or situation | result (and the lock still works afterwards) |\n")
            append("|---|---|---|---|---|\n")
            BadInputTable.rows.forEachIndexed { index, row ->
                append("| ${index + 1} ${row.markdown()}\n")
            }
        }.trimEnd()
    }
}

/** Runs [block] on a fresh platform thread and waits for it (at most 60 s), rethrowing its failure. */
private fun onFreshThread(what: String, block: () -> Unit) {
    val failure = AtomicReference<Throwable>()
    val thread = Thread({
        try {
            block()
        } catch (t: Throwable) {
            failure.set(t)
        }
    }, "bad-input").apply {
        isDaemon = true
        start()
    }
    thread.join(60_000)
    if (thread.isAlive) {
        val stack = thread.stackTrace.joinToString("\n  at ")
        thread.interrupt()
        throw AssertionError("[$what] did not finish within 60 s:\n  at $stack")
    }
    failure.get()?.let { throw AssertionError("[$what] ${it.message}", it) }
}
