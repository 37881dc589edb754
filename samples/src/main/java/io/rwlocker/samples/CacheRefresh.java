package io.rwlocker.samples;

import io.rwlocker.Guard;
import io.rwlocker.RWCondition;
import io.rwlocker.RWLock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Readers that need a fresh cache wait for it <em>as readers</em>:
 * {@link RWCondition#waitFor(java.util.function.BooleanSupplier, Duration) waitFor} under the read
 * lock. The refresher takes the write lock, reloads and {@code signalAll()}s; the woken readers
 * re-enter together. No JDK lock can do this: {@code ReentrantReadWriteLock.readLock().newCondition()}
 * throws {@code UnsupportedOperationException}.
 */
public final class CacheRefresh {
    /** A cache whose contents change only by a reload, which raises its version. */
    static final class VersionedCache {
        private long version;
        private final Map<String, String> entries = new HashMap<>();

        long version() {
            return version;
        }

        String get(String key) {
            return entries.get(key);
        }

        void reload() {
            version++;
            entries.put("greeting", "hello v" + version);
        }
    }

    private final RWLock lock = RWLock.fair();
    private final RWCondition refreshed = lock.newCondition();
    private final VersionedCache cache = new VersionedCache();
    private final AtomicInteger together = new AtomicInteger();

    private CacheRefresh() {
    }

    /** Waits, as a reader, until the cache has reached version {@code wanted}; then reads. */
    String get(String key, long wanted) throws InterruptedException, TimeoutException {
        try (Guard g = lock.read().acquire()) {
            if (!refreshed.waitFor(() -> cache.version() >= wanted, Duration.ofSeconds(2))) {
                throw new TimeoutException("cache not refreshed");
            }
            together.accumulateAndGet(lock.getReadLockCount(), Math::max);
            return cache.get(key);
        }
    }

    /** Reloads the cache and wakes every waiting reader. */
    void refresh() {
        try (Guard g = lock.write().acquire()) {
            cache.reload();
            refreshed.signalAll();                // the readers re-enter together
        }
    }

    public static void main(String[] args) throws InterruptedException {
        run();
    }

    /** Ten readers wait for version 1; one refresher publishes it. */
    public static void run() throws InterruptedException {
        CacheRefresh refresh = new CacheRefresh();
        int readers = 10;
        CountDownLatch done = new CountDownLatch(readers);
        ConcurrentLinkedQueue<String> seen = new ConcurrentLinkedQueue<>();
        for (int i = 0; i < readers; i++) {
            new Thread(() -> {
                try {
                    seen.add(refresh.get("greeting", 1));
                } catch (InterruptedException | TimeoutException e) {
                    seen.add(e.toString());
                } finally {
                    done.countDown();
                }
            }).start();
        }
        while (refresh.refreshed.getWaitQueueLength() < readers) {
            Thread.onSpinWait();
        }
        refresh.refresh();
        boolean finished = done.await(5, TimeUnit.SECONDS);
        System.out.println("  " + seen.size() + " readers waited under the read lock and saw " + seen.peek()
                + "; up to " + refresh.together.get() + " of them held the read lock at once");
        RWLock lock = refresh.lock;
        if (!finished || seen.size() != readers || seen.stream().anyMatch(s -> !s.equals("hello v1"))
                || lock.getReadLockCount() != 0 || refresh.refreshed.getWaitQueueLength() != 0) {
            throw new IllegalStateException("the readers did not all see the refresh: " + seen + " " + lock);
        }
    }
}
