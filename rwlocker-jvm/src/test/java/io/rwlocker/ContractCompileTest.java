package io.rwlocker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Uses every name of the public contract (DESIGN.md section 4, the code block) from Java, with
 * the declared types, so that a rename, a removed method, a changed return type or a new checked
 * exception breaks the compilation of this file. Each use is also checked at run time.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ContractCompileTest {

    @Test
    void policyHasTheFourContractConstantsInOrder() {
        assertArrayEquals(
                new Policy[] {Policy.WRITER_PREFERRING, Policy.READER_PREFERRING, Policy.FAIR, Policy.EXCLUSIVE},
                Policy.values());
    }

    @Test
    void factoriesAndBuilder() {
        assertEquals(Policy.WRITER_PREFERRING, RWLock.writerPreferring().policy());
        assertEquals(Policy.READER_PREFERRING, RWLock.readerPreferring().policy());
        assertEquals(Policy.FAIR, RWLock.fair().policy());
        assertEquals(Policy.EXCLUSIVE, RWLock.exclusive().policy());
        assertFalse(RWLock.writerPreferring().isReentrantWriter());

        RWLock.Builder builder = RWLock.builder();
        RWLock.Builder sameBuilder = builder.policy(Policy.FAIR).reentrantWriter(true);
        assertSame(builder, sameBuilder);
        RWLock lock = sameBuilder.build();
        assertEquals(Policy.FAIR, lock.policy());
        assertTrue(lock.isReentrantWriter());

        NullPointerException npe = assertThrows(NullPointerException.class, () -> RWLock.builder().policy(null));
        assertTrue(npe.getMessage().contains("policy"));
    }

    @Test
    void lockIsAReadWriteLockAndALockOnTheWriteSide() throws InterruptedException {
        RWLock lock = RWLock.writerPreferring();
        ReadWriteLock asReadWriteLock = lock;
        Lock asLock = lock;
        ReadLock read = lock.read();
        WriteLock write = lock.write();
        assertSame(read, lock.readLock());
        assertSame(write, lock.writeLock());
        assertSame(read, asReadWriteLock.readLock());
        assertSame(write, asReadWriteLock.writeLock());

        asLock.lock();
        assertTrue(lock.isWriteLocked());
        assertTrue(lock.isWriteLockedByCurrentThread());
        assertEquals(1, write.getHoldCount());
        asLock.unlock();
        assertTrue(asLock.tryLock());
        asLock.unlock();
        assertTrue(asLock.tryLock(1, TimeUnit.SECONDS));
        asLock.unlock();
        asLock.lockInterruptibly();
        assertTrue(write.isHeldByCurrentThread());
        asLock.unlock();
        Condition condition = asLock.newCondition();
        assertTrue(condition instanceof RWCondition);
        assertFalse(lock.isWriteLocked());
        assertEquals(0, lock.getReadLockCount());
        assertEquals(0, lock.getQueueLength());
    }

    @Test
    void sidesAreSealedLocksWithGuardsAndHoldCounts() throws InterruptedException {
        assertTrue(LockSide.class.isSealed());
        assertArrayEquals(new Class<?>[] {ReadLock.class, WriteLock.class}, LockSide.class.getPermittedSubclasses());

        RWLock lock = RWLock.readerPreferring();
        LockSide readSide = lock.read();
        LockSide writeSide = lock.write();
        Lock readAsLock = readSide;
        Lock writeAsLock = writeSide;

        // Guard.close() declares no checked exception: this method only throws InterruptedException.
        try (Guard guard = readSide.acquire()) {
            AutoCloseable closeable = guard;
            assertNotNull(closeable);
            assertTrue(readSide.isHeldByCurrentThread());
            assertEquals(1, readSide.getHoldCount());
            assertEquals(1, lock.getReadLockCount());
        }
        assertEquals(0, readSide.getHoldCount());
        try (Guard guard = writeSide.acquireInterruptibly()) {
            assertTrue(writeSide.isHeldByCurrentThread());
            assertEquals(1, writeSide.getHoldCount());
        }
        assertFalse(writeSide.isHeldByCurrentThread());

        readAsLock.lock();
        readAsLock.unlock();
        assertTrue(readAsLock.tryLock());
        readAsLock.unlock();
        assertTrue(readAsLock.tryLock(1, TimeUnit.SECONDS));
        readAsLock.unlock();
        readAsLock.lockInterruptibly();
        readAsLock.unlock();
        writeAsLock.lock();
        writeAsLock.unlock();
        assertEquals(0, lock.getReadLockCount());
        assertFalse(lock.isWriteLocked());
    }

    @Test
    void downgradeTurnsTheWriteHoldIntoOneReadHold() {
        RWLock lock = RWLock.writerPreferring();
        WriteLock write = lock.write();
        write.lock();
        write.downgrade();
        assertEquals(1, lock.read().getHoldCount());
        assertEquals(0, write.getHoldCount());
        assertFalse(lock.isWriteLocked());
        assertEquals(1, lock.getReadLockCount());
        lock.read().unlock();
        assertThrows(IllegalMonitorStateException.class, write::downgrade);
        assertEquals(0, lock.getReadLockCount());
    }

    @Test
    void conditionWorksUnderTheReadLockWithEveryWaitMethod() throws Exception {
        RWLock lock = RWLock.writerPreferring();
        RWCondition condition = lock.newCondition();
        Condition asCondition = condition;
        AtomicBoolean ready = new AtomicBoolean();
        BooleanSupplier isReady = ready::get;
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Boolean> results = java.util.Collections.synchronizedList(new ArrayList<>());
        CountDownLatch finished = new CountDownLatch(4);

        List<Thread> waiters = List.of(
                reader(lock, failure, finished, () -> {
                    asCondition.await();
                    results.add(true);
                }),
                reader(lock, failure, finished, () -> {
                    asCondition.awaitUninterruptibly();
                    results.add(true);
                }),
                reader(lock, failure, finished, () -> results.add(asCondition.awaitNanos(TimeUnit.SECONDS.toNanos(20)) > 0)),
                reader(lock, failure, finished, () -> {
                    condition.waitFor(isReady);
                    results.add(isReady.getAsBoolean());
                }));
        waiters.forEach(Thread::start);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        // A waiter joins the condition queue first and releases its read hold just after: wait
        // for both, bounded.
        while ((condition.getWaitQueueLength() < 4 || lock.getReadLockCount() != 0)
                && System.nanoTime() < deadline) {
            java.util.concurrent.locks.LockSupport.parkNanos(100_000L);
        }
        assertEquals(4, condition.getWaitQueueLength());
        assertEquals(0, lock.getReadLockCount()); // await released the waiters' read holds

        lock.write().lock();
        try {
            ready.set(true);
            int woken = condition.signal(10);
            assertEquals(4, woken);
            asCondition.signal();      // nobody left: a no-op
            asCondition.signalAll();   // likewise
            assertEquals(0, condition.signal(1));
        } finally {
            lock.write().unlock();
        }
        assertTrue(finished.await(10, TimeUnit.SECONDS));
        for (Thread t : waiters) {
            t.join(TimeUnit.SECONDS.toMillis(10));
        }
        assertEquals(null, failure.get());
        assertEquals(List.of(true, true, true, true), results);
        assertEquals(0, lock.getReadLockCount());
        assertEquals(0, lock.getQueueLength());
    }

    @Test
    void timedConditionWaitsReturnFalseWhenNotSignalled() throws InterruptedException {
        RWLock lock = RWLock.fair();
        RWCondition condition = lock.newCondition();
        try (Guard guard = lock.write().acquire()) {
            assertFalse(condition.await(10, TimeUnit.MILLISECONDS));
            assertFalse(condition.awaitUntil(new Date(System.currentTimeMillis() - 1_000)));
            assertTrue(condition.awaitNanos(1_000_000L) <= 0);
            boolean stayedFalse = condition.waitFor(() -> false, Duration.ofMillis(10));
            assertFalse(stayedFalse);
            assertTrue(condition.waitFor(() -> true, Duration.ZERO));
            condition.waitFor(() -> true);
            assertEquals(1, lock.write().getHoldCount()); // the hold is restored after each wait
        }
        assertThrows(IllegalMonitorStateException.class, () -> condition.signal(1));
        assertThrows(IllegalMonitorStateException.class, condition::await);
        assertFalse(lock.isWriteLocked());
    }

    /** A step that may throw anything a condition wait throws. */
    private interface Step {
        void run() throws Exception;
    }

    private static Thread reader(RWLock lock, AtomicReference<Throwable> failure, CountDownLatch finished, Step step) {
        Thread thread = new Thread(() -> {
            try (Guard guard = lock.read().acquire()) {
                step.run();
                if (lock.read().getHoldCount() != 1) {
                    throw new AssertionError("read hold not restored: " + lock.read().getHoldCount());
                }
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            } finally {
                finished.countDown();
            }
        }, "contract-reader");
        thread.setDaemon(true);
        return thread;
    }
}
