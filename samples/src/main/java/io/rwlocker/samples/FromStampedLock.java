package io.rwlocker.samples;

import io.rwlocker.Guard;
import io.rwlocker.RWLock;
import java.util.concurrent.locks.StampedLock;

/**
 * Migration from {@link StampedLock}: the JDK's own point example, before and after. RWLock has
 * no optimistic read (a read that takes no lock and validates afterwards), so the read becomes a
 * real read lock: short and allocation-free on the biased path, but a store to the thread's own
 * reader slot. Keep StampedLock for tiny, very hot read sections on many cores that tolerate
 * retries; take RWLock when you need reentrant reads, conditions, a policy, owner checks or a
 * lock shared with coroutines.
 */
public final class FromStampedLock {
    private FromStampedLock() {
    }

    /** Before: optimistic read, validated, with a fallback to a read lock. */
    static final class PointBefore {
        private final StampedLock sl = new StampedLock();
        private double x;
        private double y;

        void move(double deltaX, double deltaY) {
            long stamp = sl.writeLock();
            try {
                x += deltaX;
                y += deltaY;
            } finally {
                sl.unlockWrite(stamp);
            }
        }

        double distanceFromOrigin() {
            long stamp = sl.tryOptimisticRead();
            double currentX = x;
            double currentY = y;
            if (!sl.validate(stamp)) {
                stamp = sl.readLock();
                try {
                    currentX = x;
                    currentY = y;
                } finally {
                    sl.unlockRead(stamp);
                }
            }
            return Math.hypot(currentX, currentY);
        }
    }

    /** After: a plain read lock; no stamp, no validation, no retry path. */
    static final class PointAfter {
        private final RWLock lock = RWLock.writerPreferring();
        private double x;
        private double y;

        void move(double deltaX, double deltaY) {
            try (Guard g = lock.write().acquire()) {
                x += deltaX;
                y += deltaY;
            }
        }

        double distanceFromOrigin() {
            try (Guard g = lock.read().acquire()) {
                return Math.hypot(x, y);
            }
        }
    }

    public static void main(String[] args) {
        run();
    }

    /** Both points answer the same. */
    public static void run() {
        PointBefore before = new PointBefore();
        PointAfter after = new PointAfter();
        before.move(3, 4);
        after.move(3, 4);
        double a = before.distanceFromOrigin();
        double b = after.distanceFromOrigin();
        System.out.println("  StampedLock point: " + a + ", RWLock point: " + b);
        if (a != 5.0 || b != 5.0) {
            throw new AssertionError("both points must be 5.0 from the origin");
        }
    }
}
