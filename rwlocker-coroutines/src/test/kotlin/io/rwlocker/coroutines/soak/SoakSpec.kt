package io.rwlocker.coroutines.soak

import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.longs.shouldBeGreaterThan
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.rwlocker.Policy
import java.nio.file.Files
import java.nio.file.Paths
import java.util.SplittableRandom
import java.util.concurrent.ConcurrentLinkedQueue
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit

/**
 * The chaos soak (issue 15): every configuration of [SoakSubjects] runs with a crew of platform
 * threads, virtual threads (JDK 21+) and coroutines on one primitive, under injected interrupts,
 * cancellations, timeouts and misuse, with the invariant monitor on (see [SoakRunner] and
 * [RWLockSubject]). A configuration passes with zero violations and every worker finished.
 *
 * Length: `-Dsoak.minutes` in total (default 0.4: a ~25 s short form in `mvn verify`), shared
 * equally by the configurations, at least 1 s each. The long form: `mvn -Psoak -Dsoak.minutes=N`
 * (the profile's default is 2). Crew: `-Dsoak.platform` (4), `-Dsoak.virtual` (8, JDK 21+ only)
 * and `-Dsoak.coroutines` (8). `-Dsoak.only=TEXT,...` runs only the configurations whose name
 * contains one of the texts (ignoring case), e.g. `-Dsoak.only=Guarded,PriorityDispatcher`, sharing
 * the whole length. The summary (threads, operations, faults, minutes, violations) is
 * printed and written to `target/soak-summary.txt`.
 *
 * Three negative controls prove that the checks can fail: writers that take the read lock are
 * caught by the exclusion monitor, a phantom signal by the signal accounting, and a worker that
 * never finishes by the bounded join (with a thread dump naming it).
 */
class SoakSpec : FunSpec({
    val minutes = System.getProperty("soak.minutes", "0.4").toDouble()
    val platform = Integer.getInteger("soak.platform", 4)
    val virtual = if (VirtualThreads.available) Integer.getInteger("soak.virtual", 8) else 0
    val coroutines = Integer.getInteger("soak.coroutines", 8)
    val crew = Crew(platform, virtual, coroutines)
    val only = System.getProperty("soak.only", "").split(',').map { it.trim() }.filter { it.isNotEmpty() }
    val subjects = SoakSubjects.all.filter { f -> only.isEmpty() || only.any { f.name.contains(it, ignoreCase = true) } }
    val perSubjectMillis = maxOf(1_000L, (minutes * 60_000.0 / subjects.size).toLong())
    val reports = ConcurrentLinkedQueue<SoakReport>()

    timeout = perSubjectMillis * subjects.size + 300_000L
    blockingTest = true

    if (!VirtualThreads.available) {
        println("SoakSpec: no virtual threads in the crews: ${VirtualThreads.skipReason}")
    }

    for (factory in subjects) {
        test("$factory: $crew under chaos for $perSubjectMillis ms: no violation, every worker finishes") {
            val report = SoakRunner(crew, perSubjectMillis).run(factory)
            reports += report
            print(report.details())
            withClue(report.details() + (report.threadDump ?: "")) {
                report.counts.violations shouldBe 0L
                report.counts.operations shouldBeGreaterThan 0L
            }
        }
    }

    val controlCrew = Crew(platform = 3, virtual = if (VirtualThreads.available) 2 else 0, coroutines = 3)

    test("control: writers that take the read lock are caught by the exclusion monitor") {
        val planted = SoakSubjectFactory("planted") { RWLockSubject(Policy.WRITER_PREFERRING, false, it, RWLockSubject.Plant.WRITERS_SHARE) }
        val report = SoakRunner(controlCrew, 700L).run(planted)
        println("control: ${report.line()}")
        report.counts.violations shouldBeGreaterThan 0L
        report.counts.messages.joinToString("\n") shouldContain "entered" // "a writer entered beside", "a reader entered while"
    }

    test("control: a phantom signal is caught by the signal accounting") {
        val planted = SoakSubjectFactory("planted") { RWLockSubject(Policy.FAIR, true, it, RWLockSubject.Plant.PHANTOM_SIGNAL) }
        val report = SoakRunner(controlCrew, 700L).run(planted)
        println("control: ${report.line()}")
        report.counts.violations shouldBeGreaterThan 0L
        report.counts.messages.joinToString("\n") shouldContain "RWCondition: signal(n) returned"
    }

    test("control: a worker that never finishes fails the run, and the thread dump names it") {
        val release = CountDownLatch(1)
        val stuck = SoakSubjectFactory("stuck") { StuckSubject(release) }
        try {
            val report = SoakRunner(Crew(2, 0, 1), 200L, joinBoundMillis = 500L, chaos = false).run(stuck)
            println("control: ${report.line()}")
            report.counts.violations shouldBe 1L
            report.counts.messages.single() shouldContain "1 of 3 worker(s) did not finish"
            val dump = report.threadDump ?: error("no thread dump")
            dump shouldContain "platform-0"
            dump shouldContain "StuckSubject.threadStep"
        } finally {
            release.countDown()
        }
    }

    afterSpec {
        val all = reports.toList()
        if (all.isEmpty()) return@afterSpec
        val faults = Fault.entries.associateWith { f -> all.sumOf { it.counts.faults.getValue(f) } }
        val summary = String.format(
            "soak summary: %d configurations, each %s, %.2f minutes in total: %,d operations, %,d faults injected (%s), %d violations%n",
            all.size, crew, all.sumOf { it.seconds } / 60.0, all.sumOf { it.counts.operations },
            faults.values.sum(), faults.entries.joinToString(", ") { (k, v) -> "%,d %s".format(v, k.label) },
            all.sumOf { it.counts.violations },
        )
        print(summary)
        val target = Paths.get("target")
        if (Files.isDirectory(target)) {
            Files.writeString(target.resolve("soak-summary.txt"), summary + all.joinToString("") { it.details() })
        }
    }
})

/** A subject whose first platform worker never finishes until the test releases it. */
private class StuckSubject(private val release: CountDownLatch) : SoakSubject {
    override val name = "stuck"

    override fun threadStep(worker: Worker, random: SplittableRandom) {
        if (worker.name == "platform-0") {
            worker.phase = "stuck on purpose"
            while (true) { // until the test releases it (in a finally): interrupts do not end it
                try {
                    if (release.await(10, TimeUnit.SECONDS)) return
                } catch (ignored: InterruptedException) {
                }
            }
        }
    }

    override suspend fun coroutineStep(worker: Worker, random: SplittableRandom) {}

    override fun drain() {}

    override fun finish(tally: Tally) {}

    override fun describe() = "stuck"
}
