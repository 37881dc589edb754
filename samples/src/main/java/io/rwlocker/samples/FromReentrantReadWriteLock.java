package io.rwlocker.samples;

import io.rwlocker.Guard;
import io.rwlocker.RWCondition;
import io.rwlocker.RWLock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Migration from {@link ReentrantReadWriteLock}: the same cache before and after. What changes:
 * an upgrade (write inside read) fails fast instead of deadlocking, a condition can be awaited
 * under the read lock, and there is no 65,535 read-hold limit. The README's migration notes show
 * these two classes.
 */
public final class FromReentrantReadWriteLock {
    private FromReentrantReadWriteLock() {
    }

    /** Before: a cache on the JDK's lock. */
    static final class CacheBefore {
        private final ReentrantReadWriteLock rwl = new ReentrantReadWriteLock();
        private final Map<String, String> map = new HashMap<>();

        String get(String key) {
            rwl.readLock().lock();
            try {
                return map.get(key);
            } finally {
                rwl.readLock().unlock();
            }
        }

        void put(String key, String value) {
            rwl.writeLock().lock();
            try {
                map.put(key, value);
            } finally {
                rwl.writeLock().unlock();
            }
        }
    }

    /** After: the same cache on an RWLock, plus a wait for a key under the read lock. */
    static final class CacheAfter {
        private final RWLock lock = RWLock.writerPreferring();   // a drop-in ReadWriteLock
        private final RWCondition changed = lock.newCondition();
        private final Map<String, String> map = new HashMap<>();

        String get(String key) {
            try (Guard g = lock.read().acquire()) {
                return map.get(key);
            }
        }

        void put(String key, String value) {
            try (Guard g = lock.write().acquire()) {
                map.put(key, value);
                changed.signalAll();
            }
        }

        /** Waits as a reader until the key is there (ReentrantReadWriteLock cannot: readLock().newCondition() throws). */
        String await(String key, Duration timeout) throws InterruptedException {
            try (Guard g = lock.read().acquire()) {
                return changed.waitFor(() -> map.containsKey(key), timeout) ? map.get(key) : null;
            }
        }

        /** An upgrade throws IllegalStateException at once (ReentrantReadWriteLock would hang forever). */
        boolean upgradeFailsFast() {
            try (Guard g = lock.read().acquire()) {
                lock.write().lock();                  // write inside read
                lock.write().unlock();
                return false;
            } catch (IllegalStateException expected) {
                return true;
            }
        }
    }

    public static void main(String[] args) throws Exception {
        run();
    }

    /** Both caches give the same answers; then what only the RWLock can do. */
    public static void run() throws Exception {
        CacheBefore before = new CacheBefore();
        CacheAfter after = new CacheAfter();
        before.put("k", "v");
        after.put("k", "v");
        if (!"v".equals(before.get("k")) || !"v".equals(after.get("k"))) {
            throw new AssertionError("before and after must agree");
        }
        CompletableFuture<String> waiter = CompletableFuture.supplyAsync(() -> {
            try {
                return after.await("late", Duration.ofSeconds(10));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        while (after.changed.getWaitQueueLength() == 0 && !waiter.isDone()) {
            Thread.onSpinWait();                      // until the reader waits on the condition
        }
        after.put("late", "arrived");
        String late = waiter.get(10, TimeUnit.SECONDS);
        boolean failedFast = after.upgradeFailsFast();

        RWLock lock = RWLock.readerPreferring();
        int holds = 70_000;                           // ReentrantReadWriteLock stops at 65,535 (before JDK 25)
        for (int i = 0; i < holds; i++) {
            lock.read().lock();
        }
        int counted = lock.getReadLockCount();
        for (int i = 0; i < holds; i++) {
            lock.read().unlock();
        }
        System.out.println("  same answers; waited under the read lock for '" + late + "'; upgrade failed fast: "
                + failedFast + "; " + counted + " read holds by one thread");
        if (!"arrived".equals(late) || !failedFast || counted != holds || after.lock.isWriteLocked()) {
            throw new AssertionError("migration sample went wrong");
        }
    }
}
