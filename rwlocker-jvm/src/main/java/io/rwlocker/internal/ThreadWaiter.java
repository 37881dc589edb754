package io.rwlocker.internal;

import io.rwlocker.Mode;
import java.util.concurrent.locks.LockSupport;

/** A waiter node for a parked platform or virtual thread. Internal API. */
public final class ThreadWaiter extends Waiter {
    private final Thread thread;

    /** A request by the current thread for the given holds. */
    public ThreadWaiter(int writeHolds, int readHolds) {
        this(Thread.currentThread(), writeHolds, readHolds);
    }

    /** A FIFO request by the current thread for one hold of {@code mode}. */
    public ThreadWaiter(Mode mode) {
        this(Thread.currentThread(), 0, 0, mode);
    }

    private ThreadWaiter(Thread thread, int writeHolds, int readHolds) {
        this(thread, writeHolds, readHolds, null);
    }

    private ThreadWaiter(Thread thread, int writeHolds, int readHolds, Mode mode) {
        super(thread, writeHolds, readHolds, mode);
        this.thread = thread;
    }

    /** The waiting thread. */
    public Thread thread() {
        return thread;
    }

    @Override
    protected void wake() {
        LockSupport.unpark(thread);
    }
}
