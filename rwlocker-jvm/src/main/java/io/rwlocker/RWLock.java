package io.rwlocker;

import io.rwlocker.internal.EngineAccess;
import io.rwlocker.internal.LockEngine;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReadWriteLock;

/**
 * A read-write lock with a choice of admission {@link Policy}, an optional reentrant writer,
 * atomic write-to-read {@linkplain WriteLock#downgrade() downgrade}, and a
 * {@linkplain #newCondition() condition} usable under the read <em>or</em> the write lock.
 *
 * <pre>{@code
 * RWLock lock = RWLock.writerPreferring();
 *
 * try (Guard g = lock.read().acquire()) {      // many readers at once
 *     return table.get(key);
 * }
 *
 * try (Guard g = lock.write().acquire()) {     // one writer, no reader
 *     table.put(key, value);
 * }
 * }</pre>
 *
 * <p>It is a drop-in {@link ReadWriteLock} ({@link #readLock()}, {@link #writeLock()}) and, for
 * code that expects a plain {@link Lock}, the lock itself acts on the write side: {@code
 * lock.lock()} is {@code lock.write().lock()}.
 *
 * <p>Read holds are owned per thread (a foreign unlock throws
 * {@link IllegalMonitorStateException}); there is no limit below {@code Integer.MAX_VALUE} on
 * total read holds. Waiting threads park with {@link java.util.concurrent.locks.LockSupport}
 * (no {@code synchronized}: virtual threads do not pin). Uncontended acquire and release
 * allocate nothing. The same lock can be shared with coroutines through the coroutines module's
 * {@code RWLock.asReadWriteMutex()}.
 */
public final class RWLock implements ReadWriteLock, Lock {
    static {
        EngineAccess.install(lock -> lock.engine);
    }

    final LockEngine engine;
    private final ReadLock readLock;
    private final WriteLock writeLock;

    private RWLock(Policy policy, boolean reentrantWriter) {
        this.engine = new LockEngine(policy, reentrantWriter);
        this.readLock = new ReadLock(this);
        this.writeLock = new WriteLock(this);
    }

    /** A writer-preferring lock: waiting writers keep new readers out. */
    public static RWLock writerPreferring() {
        return new RWLock(Policy.WRITER_PREFERRING, false);
    }

    /** A reader-preferring lock: readers enter whenever no writer holds. */
    public static RWLock readerPreferring() {
        return new RWLock(Policy.READER_PREFERRING, false);
    }

    /** A phase-fair lock: reader and writer phases alternate; nobody overtakes a queued waiter. */
    public static RWLock fair() {
        return new RWLock(Policy.FAIR, false);
    }

    /** An exclusive lock: reads are exclusive too (a FIFO mutex with the read-write API). */
    public static RWLock exclusive() {
        return new RWLock(Policy.EXCLUSIVE, false);
    }

    /** A builder: {@code RWLock.builder().policy(Policy.FAIR).reentrantWriter(true).build()}. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds an {@link RWLock}; the defaults are writer-preferring, non-reentrant. */
    public static final class Builder {
        private Policy policy = Policy.WRITER_PREFERRING;
        private boolean reentrantWriter;

        private Builder() {
        }

        /** The admission policy. */
        public Builder policy(Policy policy) {
            this.policy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /** Whether the write holder may lock again (counted) and take the read side. */
        public Builder reentrantWriter(boolean reentrantWriter) {
            this.reentrantWriter = reentrantWriter;
            return this;
        }

        /** A new lock with these settings. */
        public RWLock build() {
            return new RWLock(policy, reentrantWriter);
        }
    }

    /** The admission policy. */
    public Policy policy() {
        return engine.policy();
    }

    /** Whether the write holder may re-enter. */
    public boolean isReentrantWriter() {
        return engine.isReentrantWriter();
    }

    /** The read side. */
    public ReadLock read() {
        return readLock;
    }

    /** The read side (the same object as {@link #read()}). */
    @Override
    public ReadLock readLock() {
        return readLock;
    }

    /** The write side. */
    public WriteLock write() {
        return writeLock;
    }

    /** The write side (the same object as {@link #write()}). */
    @Override
    public WriteLock writeLock() {
        return writeLock;
    }

    /** A new condition that may be awaited and signalled under the read or the write lock. */
    @Override
    public RWCondition newCondition() {
        return new RWCondition(this);
    }

    /** Acquires the write side ({@link Lock} drop-in use). */
    @Override
    public void lock() {
        writeLock.lock();
    }

    /** Acquires the write side, interruptibly. */
    @Override
    public void lockInterruptibly() throws InterruptedException {
        writeLock.lockInterruptibly();
    }

    /** Tries the write side once. */
    @Override
    public boolean tryLock() {
        return writeLock.tryLock();
    }

    /** Tries the write side for at most the given time. */
    @Override
    public boolean tryLock(long time, TimeUnit unit) throws InterruptedException {
        return writeLock.tryLock(time, unit);
    }

    /** Releases one write hold. */
    @Override
    public void unlock() {
        writeLock.unlock();
    }

    /** Whether any owner holds the write lock. */
    public boolean isWriteLocked() {
        return engine.isWriteLocked();
    }

    /** Whether the current thread holds the write lock. */
    public boolean isWriteLockedByCurrentThread() {
        return engine.writeOwner() == Thread.currentThread();
    }

    /**
     * Read holds of all threads and coroutines (nested holds included). Like the JDK's, designed
     * for monitoring, not for synchronization control: threads on the biased path publish their
     * holds in per-thread records, so this sums a snapshot of them.
     */
    public int getReadLockCount() {
        return engine.readHolds();
    }

    /** Threads and coroutines waiting to acquire (condition waiters excluded). */
    public int getQueueLength() {
        return engine.queueLength();
    }

    /** Whether anyone waits to acquire. */
    public boolean hasQueuedThreads() {
        return engine.queueLength() > 0;
    }

    /**
     * The state, e.g. {@code RWLock@1b6d3586[WRITER_PREFERRING, write locked by thread main,
     * read holds = 0, queued = 2]}.
     */
    @Override
    public String toString() {
        return "RWLock@" + Integer.toHexString(System.identityHashCode(this)) + "[" + engine + "]";
    }
}
