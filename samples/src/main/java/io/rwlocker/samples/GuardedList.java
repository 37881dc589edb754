package io.rwlocker.samples;

import io.rwlocker.Guarded;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The ironfence seed's second example, done with {@link Guarded}: a list read by several threads
 * at once and appended to by a writer, which waits until the readers have left.
 *
 * <p>The readers are proved concurrent, not assumed: each waits inside {@code read} on a barrier
 * that only opens when all of them are inside together. Each returns a copy
 * ({@code List::copyOf}); the guarded list never leaves a block.
 */
public final class GuardedList {
    private static final int READERS = 3;

    private GuardedList() {
    }

    public static void main(String[] args) throws Exception {
        run();
    }

    /** Three concurrent readers, then a writer; checks what everyone saw. */
    public static void run() throws Exception {
        Guarded<List<String>> shared = Guarded.of(new ArrayList<>());
        CyclicBarrier allInside = new CyclicBarrier(READERS);
        CountDownLatch inside = new CountDownLatch(READERS);
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(READERS + 1);
        try {
            List<Future<List<String>>> reads = new ArrayList<>();
            for (int i = 0; i < READERS; i++) {
                reads.add(pool.submit(() -> shared.read(list -> {
                    await(allInside);                    // opens only with all readers inside at once
                    inside.countDown();
                    await(release);
                    return List.copyOf(list);
                })));
            }
            await(inside);                               // then a writer comes
            Future<Boolean> write = pool.submit(() -> shared.write(list -> list.add("example")));
            while (!shared.lock().hasQueuedThreads()) {  // the writer waits for the readers
                Thread.onSpinWait();
            }
            release.countDown();

            List<List<String>> seen = new ArrayList<>();
            for (Future<List<String>> read : reads) {
                seen.add(read.get(5, TimeUnit.SECONDS));
            }
            write.get(5, TimeUnit.SECONDS);
            List<String> after = shared.read(List::copyOf);
            if (!seen.equals(List.of(List.of(), List.of(), List.of())) || !after.equals(List.of("example"))) {
                throw new IllegalStateException("readers saw " + seen + ", after the write " + after);
            }
            System.out.println("  " + READERS + " readers inside read() at once saw " + seen.get(0)
                    + "; the writer waited for them; afterwards: " + after);
        } finally {
            pool.shutdownNow();
        }
    }

    private static void await(CyclicBarrier barrier) {
        try {
            barrier.await(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("the readers were not inside read() together", e);
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(5, TimeUnit.SECONDS)) {
                throw new IllegalStateException("not released");
            }
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
