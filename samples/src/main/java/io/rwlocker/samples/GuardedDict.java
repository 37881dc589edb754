package io.rwlocker.samples;

import io.rwlocker.Guarded;
import io.rwlocker.RWLock;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The ironfence seed's first example, done with {@link Guarded}: a dictionary guarded by a mutex
 * (an {@link RWLock#exclusive() exclusive} lock), modified by one thread while others read it.
 *
 * <p>What the seed got wrong, and what this does instead: readers take a <em>copy</em> out of the
 * block ({@code Map::copyOf}), never the guarded map itself; the value can be replaced
 * ({@link Guarded#update}), not only mutated; a nested write inside a read fails at once instead
 * of deadlocking.
 */
public final class GuardedDict {
    private GuardedDict() {
    }

    public static void main(String[] args) throws InterruptedException {
        run();
    }

    /** Reads before and during a slow modification, then replaces the map; checks what was seen. */
    public static void run() throws InterruptedException {
        Guarded<Map<String, String>> state = Guarded.of(new HashMap<>(), RWLock.exclusive());

        Map<String, String> before = state.read(Map::copyOf);        // a copy leaves the block
        CountDownLatch modifying = new CountDownLatch(1);
        Thread modifier = new Thread(() -> state.write(map -> {
            modifying.countDown();
            pause();                                                 // slow work, holding the mutex
            return map.put("key", "example");
        }));
        modifier.start();
        if (!modifying.await(5, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the modifier did not start");
        }
        Map<String, String> during = state.read(Map::copyOf);        // waits for the modifier
        modifier.join();

        Map<String, String> replaced = state.update(old -> Map.of("key", old.get("key"), "version", "2"));

        String nested;
        try {
            state.read(map -> state.write(m -> m.put("k", "v")));    // an upgrade would deadlock
            nested = "no error";
        } catch (IllegalStateException expected) {
            nested = "IllegalStateException";
        }

        if (!before.isEmpty() || !during.equals(Map.of("key", "example"))
                || !replaced.equals(Map.of("key", "example", "version", "2"))
                || !nested.equals("IllegalStateException")) {
            throw new IllegalStateException("before=" + before + " during=" + during + " replaced=" + replaced + " nested=" + nested);
        }
        System.out.println("  read before the write: " + before + "; read during it waited, then saw: " + during);
        System.out.println("  replaced with update(): " + new java.util.TreeMap<>(replaced) + "; write inside read: " + nested);
    }

    private static void pause() {
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
