package io.rwlocker.benchmarks;

import io.rwlocker.Policy;
import io.rwlocker.RWLock;
import io.rwlocker.ReadLock;
import io.rwlocker.WriteLock;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
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
 * Lock + unlock with no contention (one thread; the critical section reads or increments one
 * field): each {@link Policy} of {@link RWLock}, read side and write side, beside
 * {@link ReentrantReadWriteLock} (nonfair and fair), {@link StampedLock} (pessimistic
 * {@code readLock}/{@code writeLock}), {@link ReentrantLock} and {@code synchronized}.
 *
 * <p>Meant to run with {@code -prof gc}: the {@code gc.alloc.rate.norm} secondary result is the
 * allocation per lock+unlock (the target is 0 B/op). Our methods run once per policy (the
 * {@code policy} parameter belongs to {@link Ours} only, so the anchors run once):
 *
 * <pre>{@code
 * java -jar benchmarks/target/benchmarks.jar -prof gc '\.UncontendedBench\.'
 * }</pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@Threads(1)
public class UncontendedBench {

    /** Our lock, one per policy. */
    @State(Scope.Thread)
    public static class Ours {
        /** The policy under test. */
        @Param({"WRITER_PREFERRING", "READER_PREFERRING", "FAIR", "EXCLUSIVE"})
        public Policy policy;

        ReadLock read;
        WriteLock write;
        long value;

        /** Builds the lock for {@link #policy}. */
        @Setup
        public void setup() {
            RWLock lock = RWLock.builder().policy(policy).build();
            read = lock.read();
            write = lock.write();
        }
    }

    /** The JDK anchors, each with its own guarded field. */
    @State(Scope.Thread)
    public static class Anchors {
        final ReentrantReadWriteLock rrwl = new ReentrantReadWriteLock(false);
        final ReentrantReadWriteLock.ReadLock rrwlRead = rrwl.readLock();
        final ReentrantReadWriteLock.WriteLock rrwlWrite = rrwl.writeLock();
        final ReentrantReadWriteLock rrwlFair = new ReentrantReadWriteLock(true);
        final ReentrantReadWriteLock.ReadLock rrwlFairRead = rrwlFair.readLock();
        final ReentrantReadWriteLock.WriteLock rrwlFairWrite = rrwlFair.writeLock();
        final StampedLock stamped = new StampedLock();
        final ReentrantLock reentrantLock = new ReentrantLock();
        final Object monitor = new Object();
        long value;
    }

    /** Our read side: lock, read a field, unlock. */
    @Benchmark
    public long oursRead(Ours s) {
        ReadLock read = s.read;
        read.lock();
        try {
            return s.value;
        } finally {
            read.unlock();
        }
    }

    /** Our write side: lock, increment a field, unlock. */
    @Benchmark
    public long oursWrite(Ours s) {
        WriteLock write = s.write;
        write.lock();
        try {
            return ++s.value;
        } finally {
            write.unlock();
        }
    }

    /** {@code ReentrantReadWriteLock} (nonfair) read lock. */
    @Benchmark
    public long rrwlRead(Anchors a) {
        a.rrwlRead.lock();
        try {
            return a.value;
        } finally {
            a.rrwlRead.unlock();
        }
    }

    /** {@code ReentrantReadWriteLock} (nonfair) write lock. */
    @Benchmark
    public long rrwlWrite(Anchors a) {
        a.rrwlWrite.lock();
        try {
            return ++a.value;
        } finally {
            a.rrwlWrite.unlock();
        }
    }

    /** {@code ReentrantReadWriteLock(true)} (fair) read lock. */
    @Benchmark
    public long rrwlFairRead(Anchors a) {
        a.rrwlFairRead.lock();
        try {
            return a.value;
        } finally {
            a.rrwlFairRead.unlock();
        }
    }

    /** {@code ReentrantReadWriteLock(true)} (fair) write lock. */
    @Benchmark
    public long rrwlFairWrite(Anchors a) {
        a.rrwlFairWrite.lock();
        try {
            return ++a.value;
        } finally {
            a.rrwlFairWrite.unlock();
        }
    }

    /** {@code StampedLock.readLock()} / {@code unlockRead(stamp)}. */
    @Benchmark
    public long stampedRead(Anchors a) {
        long stamp = a.stamped.readLock();
        try {
            return a.value;
        } finally {
            a.stamped.unlockRead(stamp);
        }
    }

    /** {@code StampedLock.writeLock()} / {@code unlockWrite(stamp)}. */
    @Benchmark
    public long stampedWrite(Anchors a) {
        long stamp = a.stamped.writeLock();
        try {
            return ++a.value;
        } finally {
            a.stamped.unlockWrite(stamp);
        }
    }

    /** {@code ReentrantLock} (nonfair), the exclusive anchor of both sides. */
    @Benchmark
    public long reentrantLock(Anchors a) {
        a.reentrantLock.lock();
        try {
            return ++a.value;
        } finally {
            a.reentrantLock.unlock();
        }
    }

    /** A {@code synchronized} block on a private monitor. */
    @Benchmark
    public long synchronizedBlock(Anchors a) {
        synchronized (a.monitor) {
            return ++a.value;
        }
    }
}
