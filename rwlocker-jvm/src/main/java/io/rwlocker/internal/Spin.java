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
 * The budget is read once from the system property `io.rwlocker.spins` (default 512, clamped to
 * 0..65536). The default was chosen by measurement (benchmarks/RESULTS.md, "Session 6"): on the
 * reference machine one Thread.onSpinWait() takes about 60 ns, so 512 retries wait about 30 us,
 * which covers a park/unpark hand-off; with 128 (the earlier default) two threads in a 90:10
 * read/write mix took 1.3x-1.5x longer per operation and four threads on two cores 7x-33x longer
 * (a hand-off convoy: each grant went to a parked thread), while the seed scenarios (100 readers
 * holding for 1 ms) stayed inside their error bars (all three policies about 10% slower on
 * average). Model checkers want 0: Lincheck explores every interleaving of every iteration of
 * a spin loop, so spins spend its budget on schedules that differ only in how long a thread
 * waited. This project's own Lincheck suites run with 0, and so should a downstream user's.
 */

/** Spin budgets of the blocking face. Internal API. */
public final class Spin {
    /** Fast-path retries of a contended acquire before it queues. */
    public static final int ACQUIRE = budget();
    /** Polls of a queued node's grant before its thread parks. */
    public static final int GRANT = ACQUIRE / 2;

    private Spin() {
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
