package io.rwlocker;

import io.rwlocker.internal.LockEngine;
import io.rwlocker.internal.Parking;
import io.rwlocker.internal.ReaderRecord;
import io.rwlocker.internal.ThreadWaiter;
import io.rwlocker.internal.WaitQueue;
import io.rwlocker.internal.Waiter;
import io.rwlocker.internal.jfr.TimingSwitch;
import java.time.Duration;
import java.util.Date;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/*
 * Implementation notes
 *
 * A condition of an RWLock, usable under its read or its write lock. Each awaiting thread has
 * one ThreadWaiter node carrying the holds it released: w write holds, and one shared read hold
 * if it held any reads (a thread's nested read holds are local to its ReaderRecord).
 *
 * await: (1) link the node in `waiters` (status CONDITION) while still holding the lock, so a
 * signal made after the release cannot miss it; (2) release all the thread's holds (reads then
 * write, so a reentrant writer's reads ride along); (3) park until the node leaves CONDITION;
 * (4) wait for the lock grant of (w, shared read) holds; (5) restore the thread's read record.
 *
 * signal(n): under the engine's queue lock, moves up to n nodes from the head of `waiters` to
 * the lock queue through the policy (LockEngine.signal -> acquireOrLinkLocked): a node the
 * policy admits at once is granted and woken; the others wait for a grant in arrival order, so
 * readers signalled together re-enter together. A signal therefore never wakes a thread only to
 * make it queue again.
 *
 * Timeout and interrupt race with signal: the waiter withdraws with LockEngine.conditionCancel
 * under the same queue lock. If the node was still CONDITION it was not signalled (await
 * returns false / throws), else the signal already counted it and it is treated as signalled
 * (await returns true / returns with the interrupt status set). A signal is never consumed by a
 * waiter that then reports a timeout, so no wake-up is lost.
 *
 * Waiting threads park with the lock (not this condition) as their blocker, so thread dumps and
 * LockSupport.getBlocker name the lock, whichever way they wait for it.
 *
 * Invariants: a node is in at most one queue; `waiters` is edited only under the engine's queue
 * lock; enqueue and removal are O(1). Linearization points: await's release of the lock (the
 * node is already visible to signals), a signal's unlink of the node, a timeout's or
 * interrupt's unlink of the node.
 */

/**
 * A condition variable of an {@link RWLock} that works under the read <em>or</em> the write
 * lock (no JDK lock offers this: {@code ReentrantReadWriteLock.readLock().newCondition()}
 * throws). It implements every {@link Condition} method and adds {@link #signal(int)} and
 * predicate waits.
 *
 * <pre>{@code
 * RWLock lock = RWLock.writerPreferring();
 * RWCondition refreshed = lock.newCondition();
 *
 * // reader: wait, still as a reader, until the cache is fresh
 * try (Guard g = lock.read().acquire()) {
 *     refreshed.waitFor(() -> cache.isFresh());
 *     return cache.get(key);
 * }
 *
 * // writer: refresh and wake every waiting reader; they re-enter together
 * try (Guard g = lock.write().acquire()) {
 *     cache.reload();
 *     refreshed.signalAll();
 * }
 * }</pre>
 *
 * <p>Guarantees: {@code await*} releases all of the current thread's holds of the lock (nested
 * write holds, read holds, or both), waits, and restores exactly those holds before returning,
 * on every exit path (signal, timeout, interrupt, spurious wake-up). Signals are FIFO;
 * {@link #signal(int) signal(n)} wakes exactly {@code min(n, waiters)}. A waiter whose timeout
 * or interrupt races with a signal either reports the signal ({@code true} / interrupt status
 * set) or was not counted by it: signals are never lost. Re-acquisition goes through the lock's
 * policy. Every await, {@code waitFor} and signal method throws
 * {@link IllegalMonitorStateException} when the current thread holds neither side of the lock
 * (the snapshots {@link #getWaitQueueLength()} and {@link #hasWaiters()} may be read by anyone).
 * Under {@link Policy#EXCLUSIVE} it behaves like a monitor's condition.
 *
 * <p>Change the state that waiters test under the <em>write</em> lock, as in the example: a
 * reader that changes it under the read lock and signals can race with another reader that has
 * tested the predicate but not yet started waiting, which then misses that signal (readers do not
 * exclude each other; this is the nature of shared mode, not a lost wake-up).
 */
public final class RWCondition implements Condition {
    private final RWLock lock;
    private final LockEngine engine;
    private final WaitQueue waiters = new WaitQueue();

    RWCondition(RWLock lock) {
        this.lock = lock;
        this.engine = lock.engine;
    }

    /** The lock this condition belongs to. */
    public RWLock lock() {
        return lock;
    }

    // ------------------------------------------------------------------ waiting

    @Override
    public void await() throws InterruptedException {
        awaitCore(true, false, 0L);
    }

    @Override
    public void awaitUninterruptibly() {
        try {
            awaitCore(false, false, 0L);
        } catch (InterruptedException impossible) {
            throw new AssertionError(impossible);
        }
    }

    @Override
    public long awaitNanos(long nanosTimeout) throws InterruptedException {
        return awaitCore(true, true, nanosTimeout);
    }

    @Override
    public boolean await(long time, TimeUnit unit) throws InterruptedException {
        Objects.requireNonNull(unit, "unit");
        return awaitCore(true, true, unit.toNanos(time)) > 0L;
    }

    @Override
    public boolean awaitUntil(Date deadline) throws InterruptedException {
        Objects.requireNonNull(deadline, "deadline");
        long until = deadline.getTime();
        long now = System.currentTimeMillis();
        // A deadline far in the past (down to Date(Long.MIN_VALUE)) must not overflow into a
        // far future: it has elapsed, so the wait is one non-blocking check.
        long millis = until > now ? until - now : 0L;
        return awaitCore(true, true, TimeUnit.MILLISECONDS.toNanos(millis)) > 0L;
    }

