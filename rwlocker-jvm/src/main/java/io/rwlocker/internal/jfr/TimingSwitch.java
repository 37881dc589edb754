package io.rwlocker.internal.jfr;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MutableCallSite;
import java.util.concurrent.locks.ReentrantLock;

/*
 * Implementation notes
 *
 * Whether lock holds are being timed for the LongHold event. The uncontended lock and unlock
 * paths ask on every call, so the answer must cost nothing while it is "no": it is the target of
 * a MutableCallSite, a constant method handle that the JIT folds into the compiled caller (with a
 * dependency on the call site). `if (TimingSwitch.on())` therefore compiles to nothing at all while
 * timing is off: no field read, no branch, no allocation. Flipping the switch (setTarget) makes
 * the JVM deoptimize the code that folded the old value; this happens only when a recording that
 * enables LongHold starts or stops, never on a lock path. (Interpreted and C1 code performs the
 * handle call; that is warm-up only.)
 *
 * State: `current` mirrors the call site's target (volatile, for the cheap "did it change?"
 * check of JfrEvents.refresh); `epoch` counts the off -> on flips, so a hold that began before a
 * flip is never reported with a start from an earlier timing period (see LongHoldEvent). Flips
 * are serialized by a ReentrantLock (no monitor: this may run on a virtual thread).
 */

/** The on/off switch of hold timing, free while off. Internal API. */
public final class TimingSwitch {
    private static final MutableCallSite SITE =
            new MutableCallSite(MethodHandles.constant(boolean.class, false));
    private static final MethodHandle ON = SITE.dynamicInvoker();
    private static final ReentrantLock FLIP = new ReentrantLock();
    private static volatile boolean current;
    private static volatile int epoch;

    private TimingSwitch() {
    }

    /** Whether holds are timed now; folded to a constant by the JIT. */
    public static boolean on() {
        try {
            return (boolean) ON.invokeExact();
        } catch (Throwable impossible) {
            throw new AssertionError(impossible);
        }
    }

    /** The switch's state as last set (a volatile read, for the slow paths). */
    static boolean current() {
        return current;
    }

    /** The number of off -> on flips so far. */
    static int epoch() {
        return epoch;
    }

    /** Sets the switch to {@code wanted()} if it differs; the supplier is asked under the flip lock. */
    static void set(java.util.function.BooleanSupplier wanted) {
        FLIP.lock();
        try {
            boolean on = wanted.getAsBoolean();
            if (on == current) {
                return;
            }
            if (on) {
                epoch++; // under FLIP: the only writer
            }
            current = on;
            SITE.setTarget(MethodHandles.constant(boolean.class, on));
            MutableCallSite.syncAll(new MutableCallSite[] {SITE});
        } finally {
            FLIP.unlock();
        }
    }
}
