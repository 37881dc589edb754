package io.rwlocker.coroutines.soak

import java.nio.file.Files
import java.time.Duration
import jdk.jfr.Recording
import jdk.jfr.consumer.RecordedEvent
import jdk.jfr.consumer.RecordingFile

/**
 * Carrier pinning seen by JFR: runs a block under a recording of `jdk.VirtualThreadPinned`
 * (threshold 0, with stack traces) and returns the pinned parks whose stack runs through the
 * library (packages `io.rwlocker`, `io.rwlocker.internal`, `io.rwlocker.coroutines`; the tests'
 * own packages do not count). JDK 21+ (the event does not exist before).
 */
internal object PinningCheck {
    private const val EVENT = "jdk.VirtualThreadPinned"
    private val LIBRARY = setOf("io.rwlocker", "io.rwlocker.internal", "io.rwlocker.coroutines")

    /** What a recording saw: every pinned park, and those attributable to the library. */
    class Pins(val all: List<String>, val library: List<String>)

    fun <T> during(block: () -> T): Pair<T, Pins> {
        val recording = Recording()
        recording.enable(EVENT).withThreshold(Duration.ZERO).withStackTrace()
        recording.start()
        val result = try {
            block()
        } finally {
            recording.stop()
        }
        val file = Files.createTempFile("rwlocker-pinning", ".jfr")
        try {
            recording.dump(file)
            recording.close()
            val events = RecordingFile.readAllEvents(file).filter { it.eventType.name == EVENT }
            return result to Pins(events.map(::describe), events.filter(::inLibrary).map(::describe))
        } finally {
            Files.deleteIfExists(file)
        }
    }

    private fun frames(event: RecordedEvent): List<String> =
        event.stackTrace?.frames.orEmpty().map { it.method.type.name + "." + it.method.name }

    private fun inLibrary(event: RecordedEvent): Boolean =
        frames(event).any { it.substringBeforeLast('.').substringBeforeLast('.') in LIBRARY }

    private fun describe(event: RecordedEvent): String =
        "pinned ${event.duration.toNanos() / 1000} us at " + frames(event).take(8).joinToString(" <- ")
}
