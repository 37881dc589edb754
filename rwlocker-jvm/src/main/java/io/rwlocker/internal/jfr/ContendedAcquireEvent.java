package io.rwlocker.internal.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Threshold;

/*
 * Implementation notes
 *
 * The JFR event of one lock request that had to queue (the slow path): begun just before the
 * request is linked into the engine's queue, ended when its wait ends, committed if its duration
 * reaches the recording's threshold for this event (1 ms unless the recording says otherwise).
 * The event's own duration is the wait. Requests that acquire on a fast path, in the bounded spin
 * or at once when they reach the queue lock never create one. Only LockEvents/JfrEvents touch
 * this class, and only after checking that jdk.jfr is present. Fields are set just before the
 * commit, by the thread that ends the wait (the waiting thread, or the thread that runs the
 * coroutine when it resumes); nothing else shares the object.
 */

/** JFR event {@code io.rwlocker.ContendedAcquire}: a lock request that waited in the queue. Internal API. */
@Name(ContendedAcquireEvent.NAME)
@Label("Contended Lock Acquire")
@Category({"rwlocker"})
@Description("A read or write request of an rwlocker lock that waited in the lock's queue; "
        + "the duration is the wait, the outcome says how it ended")
@Threshold("1 ms")
@StackTrace(true)
public final class ContendedAcquireEvent extends jdk.jfr.Event {
    /** The event's name in recordings. */
    public static final String NAME = "io.rwlocker.ContendedAcquire";

    @Label("Lock")
    @Description("The lock's name (RWLock.name())")
    String lock;

    @Label("Policy")
    String policy;

    @Label("Mode")
    @Description("read or write")
    String mode;

    @Label("Waiter")
    @Description("thread or coroutine")
    String waiter;

    @Label("Outcome")
    @Description("acquired, timed out, interrupted or cancelled")
    String outcome;
}
