package io.rwlocker.coroutines.soak

/**
 * A thread dump for a soak run that did not finish: every unfinished worker with its phase and
 * stack (virtual threads included, which `Thread.getAllStackTraces` leaves out), the subject's
 * state, and the stacks of every other live platform thread.
 */
internal object ThreadDump {
    fun of(subject: SoakSubject, workers: List<Worker>): String = buildString {
        appendLine("==== soak thread dump: ${subject.name} ====")
        appendLine("state: ${subject.describe()}")
        val stuck = workers.filter { !it.finished }
        appendLine("${stuck.size} of ${workers.size} worker(s) unfinished:")
        for (w in stuck) {
            appendLine("  $w")
            w.thread?.let { t ->
                appendLine("    thread ${t.name} state=${t.state} interrupted=${t.isInterrupted}")
                t.stackTrace.forEach { appendLine("      at $it") }
            }
            w.operation?.let { appendLine("    operation job: $it") }
        }
        appendLine("other platform threads:")
        val workerThreads = workers.mapNotNull { it.thread }.toSet()
        for ((t, stack) in Thread.getAllStackTraces()) {
            if (t in workerThreads) continue
            appendLine("  ${t.name} state=${t.state}")
            stack.take(12).forEach { appendLine("      at $it") }
        }
        appendLine("==== end of soak thread dump ====")
    }
}
