package io.rwlocker.internal;

import java.util.concurrent.locks.LockSupport;

/** A waiter node for a parked platform or virtual thread. Internal API. */
public final class ThreadWaiter extends Waiter {
    private final Thread thread;

    /** A request by the current thread for the given holds. */
    public ThreadWaiter(int writeHolds, int readHolds) {
        this(Thread.currentThread(), writeHolds, readHolds);
    }

    private ThreadWaiter(Thread thread, int writeHolds, int readHolds) {
        super(thread, writeHolds, readHolds);
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
