package io.rwlocker;

import io.rwlocker.internal.FifoAccess;
import io.rwlocker.internal.FifoEngine;
import io.rwlocker.internal.Parking;
import io.rwlocker.internal.Spin;
import io.rwlocker.internal.ThreadWaiter;
import java.time.Duration;
import java.util.Objects;

/*
 * Implementation notes
 *
 * The blocking face of a FifoEngine (internal/FifoEngine.java has the state, the invariants and
 * the linearization points). This class only validates arguments, tries the engine's one-shot
 * grant first (lock-free when the lock is idle or held in the same mode; no node, no allocation
 * but the guard, a FifoHold), retries its lock-free part a bounded number of times (Spin.ACQUIRE,
 * while nobody waits; it refuses whenever someone waits, so a retry never overtakes), and
 * otherwise queues a ThreadWaiter and parks in the engine's shared park loop
 * (Parking.awaitGrant), whose grant-vs-cancel decision is the engine's cancel(). A request
 * answered with a failure (its mode threw while a releasing thread evaluated it) comes back
 * GRANTED with Waiter.failure set: the failure is rethrown here, in the requesting thread,
 * unchanged.
 */

/**
 * A lock with user-defined modes, granted strictly in arrival order (the Python {@code fifolock}
 * idea). A request names a {@link Mode}; the mode decides with {@link Mode#isCompatible(Holds)}
 * whether it may join the current holders. Only the oldest waiting request is considered, so a
 * request never overtakes an earlier one, even one that cannot enter yet; when it is granted, the
 * next one is considered at once, so several compatible requests enter together.
 *
 * <pre>{@code
 * FifoLock lock = new FifoLock();
 *
 * try (Guard g = lock.acquire(Modes.read())) {       // many readers at once
 *     return table.get(key);
 * }
 *
 * try (Guard g = lock.acquire(Modes.write())) {      // alone; waits for the readers before it,
 *     table.put(key, value);                          // and readers after it wait for it
 * }
 *
 * Mode maintenance = holds -> holds.total() == 0;    // your own mode
 * Guard g = lock.tryAcquire(maintenance, Duration.ofSeconds(1));
 * if (g == null) { ... }                             // timed out, and left the queue
 * }</pre>
 *
 * <p><b>Order.</b> A request that times out, is interrupted or (for a coroutine, through the
 * coroutines module's {@code FifoLock.withMode}) is cancelled while waiting leaves the queue at
 * once, and if it was the oldest, the next request is considered at once. A request granted at
 * the very instant it gave up keeps its hold (interrupt status restored; a cancelled coroutine
 * gives it back). {@link #tryAcquire(Mode)} never overtakes a queued request, even one whose mode
 * would fit. Threads and coroutines share one queue.
 *
 * <p><b>Holds are owner-less</b>, like semaphore permits: any thread may close a guard, and
 * closing a guard again does nothing (each guard releases exactly once). There is no reentrancy:
 * a holder that requests again is a new request and waits in line like anyone else.
 *
 * <p><b>Bad input</b> fails with a clear exception and leaves the lock as it was: a {@code null}
 * mode or timeout is a {@link NullPointerException}; if a mode's {@code isCompatible} throws, the
 * requester gets that exception (never a thread that was releasing at the time), its request
 * leaves the queue, and the next request is considered. A mode must not use the lock it is
 * evaluated for; where that could corrupt the queue (an evaluation under the lock's internal lock)
 * acquiring or releasing throws {@link IllegalStateException}.
 *
 * <p><b>Cost.</b> While nobody waits and all holders share one mode object (or nobody holds), an
 * acquisition and a release are one compare-and-set each, and the acquisition allocates its
 * {@link Guard}, a small object that is also the immutable snapshot its mode was evaluated
 * against. Once a second mode is held or a request must wait, acquisitions and releases take a
 * short internal lock (the mode is user code that must see one consistent set of holds) until the
 * lock is idle again. Waiting threads park with {@link java.util.concurrent.locks.LockSupport} (no
 * {@code synchronized}: virtual threads do not pin).
 */
public final class FifoLock {
    static {
        FifoAccess.install(lock -> lock.engine);
    }

    final FifoEngine engine = new FifoEngine();

    /** A free lock with an empty queue. */
    public FifoLock() {
    }

