package io.rwlocker.internal;

/*
 * Implementation notes
 *
 * How long a blocking acquirer spins before it pays for a park/unpark pair (several
 * microseconds on each side). Short critical sections are released long before that, so a
 * contended acquire first retries the policy's own fast path (ACQUIRE times; the fast path
 * follows the policy, so a spinning newcomer never overtakes a queued waiter where the policy
 * forbids it), and a queued thread polls its grant (GRANT times) before it parks. Both loops
 * are bounded: a long critical section still ends in a park, and no correctness argument
 * depends on them (a spin that gives up falls through to the queued path, which is exactly
 * what the engine does with zero spins).
 *
 * A spin step is Thread.onSpinWait(), except every YIELD_EVERY-th step (with the default budgets,
 * multiples of it, the first step too), which is Thread.yield(). The yield is what keeps an
 * oversubscribed machine working: the thread a spinner waits for (the holder, or the waiter the
 * lock was just handed to) is often runnable but not running, and a spinner that only pauses keeps
 * it off the CPU until its time slice ends; yielding lets it run. On a virtual thread,
 * Thread.yield() frees the carrier for other virtual threads in the same way.
 *
 * The budget is read once from the system property `io.rwlocker.spins` (default 512, clamped to
 * 0..65536); one Thread.onSpinWait() takes about 60 ns on the reference machine. Both choices were
 * made by measurement (benchmarks/RESULTS.md, "Session 6"; WRITER_PREFERRING, 90:10 reads:writes,
 * 2 CPUs, ns per operation of one thread): with the old default (128, no yields) 2 threads took
 * 218, 4 threads 4,142 and 8 threads 47,759 (a hand-off convoy: nearly every grant went to a thread
 * that was parked or waiting for a CPU); with 512 and no yields 144, 333 and 33,424; with 512 and
 * the yields 59, 98 and 204. The seed scenarios (100 readers, 1 ms holds), where spinning only
 * delays a park, stayed inside their error bars but read up to 10%-20% slower on average.
 *
 * Model checkers want 0: Lincheck explores every interleaving of every iteration of
 * a spin loop, so spins spend its budget on schedules that differ only in how long a thread
 * waited. This project's own Lincheck suites run with 0, and so should a downstream user's.
 */

/** Spin budgets of the blocking face. Internal API. */
public final class Spin {
    /** Fast-path retries of a contended acquire before it queues. */
    public static final int ACQUIRE = budget();
    /** Polls of a queued node's grant before its thread parks. */
    public static final int GRANT = ACQUIRE / 2;

    /** Every this many spin steps (starting with the first) a spinner yields instead of pausing. */
    static final int YIELD_EVERY = 64;

    private Spin() {
    }

    /**
     * One step of a bounded spin, {@code step} counting down: a {@link Thread#onSpinWait()}, or
     * every {@link #YIELD_EVERY}th step (the first one included) a {@link Thread#yield()}.
     */
    public static void pause(int step) {
        if (yieldsAt(step)) {
            Thread.yield();
        } else {
            Thread.onSpinWait();
        }
    }

    /** Whether spin step {@code step} (counting down) is a yield rather than a pause. */
    static boolean yieldsAt(int step) {
        return (step & (YIELD_EVERY - 1)) == 0;
    }

    private static int budget() {
        int spins = 512;
        try {
            spins = Integer.getInteger("io.rwlocker.spins", spins);
        } catch (SecurityException ignored) {
            // keep the default
        }
        return Math.max(0, Math.min(spins, 1 << 16));
    }
}
