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
 * The budget is read once from the system property `io.rwlocker.spins` (default 128, clamped to
 * 0..65536). Model checkers want 0: Lincheck explores every interleaving of every iteration of
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
        int spins = 128;
        try {
            spins = Integer.getInteger("io.rwlocker.spins", spins);
        } catch (SecurityException ignored) {
            // keep the default
        }
        return Math.max(0, Math.min(spins, 1 << 16));
    }
}
