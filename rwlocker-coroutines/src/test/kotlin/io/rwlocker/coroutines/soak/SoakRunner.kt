package io.rwlocker.coroutines.soak

import java.util.SplittableRandom
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicBoolean
import java.util.concurrent.locks.LockSupport
import kotlin.coroutines.CoroutineContext
import kotlin.coroutines.EmptyCoroutineContext
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineName
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.launch

/**
 * Runs one [SoakSubject] with a [crew] for [millis] and returns what happened.
 *
 *  1. Starts the thread workers (platform, and virtual on JDK 21+) and the coroutine workers
 *     (on Dispatchers.Default; every third coroutine runs its operations on
 *     Dispatchers.Unconfined, so a grant or a cancellation resumes it inside the granting or
 *     cancelling thread). Each worker loops over [SoakSubject.threadStep] or
 *     [SoakSubject.coroutineStep] with its own seeded random; a coroutine operation runs in its
 *     own child Job, which is what the chaos thread cancels.
 *  2. The chaos thread (when [chaos]) injects a fault every 20-400 us: it interrupts a random
 *     thread worker or cancels a random coroutine worker's current operation.
 *  3. After [millis] it stops everyone, stops the chaos, and calls [SoakSubject.drain] until every
 *     worker has finished, at most [joinBoundMillis]; a worker that does not finish is a
 *     violation, and the report carries a thread dump (also printed to stderr).
 *  4. Runs [SoakSubject.finish] (end-state and accounting checks) and returns the report.
 */