    /**
     * Waits until {@code predicate} is true, checking it under the lock before the first wait
     * and after every wake-up.
     *
     * @throws InterruptedException if interrupted while waiting (the holds are restored)
     */
    public void waitFor(BooleanSupplier predicate) throws InterruptedException {
        Objects.requireNonNull(predicate, "predicate");
        checkHeld();
        while (!predicate.getAsBoolean()) {
            await();
        }
    }

    /**
     * Waits until {@code predicate} is true or {@code timeout} elapses. A zero or negative
     * timeout checks the predicate once without waiting.
     *
     * @return the predicate's last value: {@code false} if it stayed false
     * @throws InterruptedException if interrupted while waiting (the holds are restored)
     */
    public boolean waitFor(BooleanSupplier predicate, Duration timeout) throws InterruptedException {
        Objects.requireNonNull(predicate, "predicate");
        Objects.requireNonNull(timeout, "timeout");
        checkHeld();
        long nanos = saturatedNanos(timeout);
        long deadline = System.nanoTime() + nanos;
        while (!predicate.getAsBoolean()) {
            if (nanos <= 0L) {
                return false;
            }
            awaitCore(true, true, nanos);
            nanos = deadline - System.nanoTime();
        }
        return true;
    }

    private static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException overflow) {
            return d.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
    }

    /**
     * The common await. Returns, for timed waits, an estimate of the time left (a value
     * {@code <= 0} means it timed out without being signalled; a signalled waiter returns at
     * least 1).
     */
    private long awaitCore(boolean interruptible, boolean timed, long nanos) throws InterruptedException {
        Thread me = Thread.currentThread();
        ReaderRecord record = engine.record();
        int writeHolds = engine.writeHoldsOf(me);
        int readHolds = record.holds;
        if (writeHolds == 0 && readHolds == 0) {
            throw new IllegalMonitorStateException("the current thread holds neither side of the lock");
        }
        if (interruptible && Thread.interrupted()) {
            throw new InterruptedException();
        }
        if (timed && nanos <= 0L) {
            return nanos;
        }
        long deadline = timed ? System.nanoTime() + nanos : 0L;
        // One shared read hold stands for all of the thread's read holds (nested ones are local).
        int sharedReads = readHolds > 0 ? 1 : 0;
        ThreadWaiter node = new ThreadWaiter(writeHolds, sharedReads);
        engine.conditionEnqueue(waiters, node);
        record.holds = 0;
        if (readHolds > 0) {
            if (TimingSwitch.on()) {
                engine.endReadHold(record); // the read hold ends here, and a new one begins after
            }
            engine.releaseThreadShare(record);
        }
        if (writeHolds > 0) {
            engine.releaseWrite();
        }

        boolean signalled = true;
        boolean throwInterrupt = false;
        boolean reinterrupt = false;
        while (node.status() == Waiter.CONDITION) {
            if (timed) {
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0L) {
                    if (engine.conditionCancel(waiters, node)) {
                        signalled = false;
                        break;
                    }
                    continue;
                }
                LockSupport.parkNanos(lock, remaining); // the blocker is the lock (thread dumps)
            } else {
                LockSupport.park(lock);
            }
            if (Thread.interrupted()) {
                if (interruptible && engine.conditionCancel(waiters, node)) {
                    signalled = false;
                    throwInterrupt = true;
                    break;
                }
                reinterrupt = true;
            }
        }

        reacquire(node, signalled);
        record.central = sharedReads;
        record.holds = readHolds;
        if (readHolds > 0 && TimingSwitch.on()) {
            engine.beginReadHold(record);
        }
        if (throwInterrupt) {
            throw new InterruptedException();
        }
        if (reinterrupt) {
            me.interrupt();
        }
        if (!timed) {
            return 1L;
        }
        long left = deadline - System.nanoTime();
        return signalled ? Math.max(left, 1L) : Math.min(left, 0L);
    }

    /** Waits, uninterruptibly, for the lock to grant the node's holds back. */
    private void reacquire(ThreadWaiter node, boolean queuedBySignal) {
        if (!queuedBySignal && engine.acquireOrEnqueue(node)) {
            return;
        }
        try {
            Parking.awaitGrant(engine, node, lock, false, false, 0L);
        } catch (InterruptedException impossible) {
            throw new AssertionError(impossible);
        }
    }

    // ------------------------------------------------------------------ signalling

    /** Wakes the longest-waiting waiter, if any. */
    @Override
    public void signal() {
        signal(1);
    }

    /** Wakes all waiters. */
    @Override
    public void signalAll() {
        signal(Integer.MAX_VALUE);
    }

    /**
     * Wakes up to {@code n} waiters in FIFO order and returns how many were woken:
     * {@code min(n, waiters)}; {@code n <= 0} wakes none.
     *
     * @throws IllegalMonitorStateException if the current thread holds neither side of the lock
     */
    public int signal(int n) {
        checkHeld();
        return engine.signal(waiters, n);
    }

    /** Whether any thread waits on this condition (a snapshot). */
    public boolean hasWaiters() {
        return engine.conditionLength(waiters) > 0;
    }

    /** The number of threads waiting on this condition (a snapshot). */
    public int getWaitQueueLength() {
        return engine.conditionLength(waiters);
    }

    private void checkHeld() {
        Thread me = Thread.currentThread();
        if (engine.writeOwner() != me && engine.record().holds == 0) {
            throw new IllegalMonitorStateException("the current thread holds neither side of the lock");
        }
    }

    @Override
    public String toString() {
        return "RWCondition[waiters = " + getWaitQueueLength() + ", " + lock + "]";
    }
}
