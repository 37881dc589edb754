package io.rwlocker.samples;

import io.rwlocker.RWLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;

/**
 * Seeing inside a named lock under contention: who waits (and on which lock, as thread dumps see
 * it), who reads, and what JDK Flight Recorder recorded: an {@code io.rwlocker.ContendedAcquire}
 * event for every request that had to queue, with its outcome, and an {@code io.rwlocker.LongHold}
 * event for the write hold that lasted too long. The recording goes to a file and is read back
 * with {@link RecordingFile}, as {@code jfr print} or JDK Mission Control would read it.
 */
public final class ContentionRecording {
    private ContentionRecording() {
    }

    public static void main(String[] args) throws Exception {
        run();
    }

    /** Makes the contention, records it, prints and checks what was recorded. */
    public static void run() throws Exception {
        Path file = Files.createTempFile("rwlocker-contention", ".jfr");
        try {
            try (Recording recording = new Recording()) {
                recording.enable("io.rwlocker.ContendedAcquire");                              // on by default, 1 ms threshold
                recording.enable("io.rwlocker.LongHold").withThreshold(Duration.ofMillis(20)); // off by default
                recording.start();
                RWLock lock = RWLock.builder().name("user-cache").build();
                contend(lock);
                recording.stop();
                recording.dump(file);
            }
            report(RecordingFile.readAllEvents(file));
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /**
     * The writer reloads the cache for a while; two readers wait for it, one impatient writer gives
     * up after 10 ms and one waiting reader is interrupted.
     */
    private static void contend(RWLock lock) throws Exception {
        CyclicBarrier bothInside = new CyclicBarrier(3);
        CountDownLatch reloading = new CountDownLatch(1);
        CountDownLatch reloaded = new CountDownLatch(1);
        Thread writer = start("writer", () -> {
            lock.write().lock();                              // the reload begins
            try {
                reloading.countDown();
                reloaded.await(10, TimeUnit.SECONDS);
            } finally {
                lock.write().unlock();
            }
        });
        reloading.await(10, TimeUnit.SECONDS);
        List<Thread> readers = new ArrayList<>();
        for (String name : List.of("reader-1", "reader-2")) {
            readers.add(start(name, () -> {
                lock.read().lock();
                try {
                    bothInside.await(10, TimeUnit.SECONDS);    // both read at once
                    bothInside.await(10, TimeUnit.SECONDS);    // until main has looked
                } finally {
                    lock.read().unlock();
                }
            }));
        }
        awaitQueued(lock, readers.get(0), readers.get(1));

        Thread impatient = start("impatient", () -> {
            if (lock.write().tryLock(10, TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("the write lock should be busy");
            }
        });
        impatient.join();
        Thread cancelled = start("cancelled", () -> {
            try {
                lock.read().lockInterruptibly();
                throw new IllegalStateException("should have been interrupted");
            } catch (InterruptedException expected) {
                // gave up, nothing held, nothing queued
            }
        });
        awaitQueued(lock, cancelled);
        Thread.sleep(5);                                      // it waits a little, then is interrupted
        cancelled.interrupt();
        cancelled.join();

        Object blocker = LockSupport.getBlocker(readers.get(0));
        System.out.println("  waiting: " + names(lock.getQueuedThreads()) + ", parked on "
                + ((RWLock) blocker).name() + ", owner " + lock.getOwner().getName());
        Thread.sleep(30);                                     // the reload takes its time
        reloaded.countDown();
        writer.join();

        bothInside.await(10, TimeUnit.SECONDS);
        Map<Thread, Integer> holders = lock.getReadHolders();
        System.out.println("  reading: " + names(holders.keySet()) + ", " + lock.getReadLockCount() + " holds");
        check(holders.size() == 2, "two read holders, got " + holders);
        bothInside.await(10, TimeUnit.SECONDS);
        for (Thread reader : readers) {
            reader.join();
        }
        check(lock.getReadLockCount() == 0 && !lock.isWriteLocked() && !lock.hasQueuedThreads(), "lock left free");
    }

    private static void report(List<RecordedEvent> all) {
        List<RecordedEvent> events = new ArrayList<>();
        for (RecordedEvent e : all) {
            if (e.getEventType().getName().startsWith("io.rwlocker.")) {
                events.add(e);
            }
        }
        events.sort((a, b) -> a.getStartTime().compareTo(b.getStartTime()));
        RecordedEvent first = events.stream()
                .filter(e -> e.getEventType().getName().equals("io.rwlocker.ContendedAcquire"))
                .findFirst().orElseThrow(() -> new IllegalStateException("no ContendedAcquire recorded"));
        System.out.println("  " + events.size() + " events; the first as `jfr print --events io.rwlocker.ContendedAcquire` shows it:");
        for (String line : first.toString().strip().split("\n")) {
            System.out.println("    " + line);
        }
        List<String> summary = new ArrayList<>();
        for (RecordedEvent e : events) {
            boolean acquire = e.hasField("outcome");
            String line = String.format("%-16s %-10s %-5s %-11s %6.1f ms  %s",
                    e.getEventType().getName().substring("io.rwlocker.".length()), e.getString("lock"),
                    e.getString("mode"), acquire ? e.getString("outcome") : "",
                    e.getDuration().toNanos() / 1e6, e.getThread().getJavaName());
            summary.add(line.strip());
            System.out.println("  " + line);
        }
        expect(summary, "ContendedAcquire user-cache read  acquired", 2);
        expect(summary, "ContendedAcquire user-cache write timed out", 1);
        expect(summary, "ContendedAcquire user-cache read  interrupted", 1);
        expect(summary, "LongHold         user-cache write", 1);
    }

    private static void expect(List<String> lines, String prefix, int count) {
        long found = lines.stream().filter(l -> l.startsWith(prefix)).count();
        check(found == count, "expected " + count + " event(s) '" + prefix + "', found " + found + " in " + lines);
    }

    private interface Body {
        void run() throws Exception;
    }

    private static Thread start(String name, Body body) {
        Thread t = new Thread(() -> {
            try {
                body.run();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, name);
        t.start();
        return t;
    }

    private static void awaitQueued(RWLock lock, Thread... threads) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (Thread t : threads) {
            while (!lock.hasQueuedThread(t)) {
                check(System.nanoTime() < deadline, t.getName() + " did not queue");
                Thread.sleep(1);
            }
        }
    }

    private static List<String> names(Iterable<Thread> threads) {
        List<String> names = new ArrayList<>();
        threads.forEach(t -> names.add(t.getName()));
        names.sort(null);
        return names;
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException(what);
        }
    }
}