internal class SoakRunner(
    private val crew: Crew,
    private val millis: Long,
    private val seed: Long = 15L,
    private val joinBoundMillis: Long = 30_000L,
    private val chaos: Boolean = true,
) {
    fun run(factory: SoakSubjectFactory): SoakReport {
        val tally = Tally()
        val subject = factory.create(tally)
        val stop = AtomicBoolean()
        val finished = CountDownLatch(crew.size)
        val workers = ArrayList<Worker>(crew.size)
        val threads = ArrayList<Thread>()
        var next = 0

        fun threadWorker(worker: Worker, random: SplittableRandom) = Runnable {
            try {
                while (!stop.get()) {
                    try {
                        subject.threadStep(worker, random)
                    } catch (e: Throwable) {
                        tally.violation("${worker.name}: unexpected ${e.describe()} in ${worker.phase}")
                    }
                    tally.operation()
                    if (Thread.interrupted()) tally.interruptSeen()
                }
            } finally {
                Thread.interrupted()
                worker.phase = "finished"
                worker.finished = true
                finished.countDown()
            }
        }

        repeat(crew.platform) {
            val w = Worker("platform-${next++}", Worker.Kind.PLATFORM, tally)
            val t = Thread(threadWorker(w, SplittableRandom(seed + next)), "soak-${w.name}").apply { isDaemon = true }
            w.thread = t
            workers += w
            threads += t
        }
        if (crew.virtual > 0) {
            val factoryOfVirtual = VirtualThreads.factory("soak-virtual-")
            repeat(crew.virtual) {
                val w = Worker("virtual-${next++}", Worker.Kind.VIRTUAL, tally)
                val t = factoryOfVirtual.newThread(threadWorker(w, SplittableRandom(seed + next)))
                w.thread = t
                workers += w
                threads += t
            }
        }
        val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default + CoroutineName("soak"))
        val coroutineWorkers = ArrayList<Worker>()
        repeat(crew.coroutines) { k ->
            val w = Worker("coroutine-${next++}", Worker.Kind.COROUTINE, tally)
            workers += w
            coroutineWorkers += w
            val random = SplittableRandom(seed + next)
            val opContext: CoroutineContext = if (k % 3 == 2) Dispatchers.Unconfined else EmptyCoroutineContext
            scope.launch(CoroutineName(w.name)) {
                try {
                    while (!stop.get()) {
                        val op = launch(opContext) {
                            try {
                                subject.coroutineStep(w, random)
                            } catch (e: CancellationException) {
                                throw e
                            } catch (e: Throwable) {
                                tally.violation("${w.name}: unexpected ${e.describe()} in ${w.phase}")
                            }
                        }
                        w.operation = op
                        op.join()
                        w.operation = null
                        tally.operation()
                        if (op.isCancelled) tally.cancellationSeen()
                    }
                } finally {
                    w.phase = "finished"
                    w.finished = true
                    finished.countDown()
                }
            }
        }
        val threadWorkers = workers.filter { it.thread != null }
        val chaosThread = Thread({
            val random = SplittableRandom(seed - 1)
            while (!stop.get()) {
                LockSupport.parkNanos(20_000L + random.nextLong(380_000L))
                val pickThread = coroutineWorkers.isEmpty() || (threadWorkers.isNotEmpty() && random.nextBoolean())
                if (pickThread) {
                    val w = threadWorkers[random.nextInt(threadWorkers.size)]
                    if (!w.finished) {
                        w.thread!!.interrupt()
                        tally.fault(Fault.INTERRUPT)
                    }
                } else {
                    val op = coroutineWorkers[random.nextInt(coroutineWorkers.size)].operation
                    if (op != null && op.isActive) {
                        op.cancel()
                        tally.fault(Fault.CANCELLATION)
                    }
                }
            }
        }, "soak-chaos").apply { isDaemon = true }

        val started = System.nanoTime()
        threads.forEach { it.start() }
        if (chaos) chaosThread.start()
        val end = started + TimeUnit.MILLISECONDS.toNanos(millis)
        while (System.nanoTime() - end < 0) {
            // The run's length: this thread only waits (every check is in the workers).
            finished.await(end - System.nanoTime(), TimeUnit.NANOSECONDS)
            if (finished.count == 0L) break
        }
        stop.set(true)
        val ranNanos = System.nanoTime() - started
        if (chaos) chaosThread.join(joinBoundMillis)

        val joinDeadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(joinBoundMillis)
        while (!finished.await(2, TimeUnit.MILLISECONDS) && System.nanoTime() - joinDeadline < 0) {
            try {
                subject.drain()
            } catch (e: Throwable) {
                tally.violation("drain: unexpected ${e.describe()}")
            }
        }
        var dump: String? = null
        if (finished.count > 0L) {
            tally.violation("${finished.count} of ${crew.size} worker(s) did not finish within $joinBoundMillis ms after the stop")
            dump = ThreadDump.of(subject, workers)
            System.err.println(dump)
        } else {
            try {
                subject.finish(tally)
            } catch (e: Throwable) {
                tally.violation("final checks: unexpected ${e.describe()}")
            }
        }
        scope.cancel()
        return SoakReport(subject.name, crew, ranNanos / 1e9, tally.snapshot(), dump)
    }
}

/** A short description of an unexpected exception, with its first frames. */
internal fun Throwable.describe(): String =
    toString() + stackTrace.take(6).joinToString("") { "\n      at $it" }

/** What one soak run did. */
internal data class SoakReport(
    val name: String,
    val crew: Crew,
    val seconds: Double,
    val counts: Tally.Counts,
    val threadDump: String?,
) {
    /** One line for the log. */
    fun line(): String = String.format(
        "%-44s %5.1f s %,12d ops %,10d faults (%s) %d violations",
        name, seconds, counts.operations, counts.faultsInjected,
        counts.faults.entries.joinToString(", ") { (k, v) -> "%,d %s".format(v, k.label) },
        counts.violations,
    )

    /** The line, the subject's notes and the first violation messages. */
    fun details(): String = buildString {
        appendLine(line())
        counts.notes.forEach { appendLine("    $it") }
        appendLine("    seen by the workers: ${counts.interruptsSeen} interrupts, ${counts.cancellationsSeen} cancelled operations")
        counts.messages.forEach { appendLine("    VIOLATION: $it") }
    }
}
