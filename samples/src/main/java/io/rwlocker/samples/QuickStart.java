package io.rwlocker.samples;

import io.rwlocker.Guard;
import io.rwlocker.Policy;
import io.rwlocker.RWLock;
import io.rwlocker.WriteLock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The README's Java quick start: a map behind an {@link RWLock}, read by many threads at once,
 * written by one at a time; a timed read; and an atomic downgrade that publishes exactly what was
 * written. The README's "Policies" and "Blocking locks" code is this file too.
 */
public final class QuickStart {
    private final RWLock lock = RWLock.writerPreferring();
    private final Map<String, String> table = new HashMap<>();

    public String get(String key) {
        try (Guard g = lock.read().acquire()) {          // shared: many readers at once
            return table.get(key);
        }
    }

    public void put(String key, String value) {
        try (Guard g = lock.write().acquire()) {         // exclusive: one writer, no reader
            table.put(key, value);
        }
    }

    /** The value, or null if the lock was not free for reading within {@code millis}. */
    public String getWithin(String key, long millis) throws InterruptedException {
        if (!lock.read().tryLock(millis, TimeUnit.MILLISECONDS)) {   // timed; 0 or negative = one attempt
            return null;
        }
        try {
            return table.get(key);
        } finally {
            lock.read().unlock();
        }
    }

    private String config = "v1";
    private final List<String> published = new ArrayList<>();

    /** Reloads under the write lock, then publishes what it loaded as a reader: no writer in between. */
    void reloadAndPublish() {
        WriteLock w = lock.write();
        w.lock();
        try {
            config = reload();
            w.downgrade();                 // write -> read, atomically; waiting readers join
        } catch (RuntimeException e) { w.unlock(); throw e; }
        try { publish(config); } finally { lock.read().unlock(); }
    }

    private String reload() {
        return "v" + (Integer.parseInt(config.substring(1)) + 1);
    }

    private void publish(String what) {
        published.add(what + " (readers " + lock.getReadLockCount() + ", write locked " + lock.isWriteLocked() + ")");
    }

    /** The lock of each policy, with and without a reentrant writer. */
    static List<RWLock> policies() {
        RWLock a = RWLock.writerPreferring();
        RWLock b = RWLock.builder().policy(Policy.FAIR).reentrantWriter(true).build();
        return List.of(a, b);
    }

    public static void main(String[] args) throws InterruptedException {
        run();
    }

    /** Four threads read while the main thread writes; a timed read; a downgrade; checks all. */
    public static void run() throws InterruptedException {
        QuickStart store = new QuickStart();
        store.put("status", "ONLINE");
        CountDownLatch done = new CountDownLatch(4);
        List<String> seen = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < 4; i++) {
            new Thread(() -> {
                seen.add(store.get("status"));
                done.countDown();
            }).start();
        }
        boolean all = done.await(10, TimeUnit.SECONDS);
        String timed = store.getWithin("status", 50);
        store.reloadAndPublish();
        List<RWLock> locks = policies();
        System.out.println("  4 readers saw " + seen + "; a timed read saw " + timed + "; published " + store.published
                + "; built " + locks.get(0).policy() + " and " + locks.get(1).policy() + " (reentrant writer "
                + locks.get(1).isReentrantWriter() + ")");
        if (!all || !seen.equals(List.of("ONLINE", "ONLINE", "ONLINE", "ONLINE")) || !"ONLINE".equals(timed)
                || !store.published.equals(List.of("v2 (readers 1, write locked false)"))
                || store.lock.getReadLockCount() != 0 || store.lock.isWriteLocked()) {
            throw new IllegalStateException("quick start went wrong: " + seen + " " + timed + " " + store.published);
        }
    }
}
