package io.rwlocker.internal;

import io.rwlocker.Guard;
import io.rwlocker.Holds;
import io.rwlocker.Mode;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;

/*
 * Implementation notes
 *
 * One hold of a FifoLock, and the object of the FifoEngine's lock-free state: the one allocation
 * of an acquisition plays both roles.
 *
 * As a guard: `mode` is the mode object the engine counts the hold under (equal to the requested
 * one); `closed` goes 0 -> 1 exactly once (CAS), so of any number of close() calls, racing or not,
 * exactly one releases (owner-less: any thread may close). A release that the engine refuses (from
 * inside isCompatible, under its queue lock) sets `closed` back to 0: the guard stays open.
 *
 * As a snapshot (a hold made by the engine's fast path; EMPTY; or a guard-less snapshot made when
 * the engine leaves its table): immutable `count` holds of `mode` (none if 0), and `prev`, the
 * snapshot with one hold fewer (the state this hold was pushed onto), or null for a guard-less
 * snapshot (previous() then makes one). The engine's state word points at the newest snapshot; a
 * release moves it to previous() whichever guard is closed, since the holds are counted, not
 * named. So the chain behind the state is at most `count` long. As a Holds it answers
 * isCompatible on the fast path; it is immutable, so a Holds kept after the call describes a past
 * state.
 */

/** A FifoLock hold (the Guard the caller closes) and a snapshot of the holds. Internal API. */
public final class FifoHold implements Guard, Holds {
    private static final VarHandle CLOSED;

    static {
        try {
            CLOSED = MethodHandles.lookup().findVarHandle(FifoHold.class, "closed", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The snapshot of a lock nobody holds; closing it does nothing. */
    static final FifoHold EMPTY = sentinel();

    final FifoEngine engine;
    final Mode mode;
    final int count;
    final FifoHold prev;
    private volatile int closed;

    FifoHold(FifoEngine engine, Mode mode, int count, FifoHold prev) {
        // `closed` keeps its default 0: no volatile store (a fence) on the acquisition path.
        this.engine = engine;
        this.mode = mode;
        this.count = count;
        this.prev = prev;
    }

    /** A hold that is nobody's guard: already closed. */
    private static FifoHold closedSnapshot(Mode mode, int count) {
        FifoHold snapshot = new FifoHold(null, mode, count, null);
        CLOSED.set(snapshot, 1); // published by the engine's volatile state write, or a static final
        return snapshot;
    }

    /** A snapshot of no holds that is never anyone's guard (closing it does nothing). */
    static FifoHold sentinel() {
        return closedSnapshot(null, 0);
    }

    /**
     * A snapshot of {@code count} holds of {@code mode} that is nobody's guard and has no
     * {@code prev} (the release that leaves it makes the next one).
     */
    static FifoHold snapshot(Mode mode, int count) {
        return count == 0 ? EMPTY : closedSnapshot(mode, count);
    }

    /** The snapshot with one hold fewer. */
    FifoHold previous() {
        return prev != null ? prev : snapshot(mode, count - 1);
    }

    // ------------------------------------------------------------------ Guard

    /**
     * Releases the hold, the first time; later calls do nothing.
     *
     * @throws IllegalStateException if called from inside {@link Mode#isCompatible(Holds)} of the
     *         same lock while it is evaluated under the lock's internal lock (the guard stays open)
     */
    @Override
    public void close() {
        if (closed != 0 || !CLOSED.compareAndSet(this, 0, 1)) {
            return;
        }
        try {
            engine.release(mode);
        } catch (IllegalStateException refused) {
            closed = 0;
            throw refused;
        }
    }

    // ------------------------------------------------------------------ Holds (as a snapshot)

    @Override
    public int count(Mode other) {
        Objects.requireNonNull(other, "mode");
        return countOf(other);
    }

    @Override
    public int total() {
        return count;
    }

    int countOf(Mode other) {
        return count != 0 && (other == mode || other.equals(mode)) ? count : 0;
    }

    String describe() {
        return count == 0 ? "none" : mode + "=" + count;
    }

    @Override
    public String toString() {
        return "FifoLock hold[" + mode + (closed != 0 ? ", closed]" : ", held]");
    }
}
