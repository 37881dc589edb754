package io.rwlocker.internal.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Threshold;

/*
 * Implementation notes
 *
 * The JFR event of one hold that lasted at least the recording's threshold for it (10 ms unless
 * the recording says otherwise). Begun when the hold starts (a thread's outermost read hold, or
 * the write lock by any owner), ended and committed when it ends, so its duration is the hold.
 * Timing a hold costs this object and two clock reads per hold, so holds are timed only while a
 * recording enables this event (TimingSwitch), and the event is disabled by default: a recording
 * with the JDK's default settings does not change what an uncontended lock costs.
 *
 * `epoch` (transient: not recorded) is TimingSwitch's epoch when the hold began; an end that sees
 * another epoch drops the event, because timing was switched off and on in between and the
 * object may be left over from an earlier hold.
 */

/** JFR event {@code io.rwlocker.LongHold}: a lock held longer than the threshold. Internal API. */
@Name(LongHoldEvent.NAME)
@Label("Long Lock Hold")
@Category({"rwlocker"})
@Description("A read or write hold of an rwlocker lock that lasted at least the threshold; "
        + "the duration is the hold")
@Enabled(false)
@Threshold("10 ms")
@StackTrace(true)
public final class LongHoldEvent extends jdk.jfr.Event {
    /** The event's name in recordings. */
    public static final String NAME = "io.rwlocker.LongHold";

    @Label("Lock")
    @Description("The lock's name (RWLock.name())")
    String lock;

    @Label("Policy")
    String policy;

    @Label("Mode")
    @Description("read or write")
    String mode;

    @Label("Holder")
    @Description("thread or coroutine")
    String holder;

    transient int epoch;
}
