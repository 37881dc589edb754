package io.rwlocker.samples;

import io.rwlocker.Guard;
import io.rwlocker.RWLock;
import io.rwlocker.WriteLock;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Reload a configuration under the write lock, then {@linkplain WriteLock#downgrade() downgrade}
 * atomically to publish it as a reader: a writer that is already waiting cannot slip in between,
 * so what we publish is exactly what we loaded.
 */
public final class ConfigDowngrade {
    private static volatile String config = "v1";

    private ConfigDowngrade() {
    }

    public static void main(String[] args) throws InterruptedException {
        run();
    }

    /** Reloads and publishes while a competing writer waits. */
    public static void run() throws InterruptedException {
        RWLock lock = RWLock.writerPreferring();
        WriteLock write = lock.write();
        write.lock();
        CountDownLatch competitorDone = new CountDownLatch(1);
        Thread competitor = new Thread(() -> {
            try (Guard g = lock.write().acquire()) {
                config = "v3 (competitor)";
            }
            competitorDone.countDown();
        });
        competitor.start();
        while (!lock.hasQueuedThreads()) {
            Thread.onSpinWait();
        }
        config = "v2 (reloaded)";
        write.downgrade();                       // atomically: write -> read
        String published;
        try {
            published = config;
            System.out.println("  published " + published + " while a writer waits: " + lock);
        } finally {
            lock.read().unlock();
        }
        boolean ran = competitorDone.await(5, TimeUnit.SECONDS);
        System.out.println("  then the waiting writer ran: " + config);
        if (!published.equals("v2 (reloaded)") || !ran || !config.equals("v3 (competitor)")) {
            throw new IllegalStateException("a writer slipped in between the write and the read: " + published);
        }
    }
}
