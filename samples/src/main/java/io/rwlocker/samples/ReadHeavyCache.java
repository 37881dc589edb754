package io.rwlocker.samples;

import io.rwlocker.Guard;
import io.rwlocker.Policy;
import io.rwlocker.RWLock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A read-heavy cache in front of a slow store (1 ms per access, like a network call): 40 reader
 * threads and 2 writer threads, 5 rounds each. With an exclusive lock every access waits for every
 * other; with an {@link RWLock} the readers overlap their waits. Prints the time per lock.
 */
public final class ReadHeavyCache {
    private static final int READERS = 40;
    private static final int WRITERS = 2;
    private static final int ROUNDS = 5;

    private ReadHeavyCache() {
    }

    public static void main(String[] args) throws InterruptedException {
        run();
    }

    /** Runs the comparison and prints one line per lock. */
    public static void run() throws InterruptedException {
        System.out.printf("  %d readers + %d writers, %d rounds, 1 ms of I/O inside the lock%n",
                READERS, WRITERS, ROUNDS);
        ReentrantLock exclusive = new ReentrantLock();
        long baseline = time(exclusive, exclusive);
        System.out.printf("  %-28s %5d ms%n", "ReentrantLock (exclusive)", baseline);
        for (Policy policy : Policy.values()) {
            RWLock lock = RWLock.builder().policy(policy).build();
            long ms = time(lock.read(), lock.write());
            double speedup = (double) baseline / Math.max(ms, 1);
            System.out.printf("  %-28s %5d ms  (%.1fx faster)%n", "RWLock " + policy, ms, speedup);
            // Loose on purpose (the ideal is 14x): a busy machine slows both, never reverses them.
            if (policy != Policy.EXCLUSIVE && speedup < 1.5) {
                throw new IllegalStateException(policy + " should let the readers overlap: only " + speedup + "x");
            }
        }
    }

    private static long time(Lock readSide, Lock writeSide) throws InterruptedException {
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        for (int i = 0; i < READERS + WRITERS; i++) {
            Lock side = i < WRITERS ? writeSide : readSide;
            workers.add(new Thread(() -> {
                awaitQuietly(start);
                for (int round = 0; round < ROUNDS; round++) {
                    side.lock();
                    try {
                        slowStoreAccess();
                    } finally {
                        side.unlock();
                    }
                }
            }));
        }
        workers.forEach(Thread::start);
        long began = System.nanoTime();
        start.countDown();
        for (Thread t : workers) {
            t.join();
        }
        return (System.nanoTime() - began) / 1_000_000;
    }

    static void slowStoreAccess() {
        try {
            Thread.sleep(1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The same cache access with try-with-resources guards, as application code writes it. */
    static String lookup(RWLock lock, java.util.Map<String, String> cache, String key) {
        try (Guard g = lock.read().acquire()) {
            return cache.get(key);
        }
    }
}
