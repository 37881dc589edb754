package io.rwlocker;

import io.rwlocker.internal.Parking;
import io.rwlocker.internal.ReaderRecord;
import io.rwlocker.internal.Spin;
import io.rwlocker.internal.ThreadWaiter;
import io.rwlocker.internal.jfr.LockEvents;
import io.rwlocker.internal.jfr.TimingSwitch;

/*
 * Implementation notes
 *
 * Per-thread bookkeeping lives in the thread's ReaderRecord (see its notes): `holds` counts every
 * read hold; only the outermost one is shared state, so a nested read or unlock touches nothing
 * but the thread's own record. The outermost hold is taken, in order of preference:
 *   1. biased:  published in the record (LockEngine.tryReadVisible), no shared write at all;
 *   2. central: one CAS on the engine's state word (LockEngine.tryReadFast);
 *   3. spin:    a contended newcomer retries the central path a bounded number of times
 *               (Spin.ACQUIRE; the policy's rule still applies to every retry);
 *   4. queued:  a ThreadWaiter node, parked until the engine grants it.
 * The release of the outermost hold (LockEngine.releaseThreadShare) undoes whichever it was.
 *
 * JFR: a request that reaches step 4 is a ContendedAcquire event (begun before the node is
 * linked, ended with the outcome). Where an outermost hold begins or ends, `if (TimingSwitch.on())`
 * times it for LongHold; the switch is a JIT constant, so while it is off these paths compile as
 * if the line were not there.
 */

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
        ReaderRecord record = engine.record();
        if (tryNestedOrFast(record)) {
            return;
        }
        try {
            acquireSlow(record, false, false, 0L);
        } catch (InterruptedException impossible) {
            throw new AssertionError(impossible);
        }
    }

    @Override
    public boolean tryLock() {
        ReaderRecord record = engine.record();
        if (tryNestedOrFast(record)) {
            return true;
        }
        if (engine.writeOwner() == Thread.currentThread() && engine.isReentrantWriter()) {
            takeCentralHold(record);
            return true;
        }
        return false;
    }

    @Override
    boolean acquire(boolean interruptible, boolean timed, long nanos) throws InterruptedException {
        ReaderRecord record = engine.record();
        if (interruptible && Thread.interrupted()) {
            throw interrupted();
        }
        return tryNestedOrFast(record) || acquireSlow(record, interruptible, timed, nanos);
    }

    /** A nested hold (local only), or an outermost hold on the biased or central fast path. */
    private boolean tryNestedOrFast(ReaderRecord record) {
        int holds = record.holds;
        if (holds > 0) {
            if (holds == Integer.MAX_VALUE) {
                throw new Error("Maximum lock count exceeded");
            }
            record.holds = holds + 1;
            return true;
        }
        if (engine.tryReadVisible(record)) {
            record.holds = 1;
            if (TimingSwitch.on()) {
                engine.beginReadHold(record);
            }
            return true;
        }
        return tryCentral(record);
    }

    /** An outermost hold on the central path (one CAS by the policy's rule), or false. */
    private boolean tryCentral(ReaderRecord record) {
        if (engine.tryReadFast()) {
            record.central = 1;
            record.holds = 1;
            engine.maybeRestoreBias(record);
            if (TimingSwitch.on()) {
                engine.beginReadHold(record);
            }
            return true;
        }
        return false;
    }

    private void takeCentralHold(ReaderRecord record) {
        engine.addReadHolds(1);
        record.central = 1;
        record.holds = 1;
        if (TimingSwitch.on()) {
            engine.beginReadHold(record);
        }
    }

    private boolean acquireSlow(ReaderRecord record, boolean interruptible, boolean timed, long nanos)
            throws InterruptedException {
        if (engine.writeOwner() == Thread.currentThread()) {
            if (!engine.isReentrantWriter()) {
                throw new IllegalStateException(
                        "the current thread holds the write lock of a non-reentrant-writer lock");
            }
            takeCentralHold(record);
            return true;
        }
        if (timed && nanos <= 0L) {
            return tryNestedOrFast(record);
        }
        for (int spins = Spin.ACQUIRE; spins > 0; spins--) { // bounded; see Spin
            if (tryCentral(record)) {
                return true;
            }
            Spin.pause(spins);
        }
        ThreadWaiter node = new ThreadWaiter(0, 1);
        Object event = LockEvents.beginAcquire();
        if (engine.acquireOrEnqueue(node)) {
            takeGrantedHold(record);
            return true;
        }
        boolean granted;
        try {
            granted = Parking.awaitGrant(engine, node, lock, interruptible, timed, nanos);
        } catch (InterruptedException e) {
            LockEvents.endAcquire(event, engine.name(), engine.policy(), false, false, LockEvents.INTERRUPTED);
            throw e;
        }
        LockEvents.endAcquire(event, engine.name(), engine.policy(), false, false,
                granted ? LockEvents.ACQUIRED : LockEvents.TIMED_OUT);
        if (granted) {
            takeGrantedHold(record);
        }
        return granted;
    }

    /** Records the outermost hold the engine granted to this thread's node (a central hold). */
    private void takeGrantedHold(ReaderRecord record) {
        record.central = 1;
        record.holds = 1;
        if (TimingSwitch.on()) {
            engine.beginReadHold(record);
        }
    }

    @Override
    public void unlock() {
        ReaderRecord record = engine.record();
        int holds = record.holds;
        if (holds == 0) {
            throw new IllegalMonitorStateException("the current thread does not hold the read lock");
        }
        record.holds = holds - 1;
        if (holds == 1) {
            if (TimingSwitch.on()) {
                engine.endReadHold(record);
            }
            engine.releaseThreadShare(record);
        }
    }

    @Override
    public boolean isHeldByCurrentThread() {
        return engine.record().holds > 0;
    }

    @Override
    public int getHoldCount() {
        return engine.record().holds;
    }

    @Override
    public String toString() {
        return "ReadLock[" + engine + "]"; // the engine's string starts with the lock's name
    }
}
