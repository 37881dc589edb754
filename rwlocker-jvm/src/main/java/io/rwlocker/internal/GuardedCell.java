package io.rwlocker.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.function.Function;

/*
 * Implementation notes
 *
 * The storage of one guarded value, shared by its blocking face (io.rwlocker.Guarded) and its
 * suspending face (io.rwlocker.coroutines.GuardedMutex made by asGuardedMutex()): both faces read
 * and replace the same `value`, under the same lock, so threads and coroutines see one value.
 *
 * State: `value`, a plain field. It is not an atomic and needs none: every access happens while
 * the face holds the lock that guards the cell (a read of the reference under a read hold, a
 * store under the write hold), and the lock's acquire and release give the happens-before edges
 * (the engine's CAS on its state word, or the hand-off to a waiter). The lock, not this class,
 * is the synchronizer; a cell has no state machine and no waiting of its own.
 * `twin`: the suspending face created on first use (volatile, set once by CAS), so every
 * asGuardedMutex() call returns the same object.
 *
 * Invariants: `value` is read only under a read or write hold of the guarding lock and written
 * only under its write hold; `twin` goes from null to one object and never changes again.
 *
 * Linearization points: those of the lock. A read of the value takes effect at any point of the
 * read hold (no writer can overlap it), a replacement at its store under the write hold.
 */

/**
 * The mutable slot behind a guarded value, shared by its blocking and suspending faces.
 * Internal API: access it only while holding the lock that guards it.
 *
 * @param <T> the type of the value
 */
public final class GuardedCell<T> {
    private static final VarHandle TWIN;

    static {
        try {
            TWIN = MethodHandles.lookup().findVarHandle(GuardedCell.class, "twin", Object.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The guarded value; read under the guarding lock's read or write hold, written under its write hold. */
    public T value;

    private volatile Object twin;

    /** A cell holding {@code value} (which may be {@code null}). */
    public GuardedCell(T value) {
        this.value = value;
    }

    /**
     * The one face attached to this cell (the suspending twin), created by {@code create} on
     * first use; later calls return the same object, even when two threads race to create it.
     */
    public Object twin(Function<GuardedCell<T>, Object> create) {
        Object current = twin;
        if (current != null) {
            return current;
        }
        Object created = create.apply(this);
        Object witness = TWIN.compareAndExchange(this, (Object) null, created);
        return witness == null ? created : witness;
    }
}
