package io.rwlocker.benchmarks;

import io.rwlocker.RWLock;
import io.rwlocker.ReadLock;
import io.rwlocker.WriteLock;
import java.io.IOException;
import java.text.ParseException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the JFR events cost an uncontended lock + unlock (one thread, a WRITER_PREFERRING
 * {@link RWLock}, the same critical sections as {@link UncontendedBench}), under three
 * {@code recording} states of the fork's JVM, started in the trial's setup:
 *
 * <ul>
 *   <li>{@code none}: no recording (JFR never initialized): the events must cost nothing here.
 *       Target: within 1.03x of the plain figures, {@code UncontendedBench.oursRead}/{@code oursWrite}
 *       with {@code policy=WRITER_PREFERRING}, run beside these in the same invocation.</li>
 *   <li>{@code eventsOff}: a recording with the JDK's {@code default} settings, the library's two
 *       events disabled (hold timing off: the fast paths are the same code as with no recording).</li>
 *   <li>{@code eventsOn}: the same with {@code io.rwlocker.ContendedAcquire} and
 *       {@code io.rwlocker.LongHold} (threshold 10 ms) enabled: every hold is timed (one event object
 *       and two clock reads per outermost hold; nothing is committed, the holds are short).</li>
 * </ul>
 *
 * <p>{@code ReentrantReadWriteLock}'s read and write sides are the anchors under the same
 * recordings (JFR's own background cost shows there too). Run with {@code -prof gc}: 0 B/op is
 * expected for {@code none} and {@code eventsOff}.
 *
 * <pre>{@code
 * java -jar benchmarks/target/benchmarks.jar -prof gc '\.ObservabilityBench\.|\.UncontendedBench\.ours' -p policy=WRITER_PREFERRING
 * }</pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@Threads(1)
@State(Scope.Thread)
public class ObservabilityBench {
    /** The JFR state of the fork: {@code none}, {@code eventsOff} or {@code eventsOn}. */
    @Param({"none", "eventsOff", "eventsOn"})
    public String recording;

    private Recording jfr;
    private ReadLock read;
    private WriteLock write;
    private ReentrantReadWriteLock.ReadLock rrwlRead;
    private ReentrantReadWriteLock.WriteLock rrwlWrite;
    private long value;

    /** Starts the recording (if any), then creates the locks (a lock attaches to a running recorder). */
    @Setup(Level.Trial)
    public void setup() throws IOException, ParseException {
        switch (recording) {
            case "none":
                break;
            case "eventsOff":
                jfr = new Recording(Configuration.getConfiguration("default"));
                jfr.disable("io.rwlocker.ContendedAcquire");
                jfr.disable("io.rwlocker.LongHold");
                jfr.start();
                break;
            case "eventsOn":
                jfr = new Recording(Configuration.getConfiguration("default"));
                jfr.enable("io.rwlocker.ContendedAcquire");
                jfr.enable("io.rwlocker.LongHold").withThreshold(Duration.ofMillis(10));
                jfr.start();
                break;
            default:
                throw new IllegalArgumentException("recording = " + recording);
        }
        RWLock lock = RWLock.builder().name("bench").build();
        read = lock.read();
        write = lock.write();
        ReentrantReadWriteLock rrwl = new ReentrantReadWriteLock(false);
        rrwlRead = rrwl.readLock();
        rrwlWrite = rrwl.writeLock();
    }

    /** Stops and discards the recording. */
    @TearDown(Level.Trial)
    public void tearDown() {
        if (jfr != null) {
            jfr.stop();
            jfr.close();
        }
    }

    /** Our read side: lock, read a field, unlock. */
    @Benchmark
    public long read() {
        ReadLock r = read;
        r.lock();
        try {
            return value;
        } finally {
            r.unlock();
        }
    }

    /** Our write side: lock, increment a field, unlock. */
    @Benchmark
    public long write() {
        WriteLock w = write;
        w.lock();
        try {
            return ++value;
        } finally {
            w.unlock();
        }
    }

    /** Anchor: {@code ReentrantReadWriteLock} (nonfair) read lock under the same recording. */
    @Benchmark
    public long rrwlRead() {
        rrwlRead.lock();
        try {
            return value;
        } finally {
            rrwlRead.unlock();
        }
    }

    /** Anchor: {@code ReentrantReadWriteLock} (nonfair) write lock under the same recording. */
    @Benchmark
    public long rrwlWrite() {
        rrwlWrite.lock();
        try {
            return ++value;
        } finally {
            rrwlWrite.unlock();
        }
    }
}