    /**
     * Waits in line until a hold of {@code mode} is granted, like {@code Lock.lock()}: an
     * interrupt does not stop the wait, and the interrupt status is set again on return.
     *
     * @return a guard whose first {@code close()} releases the hold
     * @throws NullPointerException if {@code mode} is null
     */
    public Guard acquire(Mode mode) {
        Objects.requireNonNull(mode, "mode");
        Guard held = engine.tryAcquire(mode);
        if (held != null) {
            return held;
        }
        try {
            return acquireSlow(mode, false, false, 0L);
        } catch (InterruptedException impossible) {
            throw new AssertionError(impossible);
        }
    }

    /**
     * Waits in line until a hold of {@code mode} is granted, or the thread is interrupted.
     *
     * @return a guard whose first {@code close()} releases the hold
     * @throws InterruptedException if interrupted before the call or while waiting (the request
     *         left the queue)
     * @throws NullPointerException if {@code mode} is null
     */
    public Guard acquireInterruptibly(Mode mode) throws InterruptedException {
        Objects.requireNonNull(mode, "mode");
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        Guard held = engine.tryAcquire(mode);
        if (held != null) {
            return held;
        }
        return acquireSlow(mode, true, false, 0L);
    }

    /**
     * Grants a hold of {@code mode} only if nobody is waiting and the mode fits now; never waits
     * and never overtakes a queued request.
     *
     * @return a guard whose first {@code close()} releases the hold, or {@code null}
     * @throws NullPointerException if {@code mode} is null
     */
    public Guard tryAcquire(Mode mode) {
        Objects.requireNonNull(mode, "mode");
        return engine.tryAcquire(mode);
    }

    /**
     * Waits in line at most {@code timeout} for a hold of {@code mode}. A zero or negative
     * timeout makes one attempt without waiting, as {@link #tryAcquire(Mode)}.
     *
     * @return a guard whose first {@code close()} releases the hold, or {@code null} if the time
     *         ran out first (the request left the queue)
     * @throws InterruptedException if interrupted before the call or while waiting (the request
     *         left the queue)
     * @throws NullPointerException if {@code mode} or {@code timeout} is null
     */
    public Guard tryAcquire(Mode mode, Duration timeout) throws InterruptedException {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(timeout, "timeout");
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        Guard held = engine.tryAcquire(mode);
        if (held != null) {
            return held;
        }
        long nanos = saturatedNanos(timeout);
        if (nanos <= 0L) {
            return null;
        }
        return acquireSlow(mode, true, true, nanos);
    }

    private Guard acquireSlow(Mode mode, boolean interruptible, boolean timed, long nanos)
            throws InterruptedException {
        // Bounded (see Spin), lock-free, and it never overtakes: the fast attempt fails whenever
        // someone waits. Catches the hand-off of a short hold without a park/unpark pair.
        for (int spins = Spin.ACQUIRE; spins > 0 && engine.queueLength() == 0; spins--) {
            Spin.pause(spins);
            Guard held = engine.tryAcquireFast(mode);
            if (held != null) {
                return held;
            }
        }
        ThreadWaiter node = new ThreadWaiter(mode);
        if (!engine.acquireOrEnqueue(node)
                && !Parking.awaitGrant(engine, node, this, interruptible, timed, nanos)) {
            return null;
        }
        Throwable failure = node.failure;
        if (failure != null) {
            throw FifoLock.<RuntimeException>rethrow(failure);
        }
        return engine.holdOf(node);
    }

    /**
     * The holds of {@code mode} (and of every mode equal to it) granted and not yet released. A
     * snapshot.
     *
     * @throws NullPointerException if {@code mode} is null
     */
    public int holds(Mode mode) {
        Objects.requireNonNull(mode, "mode");
        return engine.holds(mode);
    }

    /** The requests (threads and coroutines) waiting in line. A snapshot. */
    public int queueLength() {
        return engine.queueLength();
    }

    /** The holders per mode and the queue length, e.g. {@code FifoLock[holders: read=2; queued = 1]}. */
    @Override
    public String toString() {
        return "FifoLock[" + engine + "]";
    }

    private static long saturatedNanos(Duration timeout) {
        try {
            return timeout.toNanos();
        } catch (ArithmeticException overflow) {
            return timeout.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
    }

    /** Rethrows {@code failure} unchanged, whatever its type (a mode may sneak a checked one). */
    @SuppressWarnings("unchecked")
    private static <T extends Throwable> T rethrow(Throwable failure) throws T {
        throw (T) failure;
    }
}
