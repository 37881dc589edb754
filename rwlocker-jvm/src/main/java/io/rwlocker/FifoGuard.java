package io.rwlocker;

import io.rwlocker.internal.FifoEngine;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/*
 * Implementation notes
 *
 * One hold of a FifoLock, as a Guard. The hold is owner-less: any thread may close the guard.
 * `closed` goes 0 -> 1 exactly once (CAS), so of any number of close() calls, racing or not,
 * exactly one releases. `held` is the mode object the engine counts the hold under (equal to the
 * requested one), so the release is by identity. One guard per acquisition: the only allocation of
 * an uncontended FifoLock acquisition.
 */

/** The guard of one {@link FifoLock} hold: releases it on the first {@link #close()}. */
final class FifoGuard implements Guard {
    private static final VarHandle CLOSED;

    static {
        try {
            CLOSED = MethodHandles.lookup().findVarHandle(FifoGuard.class, "closed", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final FifoEngine engine;
    private final Mode held;
    private volatile int closed;

    FifoGuard(FifoEngine engine, Mode held) {
        this.engine = engine;
        this.held = held;
    }

    /**
     * Releases the hold, the first time; later calls do nothing.
     *
     * @throws IllegalStateException if called from inside {@link Mode#isCompatible(Holds)} of the
     *         same lock (the guard stays open)
     */
    @Override
    public void close() {
        if (closed != 0 || !CLOSED.compareAndSet(this, 0, 1)) {
            return;
        }
        try {
            engine.release(held);
        } catch (IllegalStateException reentry) {
            closed = 0;
            throw reentry;
        }
    }

    @Override
    public String toString() {
        return "FifoLock guard[" + held + (closed != 0 ? ", closed]" : ", held]");
    }
}
