package io.rwlocker;

import io.rwlocker.internal.Parking;
import io.rwlocker.internal.ReaderRecord;
import io.rwlocker.internal.Spin;
import io.rwlocker.internal.ThreadWaiter;
import io.rwlocker.internal.jfr.LockEvents;
import io.rwlocker.internal.jfr.TimingSwitch;

/**
 * The write side of an {@link RWLock}: exclusive, owned by one thread, admitted by the lock's
 * {@link Policy}; writers are served in arrival order among themselves.
 *
 * <pre>{@code
 * WriteLock w = lock.write();
 * w.lock();
 * try {
 *     config = load();
 *     w.downgrade();          // atomically become a reader: no writer can slip in
 * } catch (RuntimeException e) {
 *     w.unlock();
 *     throw e;
 * }
 * try { publish(config); } finally { lock.read().unlock(); }
 * }</pre>
 *
 * <p>With a reentrant writer ({@link RWLock.Builder#reentrantWriter(boolean)}) the owner may
 * lock again (counted) and may take the read side. Without it, a second acquisition by the
 * owner throws {@link IllegalStateException} instead of deadlocking, as does an attempt by a
 * read holder to upgrade. {@link #tryLock()} returns {@code false} in both cases.
 */
public final class WriteLock extends LockSide {
    WriteLock(RWLock lock) {
        super(lock);
    }

    @Override
    public void lock() {
        if (engine.tryWriteFast(Thread.currentThread())) {
            return;
        }
        try {
            acquireSlow(false, false, 0L);
        } catch (InterruptedException impossible) {
            throw new AssertionError(impossible);
        }
    }

    @Override
    public boolean tryLock() {
        Thread me = Thread.currentThread();
        if (engine.tryWriteFast(me)) {
            return true;
        }
        if (engine.writeOwner() == me && engine.isReentrantWriter()) {
            engine.incrementWriteHolds();
            return true;
        }
        return false;
    }

    @Override
    boolean acquire(boolean interruptible, boolean timed, long nanos) throws InterruptedException {
        if (interruptible && Thread.interrupted()) {
            throw interrupted();
        }
        if (engine.tryWriteFast(Thread.currentThread())) {
            return true;
        }
        return acquireSlow(interruptible, timed, nanos);
    }

    private boolean acquireSlow(boolean interruptible, boolean timed, long nanos)
            throws InterruptedException {
        Thread me = Thread.currentThread();
        if (engine.writeOwner() == me) {
            if (!engine.isReentrantWriter()) {
                throw new IllegalStateException(
                        "the current thread already holds the write lock of a non-reentrant-writer lock");
            }
            engine.incrementWriteHolds();
            return true;
        }
        if (engine.record().holds > 0) {
            throw new IllegalStateException(
                    "the current thread holds the read lock: upgrading to write would deadlock");
        }
        if (timed && nanos <= 0L) {
            return engine.tryWriteFast(me);
        }
        for (int spins = Spin.ACQUIRE; spins > 0; spins--) { // bounded; see Spin
            if (engine.tryWriteFast(me)) {
                return true;
            }
            Spin.pause(spins);
        }
        ThreadWaiter node = new ThreadWaiter(1, 0);
        Object event = LockEvents.beginAcquire(); // JFR ContendedAcquire, if on: only queued requests
        if (engine.acquireOrEnqueue(node)) {
            return true;
        }
        boolean granted;
        try {
            granted = Parking.awaitGrant(engine, node, lock, interruptible, timed, nanos);
        } catch (InterruptedException e) {
            LockEvents.endAcquire(event, engine.name(), engine.policy(), true, false, LockEvents.INTERRUPTED);
            throw e;
        }
        LockEvents.endAcquire(event, engine.name(), engine.policy(), true, false,
                granted ? LockEvents.ACQUIRED : LockEvents.TIMED_OUT);
        return granted;
    }

    @Override
    public void unlock() {
        if (engine.writeOwner() != Thread.currentThread()) {
            throw new IllegalMonitorStateException("the current thread does not hold the write lock");
        }
        engine.decrementWriteHolds();
    }

    /**
     * Atomically turns the current thread's write hold into a read hold: no writer can enter
     * in between. Waiting readers are admitted as the policy allows. Release the read side
     * afterwards.
     *
     * @throws IllegalMonitorStateException if the current thread does not hold the write lock
     * @throws IllegalStateException if it holds the write lock more than once (release the
     *         inner holds first)
     */
    public void downgrade() {
        Thread me = Thread.currentThread();
        if (engine.writeOwner() != me) {
            throw new IllegalMonitorStateException("the current thread does not hold the write lock");
        }
        if (engine.writeHoldsOf(me) > 1) {
            throw new IllegalStateException(
                    "cannot downgrade a nested write hold: release the inner write holds first");
        }
        engine.downgrade(); // ends the write hold's LongHold timing, if on
        ReaderRecord record = engine.record();
        record.central++;
        if (record.holds++ == 0 && TimingSwitch.on()) {
            engine.beginReadHold(record);
        }
    }

    @Override
    public boolean isHeldByCurrentThread() {
        return engine.writeOwner() == Thread.currentThread();
    }

    @Override
    public int getHoldCount() {
        return engine.writeHoldsOf(Thread.currentThread());
    }

    @Override
    public String toString() {
        return "WriteLock[" + engine + "]";
    }
}
