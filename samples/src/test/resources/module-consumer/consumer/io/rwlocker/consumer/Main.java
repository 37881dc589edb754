package io.rwlocker.consumer;

import io.rwlocker.Guard;
import io.rwlocker.RWLock;
import io.rwlocker.coroutines.MutexViewsKt;
import io.rwlocker.coroutines.ReadWriteMutex;
import io.rwlocker.coroutines.ReadWriteMutexKt;
import io.rwlocker.coroutines.ScopesKt;
import io.rwlocker.kotlin.Locking;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import kotlin.coroutines.EmptyCoroutineContext;
import kotlinx.coroutines.BuildersKt;

/**
 * Uses every module of rwlocker from a named module: the blocking face, the suspending face
 * (which runs on io.rwlocker.internal, exported only to io.rwlocker.coroutines) with a coroutine
 * that really waits in the engine's queue, the Mutex views and the Kotlin extensions. Prints one
 * line starting with "module path OK" on success; throws otherwise.
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) throws Exception {
        Module api = RWLock.class.getModule();
        Module coroutines = ReadWriteMutex.class.getModule();
        check(api.isNamed() && "io.rwlocker".equals(api.getName()), "rwlocker-jvm is module " + api);
        check(!api.getDescriptor().isAutomatic(), "io.rwlocker must be explicit (module-info), not automatic");
        check("io.rwlocker.coroutines".equals(coroutines.getName()), "rwlocker-coroutines is module " + coroutines);
        check("io.rwlocker.kotlin".equals(Locking.class.getModule().getName()), "rwlocker-kotlin's module name");
        check(api.isExported("io.rwlocker"), "io.rwlocker must be exported");
        check(!api.isExported("io.rwlocker.internal"), "io.rwlocker.internal must not be exported to everyone");
        check(api.isExported("io.rwlocker.internal", coroutines), "io.rwlocker.internal must be exported to io.rwlocker.coroutines");
        check(!api.isExported("io.rwlocker.internal", Main.class.getModule()), "not to this module");

        RWLock lock = RWLock.fair();
        try (Guard g = lock.read().acquire()) {
            check(lock.getReadLockCount() == 1, "blocking read");
        }
        check(Locking.read(lock, () -> lock.getReadLockCount()) == 1, "RWLock.read { } from io.rwlocker.kotlin");

        ReadWriteMutex mutex = ReadWriteMutexKt.asReadWriteMutex(lock);
        check(mutex.tryLockWrite() && lock.isWriteLocked(), "suspending face shares the engine");
        mutex.unlockWrite();
        check(MutexViewsKt.getReadMutex(mutex).tryLock(null) && lock.getReadLockCount() == 1, "readMutex view");
        MutexViewsKt.getReadMutex(mutex).unlock(null);

        // A coroutine that waits in the engine's queue (a CoroutineWaiter, an io.rwlocker.internal.Waiter).
        lock.write().lock();
        CompletableFuture<Object> reader = CompletableFuture.supplyAsync(() -> {
            try {
                return BuildersKt.runBlocking(EmptyCoroutineContext.INSTANCE,
                        (scope, continuation) -> ScopesKt.read(mutex, c -> "read after waiting", continuation));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (lock.getQueueLength() == 0 && !reader.isDone() && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        check(lock.getQueueLength() == 1, "the coroutine should wait in the queue: " + lock);
        lock.write().unlock();
        Object result = reader.get(10, TimeUnit.SECONDS);
        check("read after waiting".equals(result), "coroutine result " + result);
        check(!lock.isWriteLocked() && lock.getReadLockCount() == 0 && lock.getQueueLength() == 0, "free: " + lock);
        System.out.println("module path OK: " + api.getDescriptor().toNameAndVersion() + ", " + coroutines.getName()
                + ", coroutine " + result);
    }

    private static void check(boolean condition, String what) {
        if (!condition) {
            throw new AssertionError(what);
        }
    }
}
