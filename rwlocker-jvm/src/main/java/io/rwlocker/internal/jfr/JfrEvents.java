package io.rwlocker.internal.jfr;

import io.rwlocker.Policy;

/*
 * Implementation notes
 *
 * Everything that touches the event classes. Only LockEvents calls in here, and only once JFR is
 * initialized in this JVM (loading an event class makes JFR instrument it, which costs far too
 * much to pay in a program that never records), so a lock never loads them otherwise.
 *
 * Whether an event is on is asked of a preallocated probe instance (`isEnabled()` of an event is
 * instrumented by JFR to read the event type's current setting; no allocation). Hold timing
 * (TimingSwitch) follows LongHold's setting: refresh() compares and flips it. It runs when a
 * recording starts, stops or closes (RecorderHook); settings changed on a running recording are
 * not announced, so it also runs on every contended acquire (already a slow path), and a timed
 * hold that finds the event off runs it too.
 */

/** The event side of {@link LockEvents}. Internal API. */
final class JfrEvents {
    private static final ContendedAcquireEvent ACQUIRE_PROBE = new ContendedAcquireEvent();
    private static final LongHoldEvent HOLD_PROBE = new LongHoldEvent();
    private static final String[] OUTCOMES = {"acquired", "timed out", "interrupted", "cancelled"};

    private JfrEvents() {
    }

    /** Sets hold timing to whether LongHold is enabled now. */
    static void refresh() {
        if (HOLD_PROBE.isEnabled() != TimingSwitch.current()) {
            TimingSwitch.set(HOLD_PROBE::isEnabled);
        }
    }

    static Object beginAcquire() {
        refresh();
        if (!ACQUIRE_PROBE.isEnabled()) {
            return null;
        }
        ContendedAcquireEvent event = new ContendedAcquireEvent();
        event.begin();
        return event;
    }

    static void endAcquire(Object begun, String lock, Policy policy, boolean write, boolean coroutine, int outcome) {
        ContendedAcquireEvent event = (ContendedAcquireEvent) begun;
        event.end();
        if (event.shouldCommit()) {
            event.lock = lock;
            event.policy = policy.name();
            event.mode = write ? "write" : "read";
            event.waiter = coroutine ? "coroutine" : "thread";
            event.outcome = OUTCOMES[outcome];
            event.commit();
        }
    }

    static Object beginHold() {
        LongHoldEvent event = new LongHoldEvent();
        if (!event.isEnabled()) {
            refresh(); // switched off on a running recording: stop timing
            return null;
        }
        event.epoch = TimingSwitch.epoch();
        event.begin();
        return event;
    }

    static void endHold(Object begun, String lock, Policy policy, boolean write, boolean coroutine) {
        LongHoldEvent event = (LongHoldEvent) begun;
        if (event.epoch != TimingSwitch.epoch()) {
            return; // begun in an earlier timing period: a leftover, not this hold
        }
        event.end();
        if (event.shouldCommit()) {
            event.lock = lock;
            event.policy = policy.name();
            event.mode = write ? "write" : "read";
            event.holder = coroutine ? "coroutine" : "thread";
            event.commit();
        }
    }
}
