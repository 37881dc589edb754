package io.rwlocker.samples;

import io.rwlocker.Guard;
import io.rwlocker.RWCondition;
import io.rwlocker.RWLock;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Readers that need a fresh cache wait for it <em>as readers</em>:
 * {@link RWCondition#waitFor(java.util.function.BooleanSupplier, Duration) waitFor} under the read
 * lock. The refresher takes the write lock, reloads and {@code signalAll()}s; the woken readers
 * re-enter together. No JDK lock can do this: {@code ReentrantReadWriteLock.readLock().newCondition()}
 * throws {@code UnsupportedOperationException}.
 */
public final class CacheRefresh {
    private static long version;

    private CacheRefresh() {
    }

    public static void main(String[] args) throws InterruptedException {
        run();
    }

    /** Ten readers wait for version 1; one refresher publishes it. */
    public static void run() throws InterruptedException {
        RWLock lock = RWLock.fair();
        RWCondition refreshed = lock.newCondition();
        int readers = 10;
        CountDownLatch done = new CountDownLatch(readers);
        AtomicInteger together = new AtomicInteger();
        for (int i = 0; i < readers; i++) {
            new Thread(() -> {
                try (Guard g = lock.read().acquire()) {
                    if (refreshed.waitFor(() -> version >= 1, Duration.ofSeconds(5))) {
                        together.accumulateAndGet(lock.getReadLockCount(), Math::max);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    done.countDown();
                }
            }).start();
        }
        while (refreshed.getWaitQueueLength() < readers) {
            Thread.onSpinWait();
        }
        try (Guard g = lock.write().acquire()) {
            version = 1;
            refreshed.signalAll();
        }
        done.await(5, TimeUnit.SECONDS);
        System.out.println("  " + readers + " readers saw version " + version
                + "; up to " + together.get() + " of them held the read lock at once");
    }
}
