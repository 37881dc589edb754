package io.rwlocker.benchmarks;

import io.rwlocker.RWCondition;
import io.rwlocker.RWLock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
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
 * Broadcast wake-up: {@code waiters} threads are parked on one condition; one {@code signalAll()}
 * releases them. Each invocation measures the time from the signal until every waiter has
 * re-acquired the lock, left it, and reported back (the critical section after the wake-up is
 * empty). Before each invocation (not measured) all waiters are parked on the condition again.
 *
 * <p>Contenders, all in the same run:
 * <ul>
 *   <li>{@code RWLOCK_READ_SIGNALLED_BY_WRITER}: the waiters wait under the <em>read</em> lock of an
 *       {@link RWLock} (writer-preferring); a writer bumps the generation and signals. The waiters
 *       move to the lock queue and are admitted as one reader phase when the writer leaves.</li>
 *   <li>{@code RWLOCK_READ_SIGNALLED_BY_READER}: the same, but the signaller holds the read lock;
 *       the waiters are admitted at once, beside it. (Changing the predicate under a read lock is
 *       safe here only because every waiter is already parked when the signal comes.)</li>
 *   <li>{@code REENTRANT_LOCK} (the anchor): {@link ReentrantLock} with a {@link Condition}. Woken
 *       waiters must re-acquire the exclusive lock one at a time, each handing it to the next.</li>
 * </ul>
 * {@link java.util.concurrent.locks.ReentrantReadWriteLock} cannot take part: its
 * {@code readLock().newCondition()} throws {@link UnsupportedOperationException}, so readers cannot
 * wait on a condition at all (only the exclusive write side has conditions, which is the anchor's
 * case again).
 *
 * <pre>
 * mvn -B -pl benchmarks -am package -DskipTests
 * java -jar benchmarks/target/benchmarks.jar ConditionBroadcast
 * </pre>
 *
 * <p>The waiter threads are started once per trial and stopped in {@link #stop()}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ConditionBroadcastBench {
    /** How many threads wait on the condition. */
    @Param({"100", "1000"})
    public int waiters;

    /** Which lock and condition (see the class comment). */
    @Param({"RWLOCK_READ_SIGNALLED_BY_WRITER", "RWLOCK_READ_SIGNALLED_BY_READER", "REENTRANT_LOCK"})
    public String impl;

    /** One lock + condition under test: how waiters wait and how the signaller signals. */
    private interface Contender {
        /** The lock the waiters hold while waiting. */
        Lock waiterLock();

        Condition condition();

        /** Number of threads parked on the condition (a snapshot). */
        int parked();

        /** Runs {@code change} and signalAll under the signaller's lock. */
        void signalAll(Runnable change);
    }

    private static final class RWContender implements Contender {
        private final RWLock lock = RWLock.writerPreferring();
        private final RWCondition condition = lock.newCondition();
        private final Lock signallerLock;

        RWContender(boolean byWriter) {
            this.signallerLock = byWriter ? lock.write() : lock.read();
        }

        @Override
        public Lock waiterLock() {
            return lock.read();
        }

        @Override
        public Condition condition() {
            return condition;
        }

        @Override
        public int parked() {
            return condition.getWaitQueueLength();
        }

        @Override
        public void signalAll(Runnable change) {
            signallerLock.lock();
            try {
                change.run();
                condition.signalAll();
            } finally {
                signallerLock.unlock();
            }
        }
    }

    private static final class ReentrantContender implements Contender {
        private final ReentrantLock lock = new ReentrantLock();
        private final Condition condition = lock.newCondition();

        @Override
        public Lock waiterLock() {
            return lock;
        }

        @Override
        public Condition condition() {
            return condition;
        }

        @Override
        public int parked() {
            lock.lock();
            try {
                return lock.getWaitQueueLength(condition);
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void signalAll(Runnable change) {
            lock.lock();
            try {
                change.run();
                condition.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    private Contender contender;
    private final List<Thread> threads = new ArrayList<>();
    /** Bumped by each signal; a waiter leaves its wait loop when it sees a new value. */
    private volatile long generation;
    private volatile boolean stopped;
    /** Waiters that have not yet re-acquired and released in this round. */
    private final AtomicInteger remaining = new AtomicInteger();
    private volatile Thread measuring;

    /** Starts the waiter threads and waits until all of them are parked. */
    @Setup(Level.Trial)
    public void start() {
        contender = switch (impl) {
            case "RWLOCK_READ_SIGNALLED_BY_WRITER" -> new RWContender(true);
            case "RWLOCK_READ_SIGNALLED_BY_READER" -> new RWContender(false);
            case "REENTRANT_LOCK" -> new ReentrantContender();
            default -> throw new IllegalArgumentException("unknown impl " + impl);
        };
        generation = 0;
        stopped = false;
        for (int i = 0; i < waiters; i++) {
            Thread t = new Thread(null, this::waiterLoop, "broadcast-waiter-" + i, 256 * 1024);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
        awaitAllParked();
    }

    private void waiterLoop() {
        Lock lock = contender.waiterLock();
        Condition condition = contender.condition();
        long seen = 0;
        for (;;) {
            lock.lock();
            try {
                while (generation == seen && !stopped) {
                    condition.awaitUninterruptibly();
                }
                seen = generation;
            } finally {
                lock.unlock();
            }
            if (stopped) {
                return;
            }
            if (remaining.decrementAndGet() == 0) {
                LockSupport.unpark(measuring);
            }
        }
    }

    /** Not measured: every waiter is back on the condition before the next signal. */
    @Setup(Level.Invocation)
    public void awaitAllParked() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        int spins = 0;
        while (contender.parked() < waiters) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("waiters did not park within 60 s: " + contender.parked());
            }
            if (++spins % 64 == 0) {
                LockSupport.parkNanos(10_000);
            } else {
                Thread.onSpinWait();
            }
        }
    }

    /** One signalAll; returns when all waiters have re-acquired and released the lock. */
    @Benchmark
    public long signalAllUntilAllReleased() {
        measuring = Thread.currentThread();
        remaining.set(waiters);
        contender.signalAll(() -> generation++);
        while (remaining.get() != 0) {
            LockSupport.park(this);
        }
        return generation;
    }

    /** Stops and joins the waiter threads (a writer-side signal, so no waiter can miss it). */
    @TearDown(Level.Trial)
    public void stop() throws InterruptedException {
        stopped = true;
        Contender c = contender;
        if (c instanceof RWContender rw) {
            rw.lock.write().lock();
            try {
                rw.condition.signalAll();
            } finally {
                rw.lock.write().unlock();
            }
        } else {
            c.signalAll(() -> { });
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        for (Thread t : threads) {
            t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        }
        for (Thread t : threads) {
            if (t.isAlive()) {
                t.interrupt();
                throw new IllegalStateException("waiter thread did not stop: " + t.getName());
            }
        }
        threads.clear();
    }
}
