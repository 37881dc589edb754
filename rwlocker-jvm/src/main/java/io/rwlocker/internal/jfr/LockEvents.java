package io.rwlocker.internal.jfr;

import io.rwlocker.Policy;
import java.util.concurrent.locks.ReentrantLock;

/*
 * Implementation notes
 *
 * The library's JDK Flight Recorder events, as seen by the lock code: no jdk.jfr type appears in
 * this class's signatures or bodies, so a runtime without the jdk.jfr module still loads it (then
 * every method is a no-op and hold timing stays off). The events themselves:
 *
 *   io.rwlocker.ContendedAcquire (ContendedAcquireEvent): a request that queued. The lock code
 *     calls beginAcquire() right before it links its waiter node and endAcquire() when the wait
 *     ends, with the outcome. Only the slow path calls these: the fast paths never do.
 *   io.rwlocker.LongHold (LongHoldEvent): a hold that lasted past the threshold. Holds are timed
 *     only while TimingSwitch.on() (a JIT constant, so the uncontended paths are unchanged while
 *     it is off; only an attached LockEvents turns it on): the lock code then calls beginHold()
 *     when a hold starts, keeps the returned object with the hold (a thread's ReaderRecord, or
 *     the engine for the write lock), and calls endHold() when it ends.
 *
 * Cost when nobody records: the library loads no jdk.jfr class but FlightRecorder and its
 * listener interface (to ask whether it is initialized) until JFR is initialized; then, on the first lock creation or
 * contended acquire that sees it so, it attaches: loads the events (JfrEvents), sets the timing
 * switch and installs a recording listener (RecorderHook). Attaching happens once. A recording
 * started after the first lock was created, in a JVM where JFR was not yet initialized, is seen
 * by the next lock creation or contended acquire, so LongHold timing starts from there.
 *
 * A begun event is owned by one waiter or one hold; nothing here is shared but the probes and
 * the switch.
 */

/** Emits the library's JFR events; a no-op until JFR is initialized, and without jdk.jfr. Internal API. */
public final class LockEvents {
    /** Outcome of a contended acquire: the lock was acquired. */
    public static final int ACQUIRED = 0;
    /** Outcome of a contended acquire: the time ran out (tryLock with a timeout). */
    public static final int TIMED_OUT = 1;
    /** Outcome of a contended acquire: the thread was interrupted (lockInterruptibly, tryLock). */
    public static final int INTERRUPTED = 2;
    /** Outcome of a contended acquire: the coroutine was cancelled. */
    public static final int CANCELLED = 3;

    private static final int OFF = 0;
    private static final int DETACHED = 1;
    private static final int ATTACHED = 2;

    /** OFF (no jdk.jfr, or attaching failed), DETACHED (JFR not seen initialized yet), ATTACHED. */
    private static volatile int state = jfrPresent() ? DETACHED : OFF;
    private static final ReentrantLock ATTACH = new ReentrantLock();

    private LockEvents() {
    }

    private static boolean jfrPresent() {
        try {
            Class.forName("jdk.jfr.FlightRecorder", false, LockEvents.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError absent) {
            return false;
        }
    }

    /**
     * Whether the events are live: JFR is initialized in this JVM (attaching on the first call
     * that sees it so). Cheap: one volatile read once attached or when jdk.jfr is absent.
     */
    public static boolean active() {
        int s = state;
        return s == ATTACHED || (s == DETACHED && attachIfInitialized());
    }

    private static boolean attachIfInitialized() {
        try {
            if (!RecorderHook.recorderInitialized()) {
                return false;
            }
            ATTACH.lock();
            try {
                if (state == DETACHED) {
                    JfrEvents.refresh(); // loads the events first: see RecorderHook's notes
                    RecorderHook.install();
                    state = ATTACHED;
                }
            } finally {
                ATTACH.unlock();
            }
            return state == ATTACHED;
        } catch (LinkageError | RuntimeException broken) {
            state = OFF; // never let observability break a lock
            return false;
        }
    }

    /**
     * Starts timing a request that is about to queue; returns the begun event, or null if the
     * event is off (nothing to end then).
     */
    public static Object beginAcquire() {
        return active() ? JfrEvents.beginAcquire() : null;
    }

    /** Ends a request's wait ({@code event} from {@link #beginAcquire()}, may be null). */
    public static void endAcquire(Object event, String lock, Policy policy, boolean write, boolean coroutine,
                                  int outcome) {
        if (event != null) {
            JfrEvents.endAcquire(event, lock, policy, write, coroutine, outcome);
        }
    }

    /**
     * Starts timing a hold; call only while {@link TimingSwitch#on()}. Returns the begun event, or
     * null if LongHold is off after all.
     */
    public static Object beginHold() {
        return state == ATTACHED ? JfrEvents.beginHold() : null;
    }

    /** Ends a hold ({@code event} from {@link #beginHold()}, may be null). */
    public static void endHold(Object event, String lock, Policy policy, boolean write, boolean coroutine) {
        if (event != null) {
            JfrEvents.endHold(event, lock, policy, write, coroutine);
        }
    }
}
