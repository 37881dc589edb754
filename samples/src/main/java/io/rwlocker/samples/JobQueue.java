package io.rwlocker.samples;

import io.rwlocker.Guard;
import io.rwlocker.RWCondition;
import io.rwlocker.RWLock;
import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A job queue: workers wait on an {@link RWCondition}; the producer adds a batch of k jobs and
 * wakes exactly k workers with {@link RWCondition#signal(int) signal(k)}: no thundering herd of
 * workers that wake up only to find nothing left.
 */
public final class JobQueue {
    private JobQueue() {
    }

    public static void main(String[] args) throws InterruptedException {
        run();
    }

    /** Four workers, batches of 1, 2 and 3 jobs. */
    public static void run() throws InterruptedException {
        RWLock lock = RWLock.writerPreferring();
        RWCondition jobsAvailable = lock.newCondition();
        Queue<String> jobs = new ArrayDeque<>();
        Queue<String> log = new ConcurrentLinkedQueue<>();
        int workers = 4;
        int total = 6;
        CountDownLatch done = new CountDownLatch(total);
        for (int w = 0; w < workers; w++) {
            String name = "worker-" + w;
            Thread t = new Thread(() -> {
                try {
                    while (true) {
                        String job;
                        try (Guard g = lock.write().acquire()) {
                            jobsAvailable.waitFor(() -> !jobs.isEmpty());
                            job = jobs.poll();
                        }
                        log.add(name + " ran " + job);
                        done.countDown();
                    }
                } catch (InterruptedException stop) {
                    // shutting down
                }
            }, name);
            t.setDaemon(true);
            t.start();
        }
        while (jobsAvailable.getWaitQueueLength() < workers) {
            Thread.onSpinWait();
        }
        int next = 0;
        for (int batch = 1; batch <= 3; batch++) {
            try (Guard g = lock.write().acquire()) {
                for (int i = 0; i < batch; i++) {
                    jobs.add("job-" + next++);
                }
                int woken = jobsAvailable.signal(batch);
                System.out.printf("  batch of %d jobs: signal(%d) woke %d workers%n", batch, batch, woken);
            }
        }
        boolean all = done.await(5, TimeUnit.SECONDS);
        System.out.println("  all " + total + " jobs ran: " + all + " " + log);
    }
}
