package io.rwlocker.samples;

import io.rwlocker.FifoLock;
import io.rwlocker.Guard;
import io.rwlocker.Holds;
import io.rwlocker.Mode;
import io.rwlocker.Modes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The fifolock recipes on a {@link FifoLock} from threads: a mutex, a read/write lock, a
 * semaphore of 3, and a mode none of them has: an exclusive maintenance step that waits for every
 * holder and keeps everyone out while it runs. Requests are served strictly in arrival order, so
 * maintenance is never starved by workers that keep arriving.
 */
public final class FifoRecipes {
    private FifoRecipes() {
    }

    // [maintenance-modes]
    /** Waits until nobody holds the lock; while it holds, no worker (below) enters. */
    static final Mode MAINTENANCE = holds -> holds.total() == 0;

    /** Up to 3 workers at once, never during maintenance. */
    static final Mode WORKER = new Mode() {
        @Override
        public boolean isCompatible(Holds holds) {
            return holds.count(this) < 3 && holds.count(MAINTENANCE) == 0;
        }

        @Override
        public String toString() {
            return "worker";
        }
    };
    // [maintenance-modes]

    public static void main(String[] args) throws InterruptedException {
        run();
    }

    /** Runs the four recipes and checks their results. */
    public static void run() throws InterruptedException {
        mutex();
        readWrite();
        semaphore();
        maintenance();
    }

    /** Four threads append to one ArrayList under {@link Modes#mutex()}. */
    static void mutex() throws InterruptedException {
        FifoLock lock = new FifoLock();
        List<Integer> list = new ArrayList<>();
        runThreads(4, t -> {
            for (int i = 0; i < 1_000; i++) {
                try (Guard g = lock.acquire(Modes.mutex())) {
                    list.add(i);
                }
            }
        });
        check(list.size() == 4_000, "mutex: " + list.size() + " appends, expected 4000");
        System.out.println("  mutex: 4 threads x 1,000 appends to an ArrayList = " + list.size());
    }

    /** Readers check that two entries always agree while a writer updates both. */
    static void readWrite() throws InterruptedException {
        FifoLock lock = new FifoLock();
        Map<String, Integer> config = new HashMap<>(Map.of("min", 0, "max", 10));
        AtomicInteger torn = new AtomicInteger();
        runThreads(4, t -> {
            for (int i = 1; i <= 500; i++) {
                if (t == 0) {
                    // [read-write]
                    try (Guard g = lock.acquire(Modes.write())) {   // alone
                        config.put("min", i);
                        config.put("max", i + 10);
                    }
                    // [read-write]
                } else {
                    try (Guard g = lock.acquire(Modes.read())) {    // with the other readers
                        if (config.get("max") - config.get("min") != 10) {
                            torn.incrementAndGet();
                        }
                    }
                }
            }
        });
        check(torn.get() == 0 && config.get("min") == 500, "read/write: torn reads " + torn + ", " + config);
        System.out.println("  read/write: 3 readers x 500 reads, 500 updates, torn reads = " + torn.get());
    }

    /** Ten downloads through a pool of 3. */
    static void semaphore() throws InterruptedException {
        FifoLock lock = new FifoLock();
        // [semaphore]
        Mode downloads = Modes.semaphore(3);          // keep it: every call is a new pool
        // [semaphore]
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        CountDownLatch threeInside = new CountDownLatch(3);
        runThreads(10, t -> {
            try (Guard g = lock.acquire(downloads)) {
                most.accumulateAndGet(inside.incrementAndGet(), Math::max);
                threeInside.countDown();
                try {
                    threeInside.await(10, TimeUnit.SECONDS); // the first three meet inside
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                inside.decrementAndGet();
            }
        });
        check(most.get() == 3, "semaphore: at most " + most + " inside, expected 3");
        System.out.println("  semaphore(3): 10 downloads, at most " + most.get() + " at once");
    }

    /**
     * Two workers hold; maintenance asks and waits for them; a third worker that asks after it
     * waits for the maintenance, although a worker slot is free: nobody overtakes.
     */
    static void maintenance() throws InterruptedException {
        FifoLock lock = new FifoLock();
        ConcurrentLinkedQueue<String> log = new ConcurrentLinkedQueue<>();
        Guard first = lock.acquire(WORKER);
        Guard second = lock.acquire(WORKER);
        Thread maintenance = start(() -> {
            try (Guard g = lock.acquire(MAINTENANCE)) {
                log.add("maintenance with " + lock.holds(WORKER) + " workers");
            }
        });
        awaitQueue(lock, 1);
        Thread late = start(() -> {
            try (Guard g = lock.acquire(WORKER)) {
                log.add("late worker");
            }
        });
        awaitQueue(lock, 2);
        check(lock.tryAcquire(WORKER) == null, "a worker overtook the queued maintenance");
        first.close();
        second.close();
        maintenance.join(10_000);
        late.join(10_000);
        List<String> expected = List.of("maintenance with 0 workers", "late worker");
        check(new ArrayList<>(log).equals(expected), "maintenance: " + log);
        check(lock.queueLength() == 0 && lock.holds(WORKER) == 0 && lock.holds(MAINTENANCE) == 0, "maintenance: " + lock);
        System.out.println("  maintenance: 2 workers in, maintenance queued, late worker queued -> " + String.join(" -> ", log));
    }

    private interface Body {
        void run(int thread) throws Exception;
    }

    private static void runThreads(int n, Body body) throws InterruptedException {
        List<Thread> threads = new ArrayList<>();
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        for (int t = 0; t < n; t++) {
            int index = t;
            threads.add(start(() -> {
                try {
                    body.run(index);
                } catch (Throwable e) {
                    failures.add(e);
                }
            }));
        }
        for (Thread thread : threads) {
            thread.join(30_000);
        }
        check(failures.isEmpty(), "failures: " + failures);
    }

    private static Thread start(Runnable body) {
        Thread thread = new Thread(body);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    private static void awaitQueue(FifoLock lock, int length) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (lock.queueLength() != length) {
            check(System.nanoTime() < deadline, "queue never reached " + length + ": " + lock);
            Thread.sleep(1);
        }
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException(what);
        }
    }
}
