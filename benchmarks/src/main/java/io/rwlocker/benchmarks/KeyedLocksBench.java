package io.rwlocker.benchmarks;

import com.google.common.util.concurrent.Striped;
import io.rwlocker.Guard;
import io.rwlocker.KeyedLocks;
import io.rwlocker.RWLock;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;
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
 * Per-key read-write locks, two threads, 90:10 reads:writes, on one hot key ({@code keys = 1}) or
 * spread over 1,000 keys. The critical section reads or increments the key's slot of an array.
 * Three tables side by side in the same run:
 * <ul>
 *   <li>{@link #ours}: {@code KeyedLocks}, entries reference-counted; idle entries kept up to a
 *       bound (1,024 by default) and swept beyond it (memory bounded);</li>
 *   <li>{@link #neverCleanedMap}: the hand-rolled anchor, a {@code ConcurrentHashMap} of
 *       {@link ReentrantReadWriteLock}s that never removes anything (memory grows with every
 *       key ever used: the cost our cleanup is compared with);</li>
 *   <li>{@link #guavaStriped}: Guava's {@code Striped.readWriteLock(64)}, a fixed array of
 *       locks chosen by hash (bounded memory, but unrelated keys share stripes).</li>
 * </ul>
 *
 * <p>{@link #neverCleanedRWLock} is a diagnostic beside them: the same never-cleaned map holding
 * our {@link RWLock}s, to split our gap into the table's share and the per-key lock's.
 *
 * <p>Targets (ratios of the average time per operation, same run): {@code ours} at
 * {@code keys = 1000} within 1.2x of {@code neverCleanedMap} at {@code keys = 1000} (cleanup is
 * nearly free); {@code ours} at {@code keys = 1} allocating 0 B/op ({@code -prof gc}).
 * {@code benchmarks/run.sh} reports both.
 *
 * <pre>{@code
 * java -jar benchmarks/target/benchmarks.jar -prof gc KeyedLocksBench
 * }</pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@Threads(2)
public class KeyedLocksBench {

    /** The key space and the guarded data, shared by the threads of one run. */
    @State(Scope.Benchmark)
    public static class Keys {
        /**
         * How many distinct keys the operations spread over: one hot key, 1,000 (within the
         * table's default bound of 1,024 idle entries), or 10,000 (beyond it: idle entries are
         * swept and keys come back to a fresh entry, the cost of bounded memory).
         */
        @Param({"1", "1000", "10000"})
        public int keys;

        /** Pre-boxed keys: boxing must not be part of the measurement. */
        Integer[] boxed;
        long[] data;

        /** Boxes the keys. */
        @Setup
        public void setup() {
            boxed = new Integer[keys];
            for (int i = 0; i < keys; i++) {
                boxed[i] = Integer.valueOf(1_000_000 + i);
            }
            data = new long[keys];
        }
    }

    /** Per-thread operation mix: 10 % writes, uniformly random keys. */
    @State(Scope.Thread)
    public static class Mix {
        private static final long WRITE_THRESHOLD = (long) (0.10 * Long.MAX_VALUE);
        private long seed;

        /** Seeds this thread's generator. */
        @Setup
        public void setup() {
            seed = System.nanoTime() | 1L;
        }

        private long next() {
            long x = seed;
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            seed = x;
            return x;
        }

        /** The next operation: its key index in the low bits, write or read in the high ones. */
        long nextOp() {
            return next();
        }

        static boolean isWrite(long op) {
            return (op >>> 1) < WRITE_THRESHOLD;
        }

        static int keyIndex(long op, int keys) {
            return (int) ((op & 0x7FFF_FFFFL) % keys);
        }
    }

    /** Ours. */
    @State(Scope.Benchmark)
    public static class Ours {
        final KeyedLocks<Integer> locks = KeyedLocks.create();
    }

    /** A lock per key, created on first use and never removed. */
    @State(Scope.Benchmark)
    public static class NeverCleaned {
        private static final Function<Integer, ReentrantReadWriteLock> NEW_LOCK = k -> new ReentrantReadWriteLock();
        final ConcurrentHashMap<Integer, ReentrantReadWriteLock> locks = new ConcurrentHashMap<>();

        ReentrantReadWriteLock lockOf(Integer key) {
            ReentrantReadWriteLock lock = locks.get(key);
            return lock != null ? lock : locks.computeIfAbsent(key, NEW_LOCK);
        }
    }

    /** Our {@link RWLock} per key in the same never-cleaned map: the per-key lock's share of the cost. */
    @State(Scope.Benchmark)
    public static class NeverCleanedRWLock {
        private static final Function<Integer, RWLock> NEW_LOCK = k -> RWLock.writerPreferring();
        final ConcurrentHashMap<Integer, RWLock> locks = new ConcurrentHashMap<>();

        RWLock lockOf(Integer key) {
            RWLock lock = locks.get(key);
            return lock != null ? lock : locks.computeIfAbsent(key, NEW_LOCK);
        }
    }

    /** Guava's fixed stripes. */
    @State(Scope.Benchmark)
    public static class GuavaStriped {
        final Striped<ReadWriteLock> stripes = Striped.readWriteLock(64);
    }

    /** Ours: read or write the key under {@code KeyedLocks}. */
    @Benchmark
    public long ours(Keys k, Mix m, Ours s) {
        long op = m.nextOp();
        int i = Mix.keyIndex(op, k.keys);
        if (Mix.isWrite(op)) {
            try (Guard g = s.locks.write(k.boxed[i])) {
                return ++k.data[i];
            }
        }
        try (Guard g = s.locks.read(k.boxed[i])) {
            return k.data[i];
        }
    }

    /** The never-cleaned {@code ConcurrentHashMap<K, ReentrantReadWriteLock>}. */
    @Benchmark
    public long neverCleanedMap(Keys k, Mix m, NeverCleaned s) {
        long op = m.nextOp();
        int i = Mix.keyIndex(op, k.keys);
        return locked(s.lockOf(k.boxed[i]), op, k, i);
    }

    /**
     * Diagnostic, not an anchor: {@link #neverCleanedMap} with our {@link RWLock} in place of
     * {@code ReentrantReadWriteLock}. {@link #ours} minus this is what the table (reference
     * counts, guards, cleanup) costs; this minus {@link #neverCleanedMap} is what the per-key lock
     * costs against the JDK's.
     */
    @Benchmark
    public long neverCleanedRWLock(Keys k, Mix m, NeverCleanedRWLock s) {
        long op = m.nextOp();
        int i = Mix.keyIndex(op, k.keys);
        return locked(s.lockOf(k.boxed[i]), op, k, i);
    }

    /** Guava {@code Striped.readWriteLock(64)}. */
    @Benchmark
    public long guavaStriped(Keys k, Mix m, GuavaStriped s) {
        long op = m.nextOp();
        int i = Mix.keyIndex(op, k.keys);
        return locked(s.stripes.get(k.boxed[i]), op, k, i);
    }

    /** Operation {@code op} on slot {@code i} under the read or write side of {@code lock}. */
    private static long locked(ReadWriteLock lock, long op, Keys k, int i) {
        boolean write = Mix.isWrite(op);
        return locked(write ? lock.writeLock() : lock.readLock(), k, i, write);
    }

    private static long locked(Lock side, Keys k, int i, boolean write) {
        side.lock();
        try {
            return write ? ++k.data[i] : k.data[i];
        } finally {
            side.unlock();
        }
    }
}
