package io.rwlocker;

import io.rwlocker.internal.Parking;
import io.rwlocker.internal.ThreadReadHolds;
import io.rwlocker.internal.ThreadWaiter;

/**
 * The read side of an {@link RWLock}: shared with other readers, exclusive against writers,
 * admitted by the lock's {@link Policy}.
 *
 * <pre>{@code
 * try (Guard g = lock.read().acquire()) {
 *     return cache.get(key);
 * }
 * }</pre>
 *
 * <p>Read holds belong to the thread that took them: another thread's {@link #unlock()} throws
 * {@link IllegalMonitorStateException}. A thread that holds a read may read again even while
 * writers wait. The write holder may read too if the lock has a reentrant writer (releasing the
 * write then leaves it a reader); a non-reentrant write holder gets an
 * {@link IllegalStateException} instead of a deadlock.
 */
public final class ReadLock extends LockSide {
    ReadLock(RWLock lock) {
        super(lock);
    }

    @Override
    public void lock() {
        ThreadReadHolds.Counter counter = readHolds.get();
        if (engine.tryReadFast()) {
            counter.holds++;
            return;
        }
        try {
            acquireSlow(counter, false, false, 0L);
        } catch (InterruptedException impossible) {
            throw new AssertionError(impossible);
        }
    }

    @Override
    public boolean tryLock() {
        ThreadReadHolds.Counter counter = readHolds.get();
        if (engine.tryReadFast()) {
            counter.holds++;
            return true;
        }
        Thread me = Thread.currentThread();
        if (engine.writeOwner() == me) {
            if (!engine.isReentrantWriter()) {
                return false;
            }
        } else if (counter.holds == 0) {
            return false;
        }
        engine.addReadHolds(1);
        counter.holds++;
        return true;
    }

    @Override
    boolean acquire(boolean interruptible, boolean timed, long nanos) throws InterruptedException {
        ThreadReadHolds.Counter counter = readHolds.get();
        if (interruptible && Thread.interrupted()) {
            throw interrupted();
        }
        if (engine.tryReadFast()) {
            counter.holds++;
            return true;
        }
        return acquireSlow(counter, interruptible, timed, nanos);
    }

    private boolean acquireSlow(ThreadReadHolds.Counter counter, boolean interruptible,
                                boolean timed, long nanos) throws InterruptedException {
        if (engine.writeOwner() == Thread.currentThread()) {
            if (!engine.isReentrantWriter()) {
                throw new IllegalStateException(
                        "the current thread holds the write lock of a non-reentrant-writer lock");
            }
            engine.addReadHolds(1);
            counter.holds++;
            return true;
        }
        if (counter.holds > 0) {
            engine.addReadHolds(1);
            counter.holds++;
            return true;
        }
        if (timed && nanos <= 0L) {
            if (engine.tryReadFast()) {
                counter.holds++;
                return true;
            }
            return false;
        }
        ThreadWaiter node = new ThreadWaiter(0, 1);
        if (engine.acquireOrEnqueue(node)
                || Parking.awaitGrant(engine, node, lock, interruptible, timed, nanos)) {
            counter.holds++;
            return true;
        }
        return false;
    }

    @Override
    public void unlock() {
        ThreadReadHolds.Counter counter = readHolds.get();
        if (counter.holds == 0) {
            throw new IllegalMonitorStateException("the current thread does not hold the read lock");
        }
        counter.holds--;
        engine.releaseReads(1);
    }

    @Override
    public boolean isHeldByCurrentThread() {
        return readHolds.get().holds > 0;
    }

    @Override
    public int getHoldCount() {
        return readHolds.get().holds;
    }

    @Override
    public String toString() {
        return "ReadLock[" + engine + "]";
    }
}
