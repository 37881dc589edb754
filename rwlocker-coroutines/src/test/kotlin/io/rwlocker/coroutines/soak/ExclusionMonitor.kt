package io.rwlocker.coroutines.soak

import java.util.concurrent.atomic.AtomicLong

/**
 * The invariant monitor of a read-write primitive: who is inside a critical section right now,
 * in one atomic word (readers in the low 32 bits, writers in the high 32 bits), so that every
 * entry checks the whole occupancy atomically.
 *
 * A worker calls [enterRead]/[enterWrite] right after it acquired and [exitRead]/[exitWrite] right
 * before it releases, so the registered workers are always a subset of the real holders: the
 * monitor never reports a false overlap, and any real overlap of two registered sections is seen
 * by the one that enters second (a reader entering beside a writer, a writer entering beside
 * anyone). Nested holds of an owner that is already inside are not registered again. Under
 * EXCLUSIVE ([exclusiveReads]) readers exclude each other too.
 */
internal class ExclusionMonitor(private val exclusiveReads: Boolean, private val tally: Tally) {
    private val word = AtomicLong()

    /** Registers a reader; a violation if a writer is inside (or, under EXCLUSIVE, anyone). */
    fun enterRead() {
        val now = word.incrementAndGet()
        tally.expect(writers(now) == 0L) { "a reader entered while ${writers(now)} writer(s) were inside" }
        tally.expect(!exclusiveReads || readers(now) == 1L) {
            "EXCLUSIVE: a reader entered beside ${readers(now) - 1} other reader(s)"
        }
    }

    /** Unregisters a reader. */
    fun exitRead() {
        word.decrementAndGet()
    }

    /** Registers a writer; a violation unless it is alone. */
    fun enterWrite() {
        val now = word.addAndGet(WRITER)
        tally.expect(now == WRITER) {
            "a writer entered beside ${writers(now) - 1} other writer(s) and ${readers(now)} reader(s)"
        }
    }

    /** Unregisters a writer. */
    fun exitWrite() {
        word.addAndGet(-WRITER)
    }

    /** A registered writer becomes a reader (downgrade): call it before the lock's own downgrade. */
    fun writeToRead() {
        val now = word.addAndGet(1L - WRITER)
        tally.expect(writers(now) == 0L && (!exclusiveReads || readers(now) == 1L)) {
            "a downgrading writer was not alone: ${writers(now)} writer(s), ${readers(now)} reader(s) after it"
        }
    }

    /** Re-checks, from inside a write section, that the writer is still alone. */
    fun checkWriterAlone() {
        val now = word.get()
        tally.expect(now == WRITER) { "inside a write section: ${writers(now)} writer(s), ${readers(now)} reader(s)" }
    }

    /** Nobody registered inside: the end state. */
    val isEmpty: Boolean get() = word.get() == 0L

    /** The occupancy, for messages. */
    override fun toString(): String = word.get().let { "${writers(it)} writer(s), ${readers(it)} reader(s) inside" }

    private companion object {
        const val WRITER = 1L shl 32

        fun writers(word: Long): Long = word ushr 32

        fun readers(word: Long): Long = word and 0xFFFF_FFFFL
    }
}
