package io.rwlocker.samples;

import io.rwlocker.coroutines.PriorityDispatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * The strictflow quick start from Java: plain threads submit {@link java.util.concurrent.Callable}
 * tasks with {@link PriorityDispatcher#writeAsync} (P1) and {@link PriorityDispatcher#readAsync}
 * (P2) and get {@link CompletableFuture}s of their results. The update pauses between its two
 * fields, yet no reader sees it half-written; {@code close()} (try-with-resources) runs what is
 * still queued and waits for it; after it, submissions fail.
 */
public final class LiveConfigFromJava {
    /** Two fields that only make sense together; touched only inside the dispatcher's tasks. */
    private static final class Config {
        int version;
        String status = "stable";
    }

    private LiveConfigFromJava() {
    }

    public static void main(String[] args) throws Exception {
        run();
    }

    /** Reads, an update, reads from two more threads; checks what each saw. */
    public static void run() throws Exception {
        Config config = new Config();
        List<String> log = new CopyOnWriteArrayList<>();
        CompletableFuture<String> last;
        List<CompletableFuture<String>> later = new ArrayList<>();
        String before;
        int written;
        PriorityDispatcher dispatcher = new PriorityDispatcher();   // its own scope on Dispatchers.Default
        try (dispatcher) {
            before = dispatcher.readAsync(() -> read(config, "R-A", log)).get(10, TimeUnit.SECONDS);
            CompletableFuture<Integer> update = dispatcher.writeAsync(() -> {
                log.add("[P1] writing V1 ...");
                config.version = 1;
                Thread.sleep(50);                       // half-written for 50 ms
                config.status = "deploying";
                log.add("[P1] V1 written");
                return config.version;
            });
            // Two plain threads read while the write is queued or running: they wait for it.
            List<Thread> readers = new ArrayList<>();
            for (String name : List.of("R-B", "R-C")) {
                CompletableFuture<CompletableFuture<String>> submitted = new CompletableFuture<>();
                Thread reader = new Thread(() -> submitted.complete(dispatcher.readAsync(() -> read(config, name, log))));
                reader.start();
                readers.add(reader);
                later.add(submitted.get(10, TimeUnit.SECONDS));
            }
            for (Thread reader : readers) {
                reader.join();
            }
            written = update.get(10, TimeUnit.SECONDS);
            last = dispatcher.readAsync(() -> read(config, "R-D", log));   // not awaited: close() waits for it
        }
        CompletableFuture<String> refused = dispatcher.readAsync(() -> "never");   // closed: a failed future

        log.forEach(line -> System.out.println("  " + line));
        check(before.equals("V0 stable"), "R-A read before the update: " + before);
        check(written == 1, "the write's result did not come back");
        for (CompletableFuture<String> read : later) {
            check(read.get().equals("V1 deploying"), "a read submitted after the update saw " + read.get());
        }
        check(last.isDone() && last.get().equals("V1 deploying"), "close() returned before the last read finished");
        check(refused.isCompletedExceptionally(), "a closed dispatcher accepted a task");
        int start = log.indexOf("[P1] writing V1 ...");
        check(log.get(start + 1).equals("[P1] V1 written"), "something ran beside the write: " + log);
        System.out.println("  every read after the update saw V1 deploying; close() waited for the last read");
    }

    private static String read(Config config, String reader, List<String> log) {
        String seen = "V" + config.version + " " + config.status;
        log.add("[P2] " + reader + " read " + seen);
        return seen;
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new IllegalStateException(message);
        }
    }
}
