package io.rwlocker.benchmarks;

import io.rwlocker.Policy;
import io.rwlocker.RWLock;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * The seed's I/O-bound scenarios with platform threads (see {@link Scenario}): R reader threads
 * and W writer threads, each taking its side {@value Scenario#ITERATIONS} times and holding it
 * for {@code Thread.sleep(1)}. Each shot (SingleShotTime, ms) is one whole scenario on a fresh
 * lock: the threads are created and parked at a start line before the clock starts
 * ({@code @Setup(Level.Invocation)}) and released together by one latch; the shot ends when the
 * last worker is done.
 *
 * <p>Every {@link Policy} of {@link RWLock} beside {@link ReentrantLock} (the exclusive baseline:
 * readers and writers all take it) and a nonfair {@link ReentrantReadWriteLock}. The report
 * divides the baseline's time by each lock's time (speedup) and puts it beside
 * {@link Scenario#idealSpeedup()}. Every hold checks exclusion (no writer beside anybody), so a
 * broken lock fails the run instead of looking fast.
 *
 * <pre>{@code
 * java -jar benchmarks/target/benchmarks.jar -p scenario=READ_HEAVY '\.SeedScenarioBench\.'
 * }</pre>
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 5)
@Fork(1)
public class SeedScenarioBench {

    /** Bound on one shot: a hung lock fails the run instead of hanging it. */
    static final long SHOT_TIMEOUT_SECONDS = 60;

    /** One shot's workers, parked at the start line until {@link #go()}. */
    abstract static class Harness {
        private Thread[] threads = new Thread[0];
        private CountDownLatch start;
        private final AtomicReference<Throwable> failure = new AtomicReference<>();
        private final AtomicInteger readersInside = new AtomicInteger();
        private final AtomicInteger writersInside = new AtomicInteger();
        private final AtomicInteger writes = new AtomicInteger();
        private Scenario scenario;

        /** Takes the read side, calls {@link #holdAsReader()}, releases it. */
        abstract void read() throws InterruptedException;

        /** Takes the write side, calls {@link #holdAsWriter()}, releases it. */
        abstract void write() throws InterruptedException;

        final void holdAsReader() throws InterruptedException {
            readersInside.incrementAndGet();
            try {
                if (writersInside.get() != 0) {
                    throw new AssertionError("a reader entered beside a writer");
                }
                Thread.sleep(Scenario.HOLD_MILLIS);
            } finally {
                readersInside.decrementAndGet();
            }
        }

        final void holdAsWriter() throws InterruptedException {
            int writers = writersInside.incrementAndGet();
            try {
                if (writers != 1 || readersInside.get() != 0) {
                    throw new AssertionError("a writer entered beside another holder");
                }
                writes.incrementAndGet();
                Thread.sleep(Scenario.HOLD_MILLIS);
            } finally {
                writersInside.decrementAndGet();
            }
        }

        /** Creates the scenario's threads and waits until all of them stand at the start line. */
        final void prepare(Scenario scenario) throws InterruptedException {
            this.scenario = scenario;
            failure.set(null);
            writes.set(0);
            start = new CountDownLatch(1);
            CountDownLatch ready = new CountDownLatch(scenario.workers());
            threads = new Thread[scenario.workers()];
            for (int i = 0; i < threads.length; i++) {
                boolean reader = i < scenario.readers;
                Thread thread = new Thread(() -> work(reader, ready), (reader ? "seed-reader-" : "seed-writer-") + i);
                thread.setDaemon(true);
                threads[i] = thread;
            }
            for (Thread thread : threads) {
                thread.start();
            }
            if (!ready.await(SHOT_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                throw new IllegalStateException("workers did not reach the start line");
            }
        }

        private void work(boolean reader, CountDownLatch ready) {
            ready.countDown();
            try {
                start.await();
                for (int i = 0; i < Scenario.ITERATIONS; i++) {
                    if (reader) {
                        read();
                    } else {
                        write();
                    }
                }
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            }
        }

        /** The measured part: opens the start line and waits for every worker. */
        final void go() throws InterruptedException {
            start.countDown();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(SHOT_TIMEOUT_SECONDS);
            for (Thread thread : threads) {
                thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
                if (thread.isAlive()) {
                    throw new IllegalStateException("scenario did not finish in " + SHOT_TIMEOUT_SECONDS + " s");
                }
            }
            Throwable t = failure.get();
            if (t != null) {
                throw new IllegalStateException("a worker failed", t);
            }
            int expected = scenario.writers * Scenario.ITERATIONS;
            if (writes.get() != expected) {
                throw new IllegalStateException("writes: " + writes.get() + ", expected " + expected);
            }
        }

        /** Stops what is left of a failed shot. */
        final void cleanUp() throws InterruptedException {
            for (Thread thread : threads) {
                thread.interrupt();
            }
            for (Thread thread : threads) {
                thread.join(TimeUnit.SECONDS.toMillis(5));
            }
        }
    }

    /** Our lock, one per policy. */
    @State(Scope.Benchmark)
    public static class Ours extends Harness {
        /** The scenario. */
        @Param({"READ_HEAVY", "BALANCED", "WRITE_HEAVY"})
        public Scenario scenario;

        /** The policy under test. */
        @Param({"WRITER_PREFERRING", "READER_PREFERRING", "FAIR", "EXCLUSIVE"})
        public Policy policy;

        private RWLock lock;

        @Override
        void read() throws InterruptedException {
            lock.read().lock();
            try {
                holdAsReader();
            } finally {
                lock.read().unlock();
            }
        }

        @Override
        void write() throws InterruptedException {
            lock.write().lock();
            try {
                holdAsWriter();
            } finally {
                lock.write().unlock();
            }
        }

        /** A fresh lock and fresh workers for each shot. */
        @Setup(Level.Invocation)
        public void setup() throws InterruptedException {
            lock = RWLock.builder().policy(policy).build();
            prepare(scenario);
        }

        /** Joins the workers. */
        @TearDown(Level.Invocation)
        public void tearDown() throws InterruptedException {
            cleanUp();
        }
    }

    /** The exclusive baseline: one {@code ReentrantLock} (nonfair) for readers and writers. */
    @State(Scope.Benchmark)
    public static class Exclusive extends Harness {
        /** The scenario. */
        @Param({"READ_HEAVY", "BALANCED", "WRITE_HEAVY"})
        public Scenario scenario;

        private Lock lock;

        @Override
        void read() throws InterruptedException {
            lock.lock();
            try {
                holdAsReader();
            } finally {
                lock.unlock();
            }
        }

        @Override
        void write() throws InterruptedException {
            lock.lock();
            try {
                holdAsWriter();
            } finally {
                lock.unlock();
            }
        }

        /** A fresh lock and fresh workers for each shot. */
        @Setup(Level.Invocation)
        public void setup() throws InterruptedException {
            lock = new ReentrantLock();
            prepare(scenario);
        }

        /** Joins the workers. */
        @TearDown(Level.Invocation)
        public void tearDown() throws InterruptedException {
            cleanUp();
        }
    }

    /** A nonfair {@code ReentrantReadWriteLock}. */
    @State(Scope.Benchmark)
    public static class Rrwl extends Harness {
        /** The scenario. */
        @Param({"READ_HEAVY", "BALANCED", "WRITE_HEAVY"})
        public Scenario scenario;

        private ReentrantReadWriteLock lock;

        @Override
        void read() throws InterruptedException {
            lock.readLock().lock();
            try {
                holdAsReader();
            } finally {
                lock.readLock().unlock();
            }
        }

        @Override
        void write() throws InterruptedException {
            lock.writeLock().lock();
            try {
                holdAsWriter();
            } finally {
                lock.writeLock().unlock();
            }
        }

        /** A fresh lock and fresh workers for each shot. */
        @Setup(Level.Invocation)
        public void setup() throws InterruptedException {
            lock = new ReentrantReadWriteLock(false);
            prepare(scenario);
        }

        /** Joins the workers. */
        @TearDown(Level.Invocation)
        public void tearDown() throws InterruptedException {
            cleanUp();
        }
    }

    /** Our lock. */
    @Benchmark
    public void ours(Ours s) throws InterruptedException {
        s.go();
    }

    /** The exclusive baseline ({@code ReentrantLock}). */
    @Benchmark
    public void reentrantLock(Exclusive s) throws InterruptedException {
        s.go();
    }

    /** {@code ReentrantReadWriteLock} (nonfair). */
    @Benchmark
    public void rrwl(Rrwl s) throws InterruptedException {
        s.go();
    }
}
