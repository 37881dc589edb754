package io.rwlocker.internal;

import java.util.concurrent.locks.LockSupport;

/*
 * Implementation notes
 *
 * The park loop of a queued thread, for every queue that implements Grantor (the read-write
 * LockEngine, the FIFO-with-modes FifoEngine). The node was linked by the grantor's
 * acquireOrEnqueue; the releaser grants it (status GRANTED, holds already counted) and unparks
 * the thread. Before parking it polls the grant Spin.GRANT times. Spurious wake-ups just loop.
 * Giving up goes through Grantor.cancel, which decides under the queue lock: still WAITING ->
 * unlinked (timeout returns false, interrupt throws), already GRANTED -> the thread keeps the
 * lock (interrupt status restored). A FIFO request answered with a failure is GRANTED too (the
 * request is over); the caller checks Waiter.failure.
 */

/** Blocking wait of a queued {@link ThreadWaiter}. Internal API. */
public final class Parking {
    private Parking() {
    }

    /**
     * Waits until {@code node} is granted.
     *
     * @param blocker       the object shown in thread dumps
     * @param interruptible whether an interrupt aborts the wait
     * @param timed         whether {@code nanos} bounds the wait
     * @return true if granted; false if the time ran out first (node withdrawn)
     * @throws InterruptedException if interruptible and interrupted before the grant (node withdrawn)
     */
    public static boolean awaitGrant(Grantor grantor, Waiter node, Object blocker,
                                     boolean interruptible, boolean timed, long nanos)
            throws InterruptedException {
        long deadline = timed ? System.nanoTime() + nanos : 0L;
        boolean interrupted = false;
        // A hand-off after a short critical section comes within microseconds: poll the grant
        // briefly before paying for a park/unpark pair (bounded; see Spin).
        for (int spins = Spin.GRANT; spins > 0 && !node.isGranted(); spins--) {
            Spin.pause(spins); // Thread.onSpinWait(), and a Thread.yield() every 64 steps
        }
        while (!node.isGranted()) {
            if (timed) {
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0L) {
                    if (grantor.cancel(node)) {
                        if (interrupted) {
                            Thread.currentThread().interrupt();
                        }
                        return false;
                    }
                    continue;
                }
                LockSupport.parkNanos(blocker, remaining);
            } else {
                LockSupport.park(blocker);
            }
            if (Thread.interrupted()) {
                if (interruptible && grantor.cancel(node)) {
                    throw new InterruptedException();
                }
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return true;
    }
}
