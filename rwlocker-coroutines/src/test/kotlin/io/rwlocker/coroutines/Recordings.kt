package io.rwlocker.coroutines

import java.nio.file.Files
import java.time.Duration
import jdk.jfr.Recording
import jdk.jfr.consumer.RecordedEvent
import jdk.jfr.consumer.RecordingFile

/*
 * JDK Flight Recorder helpers for the coroutine specs (the blocking module's specs have the same
 * pair): run a block under a recording of the library's events and read the file back.
 */

internal const val CONTENDED_ACQUIRE = "io.rwlocker.ContendedAcquire"
internal const val LONG_HOLD = "io.rwlocker.LongHold"

/**
 * Runs [body] while a recording runs with ContendedAcquire at threshold 0 and LongHold at
 * [longHoldThreshold] (disabled if null); returns the library's events by start time. A mutex
 * whose holds should be timed must be created inside [body].
 */
internal suspend fun recordLockEvents(longHoldThreshold: Duration? = null, body: suspend () -> Unit): List<RecordedEvent> {
    val recording = Recording()
    recording.enable(CONTENDED_ACQUIRE).withThreshold(Duration.ZERO)
    if (longHoldThreshold != null) recording.enable(LONG_HOLD).withThreshold(longHoldThreshold) else recording.disable(LONG_HOLD)
    val file = Files.createTempFile("rwlocker-test", ".jfr")
    try {
        recording.start()
        try {
            body()
        } finally {
            recording.stop()
        }
        recording.dump(file)
        return RecordingFile.readAllEvents(file).filter { it.eventType.name.startsWith("io.rwlocker.") }.sortedBy { it.startTime }
    } finally {
        recording.close()
        Files.deleteIfExists(file)
    }
}

/** `type lock mode kind outcome` of an event, e.g. `ContendedAcquire sessions write coroutine cancelled`. */
internal fun RecordedEvent.line(): String {
    val kind = if (hasField("waiter")) getString("waiter") else getString("holder")
    val outcome = if (hasField("outcome")) " " + getString("outcome") else ""
    return "${eventType.name.substringAfter("io.rwlocker.")} ${getString("lock")} ${getString("mode")} $kind$outcome"
}
