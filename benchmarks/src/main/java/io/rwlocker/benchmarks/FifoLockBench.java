package io.rwlocker.benchmarks;

import io.rwlocker.FifoLock;
import io.rwlocker.Guard;
import io.rwlocker.Modes;
import io.rwlocker.RWLock;
import io.rwlocker.ReadLock;
import io.rwlocker.WriteLock;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;
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
 * {@link FifoLock} beside its anchors, in the same run.
 *
 * <p><b>Uncontended</b> (one thread): {@code acquire(Modes.read())} + {@code close()} of the
 * returned guard ({@link #fifoRead}), against {@link RWLock#read()} lock + unlock
 * ({@link #rwlockRead}, the target: at most 2x its time) and {@link Semaphore} acquire + release,
 * nonfair and fair ({@link #semaphore}, {@link #fairSemaphore}); {@link #fifoWrite} for the write
 * mode. Run with {@code -prof gc}: the target for {@code fifoRead} is one small guard object per
 * acquisition (the guard, which is also the lock-free snapshot of the holds: 32 B/op with compressed
 * oops); the anchors allocate nothing.
 *
 * <p><b>Two threads, read/write mix</b> ({@code writePercent} % writes, drawn per operation by each
 * thread's own generator, as in {@link ReadMostlyBench}): {@link #fifoMix} against
 * {@link ReentrantReadWriteLock} in fair mode ({@link #rrwlFairMix}, the JDK's arrival-order
 * option) and, for context, our phase-fair {@link RWLock#fair()} ({@link #rwlockFairMix}). The
 * score is the average time of one operation of one thread.
 *
 * <pre>{@code
 * java -jar benchmarks/target/benchmarks.jar -prof gc '\.FifoLockBench\.'
 * }</pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class FifoLockBench {

    /** One thread's own locks and guarded field. */
    @State(Scope.Thread)
    public static class Alone {
        final FifoLock fifo = new FifoLock();
        final io.rwlocker.Mode read = Modes.read();
        final io.rwlocker.Mode write = Modes.write();
        final ReadLock rwlockRead = RWLock.writerPreferring().read();
        final Semaphore semaphore = new Semaphore(Integer.MAX_VALUE, false);
        final Semaphore fairSemaphore = new Semaphore(Integer.MAX_VALUE, true);
        long value;
    }

    /** Uncontended {@code FifoLock.acquire(Modes.read())} + close. */
    @Benchmark
    @Threads(1)
    public long fifoRead(Alone s) {
        try (Guard g = s.fifo.acquire(s.read)) {
            return s.value;
        }
    }

    /** Uncontended {@code FifoLock.acquire(Modes.write())} + close. */
    @Benchmark
    @Threads(1)
    public long fifoWrite(Alone s) {
        try (Guard g = s.fifo.acquire(s.write)) {
            return ++s.value;
        }
    }

    /** Anchor: uncontended {@code RWLock.read()} lock + unlock (writer-preferring). */
    @Benchmark
    @Threads(1)
    public long rwlockRead(Alone s) {
        ReadLock read = s.rwlockRead;
        read.lock();
        try {
            return s.value;
        } finally {
            read.unlock();
        }
    }

    /** Anchor: uncontended nonfair {@link Semaphore} acquire + release. */
    @Benchmark
    @Threads(1)
    public long semaphore(Alone s) {
        s.semaphore.acquireUninterruptibly();
        try {
            return s.value;
        } finally {
            s.semaphore.release();
        }
    }

    /** Anchor: uncontended fair {@link Semaphore} acquire + release. */
    @Benchmark
    @Threads(1)
    public long fairSemaphore(Alone s) {
        s.fairSemaphore.acquireUninterruptibly();
        try {
            return s.value;
        } finally {
            s.fairSemaphore.release();
        }
    }

    // ------------------------------------------------------------------ two threads, read/write mix

    /** Locks shared by the two threads of one run, each with its guarded array. */
    @State(Scope.Benchmark)
    public static class Shared {
        final FifoLock fifo = new FifoLock();
        final io.rwlocker.Mode read = Modes.read();
        final io.rwlocker.Mode write = Modes.write();
        final ReentrantReadWriteLock.ReadLock rrwlRead;
        final ReentrantReadWriteLock.WriteLock rrwlWrite;
        final ReadLock rwlockRead;
        final WriteLock rwlockWrite;
        final long[] fifoData = new long[ReadMostlyBench.SLOTS];
        final long[] rrwlData = new long[ReadMostlyBench.SLOTS];
        final long[] rwlockData = new long[ReadMostlyBench.SLOTS];

        /** A fair ReentrantReadWriteLock and a phase-fair RWLock. */
        public Shared() {
            ReentrantReadWriteLock rrwl = new ReentrantReadWriteLock(true);
            rrwlRead = rrwl.readLock();
            rrwlWrite = rrwl.writeLock();
            RWLock rwlock = RWLock.fair();
            rwlockRead = rwlock.read();
            rwlockWrite = rwlock.write();
        }
    }

    /** Per-thread operation mix. */
    @State(Scope.Thread)
    public static class Mix {
        /** Percentage of operations that write. */
        @Param({"10", "50"})
        public int writePercent;

        private long seed;
        private long threshold;

        /** Seeds this thread's generator. */
        @Setup
        public void setup() {
            seed = System.nanoTime() | 1L;
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

    /** {@code FifoLock} with {@code Modes.read()}/{@code Modes.write()}, two threads. */
    @Benchmark
    @Threads(2)
    public long fifoMix(Shared s, Mix m) {
        long[] data = s.fifoData;
        if (m.nextIsWrite()) {
            try (Guard g = s.fifo.acquire(s.write)) {
                return ++data[0];
            }
        }
        try (Guard g = s.fifo.acquire(s.read)) {
            return ReadMostlyBench.sum(data);
        }
    }

    /** Anchor: {@code new ReentrantReadWriteLock(true)}, two threads. */
    @Benchmark
    @Threads(2)
    public long rrwlFairMix(Shared s, Mix m) {
        long[] data = s.rrwlData;
        if (m.nextIsWrite()) {
            s.rrwlWrite.lock();
            try {
                return ++data[0];
            } finally {
                s.rrwlWrite.unlock();
            }
        }
        s.rrwlRead.lock();
        try {
            return ReadMostlyBench.sum(data);
        } finally {
            s.rrwlRead.unlock();
        }
    }

    /** Context: our phase-fair {@code RWLock.fair()}, two threads. */
    @Benchmark
    @Threads(2)
    public long rwlockFairMix(Shared s, Mix m) {
        long[] data = s.rwlockData;
        if (m.nextIsWrite()) {
            s.rwlockWrite.lock();
            try {
                return ++data[0];
            } finally {
                s.rwlockWrite.unlock();
            }
        }
        s.rwlockRead.lock();
        try {
            return ReadMostlyBench.sum(data);
        } finally {
            s.rwlockRead.unlock();
        }
    }
}
