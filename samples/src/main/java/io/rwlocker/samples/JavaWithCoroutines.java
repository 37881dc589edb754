package io.rwlocker.samples;

import io.rwlocker.Guard;
import io.rwlocker.RWLock;
import io.rwlocker.coroutines.MutexViewsKt;
import io.rwlocker.coroutines.ReadWriteMutex;
import io.rwlocker.coroutines.ReadWriteMutexKt;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import kotlinx.coroutines.sync.Mutex;

/**
 * Java code on a lock that coroutines use too. Java owns an {@link RWLock} and hands its
 * suspending face to Kotlin code: {@code asReadWriteMutex()} is a Kotlin extension function, so
 * Java calls it on its file's class, {@code ReadWriteMutexKt.asReadWriteMutex(lock)} (the same
 * object on every call). Coroutines write under that mutex while Java threads read under the
 * blocking face; both are one lock, so no reader ever sees a half-written quote. Java can also
 * call the mutex's non-suspending methods ({@code tryLockWrite()}, {@code unlockWrite()}, ...) and
 * its kotlinx {@code Mutex} views ({@code MutexViewsKt.getWriteMutex(mutex)}).
 */
public final class JavaWithCoroutines {
    private JavaWithCoroutines() {
    }

    public static void main(String[] args) throws Exception {
        run();
    }

    /** Four coroutines write, two Java threads read, Java writes once more; checks every read. */
    public static void run() throws Exception {
        RWLock lock = RWLock.fair();
        ReadWriteMutex mutex = ReadWriteMutexKt.asReadWriteMutex(lock);   // the suspending face
        if (mutex != ReadWriteMutexKt.asReadWriteMutex(lock)) {
            throw new AssertionError("asReadWriteMutex() must return the same face");
        }
        Quote quote = new Quote();
        CompletableFuture<?> feed = QuoteFeed.start(mutex, quote, 4, 2_000);

        AtomicInteger reads = new AtomicInteger();
        AtomicInteger torn = new AtomicInteger();
        List<Thread> readers = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            Thread reader = new Thread(() -> {
                while (!feed.isDone()) {
                    try (Guard g = lock.read().acquire()) {          // blocking read, same lock
                        if (quote.ask != quote.bid + 1) {
                            torn.incrementAndGet();
                        }
                    }
                    reads.incrementAndGet();
                }
            });
            reader.start();
            readers.add(reader);
        }
        feed.get(30, TimeUnit.SECONDS);
        for (Thread reader : readers) {
            reader.join(10_000);
        }

        if (!mutex.tryLockWrite()) {                                  // a non-suspending call from Java
            throw new AssertionError("the lock should be free: " + lock);
        }
        long updates;
        try {
            updates = quote.bid;
            quote.bid = 0;
            quote.ask = 1;
        } finally {
            mutex.unlockWrite();
        }
        Mutex writeView = MutexViewsKt.getWriteMutex(mutex);        // the kotlinx Mutex view
        if (!writeView.tryLock(null) || !lock.isWriteLocked()) {
            throw new AssertionError("writeMutex.tryLock() should take the write lock: " + lock);
        }
        writeView.unlock(null);

        System.out.println("  4 coroutines x 2,000 updates = " + updates + " (expected 8000), " + reads.get()
                + " reads by Java threads, torn reads: " + torn.get());
        if (updates != 8_000 || torn.get() != 0 || lock.isWriteLocked() || lock.getReadLockCount() != 0) {
            throw new AssertionError("a Java reader saw a half-written quote, or the lock is still held: " + lock);
        }
    }
}
