package io.rwlocker.benchmarks;

/**
 * The seed's I/O-bound scenarios (shared/REFERENCE.md, "Benchmarks"): {@link #readers} reader
 * workers and {@link #writers} writer workers, created first and released together; each worker
 * takes its side of the lock {@link #ITERATIONS} times in a row and holds it for one
 * {@link #HOLD_MILLIS} ms sleep (no work outside the lock).
 *
 * <p>Time is counted in <em>units</em>, one unit being one hold. An exclusive lock runs every
 * hold one after another: {@link #exclusiveUnits()} = (R + W) x N. The best schedule a
 * read-write lock can reach runs every write alone (W x N units, writes never overlap anything)
 * and overlaps the readers' holds: every reader needs N units of its own in a row, and all R
 * readers can share the same N units, so {@link #idealUnits()} = W x N + N (just W x N with no
 * reader). The ideal speedup is their ratio, (R + W) / (W + 1):
 *
 * <pre>{@code
 * READ_HEAVY   100 + 2    1020 / 30   = 34.0x
 * BALANCED      50 + 50   1000 / 510  =  1.96x
 * WRITE_HEAVY    2 + 100  1020 / 1010 =  1.01x
 * }</pre>
 *
 * <p>Usage: {@code Scenario.READ_HEAVY.idealSpeedup()}.
 */
public enum Scenario {
    /** 100 readers + 2 writers. */
    READ_HEAVY(100, 2),
    /** 50 readers + 50 writers. */
    BALANCED(50, 50),
    /** 2 readers + 100 writers. */
    WRITE_HEAVY(2, 100);

    /** Lock acquisitions per worker. */
    public static final int ITERATIONS = 10;
    /** How long each hold lasts (a sleep, or a {@code delay} for coroutines), in milliseconds. */
    public static final int HOLD_MILLIS = 1;

    /** Reader workers. */
    public final int readers;
    /** Writer workers. */
    public final int writers;

    Scenario(int readers, int writers) {
        this.readers = readers;
        this.writers = writers;
    }

    /** All workers. */
    public int workers() {
        return readers + writers;
    }

    /** Holds run one after another by an exclusive lock: (R + W) x N. */
    public int exclusiveUnits() {
        return workers() * ITERATIONS;
    }

    /** Length of the best schedule: writes alone, reader holds fully overlapped: W x N + N. */
    public int idealUnits() {
        return writers * ITERATIONS + (readers > 0 ? ITERATIONS : 0);
    }

    /** Speedup of the best schedule over an exclusive lock: (R + W) / (W + 1). */
    public double idealSpeedup() {
        return (double) exclusiveUnits() / idealUnits();
    }
}
