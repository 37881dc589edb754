package io.rwlocker

import io.kotest.assertions.withClue
import io.kotest.matchers.shouldBe
import java.nio.file.Files
import java.time.Duration
import jdk.jfr.Recording
import jdk.jfr.consumer.RecordedEvent
import jdk.jfr.consumer.RecordingFile

/*
 * JDK Flight Recorder helpers for the specs: run a block under a recording of the library's
 * events, then read the recording back from a file, as an operator would (`jfr print`).
 */

/** The library's event names. */
const val CONTENDED_ACQUIRE = "io.rwlocker.ContendedAcquire"
const val LONG_HOLD = "io.rwlocker.LongHold"

/**
 * Runs [body] while a recording runs with ContendedAcquire enabled at [contendedThreshold] (or
 * disabled, if null) and LongHold at [longHoldThreshold] (or disabled), and returns the library's
 * events in the order of their start time. Locks that should time holds must be created inside
 * [body] (creating a lock is what attaches the library to a recorder started in between).
 */
fun recordLockEvents(
    contendedThreshold: Duration? = Duration.ZERO,
    longHoldThreshold: Duration? = null,
    body: () -> Unit,
): List<RecordedEvent> {
    val recording = Recording()
    if (contendedThreshold != null) {
        recording.enable(CONTENDED_ACQUIRE).withThreshold(contendedThreshold)
    } else {
        recording.disable(CONTENDED_ACQUIRE)
    }
    if (longHoldThreshold != null) {
        recording.enable(LONG_HOLD).withThreshold(longHoldThreshold)
    } else {
        recording.disable(LONG_HOLD)
    }
    val file = Files.createTempFile("rwlocker-test", ".jfr")
    try {
        recording.start()
        try {
            body()
        } finally {
            recording.stop()
        }
        recording.dump(file)
        return RecordingFile.readAllEvents(file)
            .filter { it.eventType.name.startsWith("io.rwlocker.") }
            .sortedBy { it.startTime }
    } finally {
        recording.close()
        Files.deleteIfExists(file)
    }
}

/** The fields the library's events carry, plus the thread that committed the event. */
data class LockEventView(
    val type: String,
    val lock: String?,
    val policy: String?,
    val mode: String?,
    val kind: String?,
    val outcome: String?,
    val thread: String?,
) {
    /**
     * Whether this (recorded) view is [expected]. JDK 17's JFR writer has a string pool bug:
     * after a chunk rotation a string field longer than 16 characters that an earlier chunk
     * pooled can be written without its constant and reads as null (`N/A` in `jfr print`); JDK 25
     * writes it (checked; in between unknown). So on JDKs before 25 a null is accepted where the
     * expected value is longer than 16 characters, and only there.
     */
    fun matches(expected: LockEventView): Boolean {
        fun same(actual: String?, wanted: String?) =
            actual == wanted || (actual == null && wanted != null && wanted.length > 16 && JFR_LONG_STRINGS_MAY_BE_LOST)
        return type == expected.type && same(lock, expected.lock) && same(policy, expected.policy) &&
            same(mode, expected.mode) && same(kind, expected.kind) && same(outcome, expected.outcome) &&
            same(thread, expected.thread)
    }
}

/** See [LockEventView.matches]. */
val JFR_LONG_STRINGS_MAY_BE_LOST: Boolean = Runtime.version().feature() < 25

/** Asserts that these recorded views match [expected] one by one (see [LockEventView.matches]). */
infix fun List<LockEventView>.shouldMatch(expected: List<LockEventView>) {
    withClue("recorded $this\nexpected $expected") {
        (size == expected.size && zip(expected).all { (a, e) -> a.matches(e) }) shouldBe true
    }
}

/** This event's fields (ContendedAcquire: waiter and outcome; LongHold: holder). */
fun RecordedEvent.view(): LockEventView = LockEventView(
    type = eventType.name,
    lock = getString("lock"),
    policy = getString("policy"),
    mode = getString("mode"),
    kind = if (hasField("waiter")) getString("waiter") else getString("holder"),
    outcome = if (hasField("outcome")) getString("outcome") else null,
    thread = thread?.javaName,
)
