package io.rwlocker.benchmarks;

import io.rwlocker.Policy;
import io.rwlocker.RWLock;
import io.rwlocker.ReadLock;
import io.rwlocker.WriteLock;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.concurrent.locks.StampedLock;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Read-only and read-mostly mixes (100:0, 99:1, 90:10, 50:50 reads:writes) with one and two
 * threads sharing one lock; the critical section reads (sums) or increments a 4-slot array.
 * Ours ({@code policy} = WRITER_PREFERRING, FAIR by default) beside {@link ReentrantReadWriteLock}
 * (nonfair) and {@link StampedLock} ({@code readLock}/{@code writeLock}).
 *
 * <p>Each thread draws read or write from its own xorshift generator (the same cost for every
 * lock). The score is the average time of one operation of one thread (ns/op): with two threads,
 * a lower score means more throughput, and perfect read scaling keeps the two-thread score equal
 * to the one-thread score. Run with {@code -prof gc} to check that reading allocates nothing.
 *
 * <pre>{@code
 * java -jar benchmarks/target/benchmarks.jar -prof gc -p writePercent=0,10 '\.ReadMostlyBench\.'
 * }</pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ReadMostlyBench {

    /** Slots of the guarded array. */
    static final int SLOTS = 4;

    /** Per-thread operation mix. */
    @State(Scope.Thread)
    public static class Mix {
        /** Percentage of operations that write (0 = read-only). */
        @Param({"0", "1", "10", "50"})
        public int writePercent;

        private long seed;
        private long threshold;

        /** Seeds this thread's generator. */
        @Setup
        public void setup() {
            seed = System.nanoTime() | 1L;
            // A write when the top 63 random bits fall below writePercent % of their range:
            // a compare, no division on the measured path.
            threshold = (long) (writePercent / 100.0 * Long.MAX_VALUE);
        }

        /** True for a write, with probability {@link #writePercent} %. */
        boolean nextIsWrite() {
            long x = seed;
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            seed = x;
            return (x >>> 1) < threshold;
        }
    }

    /** Our lock (shared by the threads of one run), one per policy. */
    @State(Scope.Benchmark)
    public static class Ours {
        /** The policy under test. */
        @Param({"WRITER_PREFERRING", "FAIR"})
        public Policy policy;

        ReadLock read;
        WriteLock write;
        final long[] data = new long[SLOTS];

        /** Builds the lock for {@link #policy}. */
        @Setup
        public void setup() {
            RWLock lock = RWLock.builder().policy(policy).build();
            read = lock.read();
            write = lock.write();
        }
    }

    /** A nonfair {@code ReentrantReadWriteLock} shared by the threads of one run. */
    @State(Scope.Benchmark)
    public static class Rrwl {
        final ReentrantReadWriteLock.ReadLock read;
        final ReentrantReadWriteLock.WriteLock write;
        final long[] data = new long[SLOTS];

        /** A nonfair lock. */
        public Rrwl() {
            ReentrantReadWriteLock lock = new ReentrantReadWriteLock(false);
            read = lock.readLock();
            write = lock.writeLock();
        }
    }

    /** A {@code StampedLock} shared by the threads of one run. */
    @State(Scope.Benchmark)
    public static class Stamped {
        final StampedLock lock = new StampedLock();
        final long[] data = new long[SLOTS];
    }

    static long sum(long[] data) {
        return data[0] + data[1] + data[2] + data[3];
    }

    static long ours(Ours s, Mix m) {
        if (m.nextIsWrite()) {
            WriteLock write = s.write;
            write.lock();
            try {
                return ++s.data[0];
            } finally {
                write.unlock();
            }
        }
        ReadLock read = s.read;
        read.lock();
        try {
            return sum(s.data);
        } finally {
            read.unlock();
        }
    }

    static long rrwl(Rrwl s, Mix m) {
        if (m.nextIsWrite()) {
            s.write.lock();
            try {
                return ++s.data[0];
            } finally {
                s.write.unlock();
            }
        }
        s.read.lock();
        try {
            return sum(s.data);
        } finally {
            s.read.unlock();
        }
    }

    static long stamped(Stamped s, Mix m) {
        StampedLock lock = s.lock;
        if (m.nextIsWrite()) {
            long stamp = lock.writeLock();
            try {
                return ++s.data[0];
            } finally {
                lock.unlockWrite(stamp);
            }
        }
        long stamp = lock.readLock();
        try {
            return sum(s.data);
        } finally {
            lock.unlockRead(stamp);
        }
    }

    /** Ours, one thread. */
    @Benchmark
    @Threads(1)
    public long oursOneThread(Ours s, Mix m) {
        return ours(s, m);
    }

    /** Ours, two threads on one lock. */
    @Benchmark
    @Threads(2)
    public long oursTwoThreads(Ours s, Mix m) {
        return ours(s, m);
    }

    /** {@code ReentrantReadWriteLock} (nonfair), one thread. */
    @Benchmark
    @Threads(1)
    public long rrwlOneThread(Rrwl s, Mix m) {
        return rrwl(s, m);
    }

    /** {@code ReentrantReadWriteLock} (nonfair), two threads on one lock. */
    @Benchmark
    @Threads(2)
    public long rrwlTwoThreads(Rrwl s, Mix m) {
        return rrwl(s, m);
    }

    /** {@code StampedLock} read/write locks, one thread. */
    @Benchmark
    @Threads(1)
    public long stampedOneThread(Stamped s, Mix m) {
        return stamped(s, m);
    }

    /** {@code StampedLock} read/write locks, two threads on one lock. */
    @Benchmark
    @Threads(2)
    public long stampedTwoThreads(Stamped s, Mix m) {
        return stamped(s, m);
    }

    // Oversubscribed: more threads than the two cores of the reference machine, as on a busy
    // server. Scores are per thread, so perfect sharing of 2 cores by 4 threads doubles the time.

    /** Ours, four threads on one lock. */
    @Benchmark
    @Threads(4)
    public long oursFourThreads(Ours s, Mix m) {
        return ours(s, m);
    }

    /** Ours, eight threads on one lock. */
    @Benchmark
    @Threads(8)
    public long oursEightThreads(Ours s, Mix m) {
        return ours(s, m);
    }

    /** {@code ReentrantReadWriteLock} (nonfair), four threads on one lock. */
    @Benchmark
    @Threads(4)
    public long rrwlFourThreads(Rrwl s, Mix m) {
        return rrwl(s, m);
    }

    /** {@code ReentrantReadWriteLock} (nonfair), eight threads on one lock. */
    @Benchmark
    @Threads(8)
    public long rrwlEightThreads(Rrwl s, Mix m) {
        return rrwl(s, m);
    }

    /** {@code StampedLock} read/write locks, four threads on one lock. */
    @Benchmark
    @Threads(4)
    public long stampedFourThreads(Stamped s, Mix m) {
        return stamped(s, m);
    }

    /** {@code StampedLock} read/write locks, eight threads on one lock. */
    @Benchmark
    @Threads(8)
    public long stampedEightThreads(Stamped s, Mix m) {
        return stamped(s, m);
    }
}
