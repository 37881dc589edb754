package io.rwlocker.samples;

import io.rwlocker.Guard;
import io.rwlocker.RWLock;
import io.rwlocker.WriteLock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.function.IntUnaryOperator;

/**
 * A memoizing cache, written the way application code uses an {@link RWLock}: look up under the
 * read lock; on a miss, compute under the write lock (checking again, since another thread may
 * have filled the entry in between), then downgrade to read the entry back.
 *
 * <p>{@link #broken(IntUnaryOperator)} builds the same cache with a planted bug (the classic
 * check-then-act: no second check under the write lock), so that a test can show that a model
 * checker (Lincheck) run by a <em>user</em> over code using our locks catches the bug.
 */
public final class MemoCache {
    private final RWLock lock = RWLock.writerPreferring();
    private final Map<Integer, Integer> values = new HashMap<>();
    private final IntUnaryOperator compute;
    private final boolean recheckUnderWrite;
    private int computations;

    private MemoCache(IntUnaryOperator compute, boolean recheckUnderWrite) {
        this.compute = compute;
        this.recheckUnderWrite = recheckUnderWrite;
    }

    /** A correct cache. */
    public static MemoCache correct(IntUnaryOperator compute) {
        return new MemoCache(compute, true);
    }

    /** A cache with a planted check-then-act bug: a key may be computed twice. */
    public static MemoCache broken(IntUnaryOperator compute) {
        return new MemoCache(compute, false);
    }

    /** The cached value of {@code key}, or null. */
    public Integer get(int key) {
        try (Guard g = lock.read().acquire()) {
            return values.get(key);
        }
    }

    /**
     * The value of {@code key}, computed at most once per key. Returns the value together with the
     * number of computations so far when it was stored, so that a second computation of the same
     * key shows up in the result.
     */
    public String computeIfAbsent(int key) {
        try (Guard g = lock.read().acquire()) {
            Integer cached = values.get(key);
            if (cached != null) {
                return key + "=" + cached;
            }
        }
        WriteLock write = lock.write();
        write.lock();
        try {
            Integer cached = recheckUnderWrite ? values.get(key) : null;
            if (cached == null) {
                computations++;
                values.put(key, compute.applyAsInt(key) * 100 + computations);
            }
            write.downgrade();
        } catch (RuntimeException | Error e) {
            write.unlock();
            throw e;
        }
        try {
            return key + "=" + values.get(key);
        } finally {
            lock.read().unlock();
        }
    }

    /** How many times a value was computed. */
    public int computations() {
        try (Guard g = lock.read().acquire()) {
            return computations;
        }
    }

    public static void main(String[] args) throws InterruptedException {
        run();
    }

    /** Eight threads ask for the same four keys at once: each key is computed exactly once. */
    public static void run() throws InterruptedException {
        MemoCache cache = correct(key -> key * 7);
        Queue<String> answers = new ConcurrentLinkedQueue<>();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            Thread thread = new Thread(() -> {
                ReadHeavyCache.awaitQuietly(start);
                for (int key = 0; key < 4; key++) {
                    answers.add(cache.computeIfAbsent(key));
                }
            });
            thread.start();
            threads.add(thread);
        }
        start.countDown();
        for (Thread thread : threads) {
            thread.join(10_000);
        }
        Set<String> distinct = new TreeSet<>(answers);
        System.out.println("  8 threads x 4 keys: " + answers.size() + " answers, " + distinct.size()
                + " distinct, " + cache.computations() + " computations");
        if (answers.size() != 32 || distinct.size() != 4 || cache.computations() != 4) {
            throw new IllegalStateException("a key was computed twice: " + distinct);
        }
    }
}
