package io.rwlocker.samples;

import io.rwlocker.Guard;
import io.rwlocker.RWCondition;
import io.rwlocker.RWLock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
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
        StringBuilder wokenPerBatch = new StringBuilder();
        for (int size = 1; size <= 3; size++) {
            List<String> batch = new ArrayList<>();
            for (int i = 0; i < size; i++) {
                batch.add("job-" + next++);
            }
            // Wait until every worker is back in the queue, so that signal(n) has 4 to choose from.
            while (jobsAvailable.getWaitQueueLength() < workers) {
                Thread.onSpinWait();
            }
            int woken;
            try (Guard g = lock.write().acquire()) {
                jobs.addAll(batch);
                woken = jobsAvailable.signal(batch.size());   // no thundering herd
            }
            wokenPerBatch.append(wokenPerBatch.length() == 0 ? "" : ", ").append(woken);
            if (woken != size) {
                throw new IllegalStateException("signal(" + size + ") woke " + woken + " of " + workers + " workers");
            }
            awaitCount(done, total - next);
        }
        boolean all = done.await(5, TimeUnit.SECONDS);
        System.out.println("  batches of 1, 2, 3 jobs among " + workers + " idle workers: signal(n) woke "
                + wokenPerBatch + "; all " + total + " jobs ran: " + all);
        if (!all) {
            throw new IllegalStateException("jobs left: " + done.getCount() + ", ran " + log);
        }
    }

    private static void awaitCount(CountDownLatch latch, long count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (latch.getCount() > count) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("jobs not run in time: " + latch.getCount());
            }
            Thread.sleep(1);
        }
    }
}
