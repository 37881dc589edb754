package io.rwlocker;

import io.rwlocker.internal.LockEngine;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;

/**
 * One side (read or write) of an {@link RWLock}: a {@link Lock} plus try-with-resources
 * {@link Guard}s and hold introspection.
 *
 * <pre>{@code
 * RWLock lock = RWLock.writerPreferring();
 * try (Guard g = lock.write().acquire()) {
 *     map.put(key, value);
 * }
 * }</pre>
 *
 * <p>Misuse fails fast with the lock state untouched: unlocking a side the current thread does
 * not hold throws {@link IllegalMonitorStateException}; an acquisition that could only deadlock
 * (read-to-write upgrade, re-entry of a non-reentrant writer) throws
 * {@link IllegalStateException} ({@link #tryLock()} returns {@code false} instead). A zero or
 * negative timeout makes one non-blocking attempt.
 */
public abstract sealed class LockSide implements Lock permits ReadLock, WriteLock {
    final RWLock lock;
    final LockEngine engine;
    private final Guard guard = this::unlock;

    LockSide(RWLock lock) {
        this.lock = lock;
        this.engine = lock.engine;
    }

    /**
     * Acquires this side like {@link #lock()} and returns a guard whose {@code close()} unlocks
     * it. The guard is a shared, allocation-free object: closing it more often than acquired
     * releases other holds of the current thread (or throws if none is left).
     */
    public final Guard acquire() {
        lock();
        return guard;
    }

    /** Like {@link #acquire()}, but interruptible as {@link #lockInterruptibly()}. */
    public final Guard acquireInterruptibly() throws InterruptedException {
        lockInterruptibly();
        return guard;
    }

    /** Whether the current thread holds this side at least once. */
    public abstract boolean isHeldByCurrentThread();

    /** The current thread's holds of this side (0 if none). */
    public abstract int getHoldCount();

    /** The lock this side belongs to. */
    public final RWLock owner() {
        return lock;
    }

    @Override
    public final boolean tryLock(long time, TimeUnit unit) throws InterruptedException {
        Objects.requireNonNull(unit, "unit");
        return acquire(true, true, unit.toNanos(time));
    }

    @Override
    public final void lockInterruptibly() throws InterruptedException {
        acquire(true, false, 0L);
    }

    /**
     * Returns a condition of the whole {@link RWLock}: it may be awaited under the read or the
     * write lock (unlike {@code ReentrantReadWriteLock.readLock().newCondition()}, which throws).
     */
    @Override
    public final RWCondition newCondition() {
        return lock.newCondition();
    }

    abstract boolean acquire(boolean interruptible, boolean timed, long nanos) throws InterruptedException;

    static InterruptedException interrupted() {
        return new InterruptedException();
    }
}
