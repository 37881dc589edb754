package io.rwlocker;

import io.rwlocker.internal.EngineAccess;
import io.rwlocker.internal.LockEngine;
import java.util.Collection;
import java.util.Map;
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
 *
 * <p><b>Seeing inside.</b> Give a lock a {@linkplain Builder#name(String) name}: it shows in
 * {@link #toString()} and in the lock's JFR events. Parked threads use the lock as their
 * {@linkplain java.util.concurrent.locks.LockSupport#getBlocker(Thread) blocker}, also while they
 * wait on one of its conditions. The monitoring snapshots {@link #getReadHolders()},
 * {@link #getOwner()}, {@link #getQueuedThreads()}, {@link #hasQueuedThread(Thread)},
 * {@link #hasWaiters(RWCondition)} and {@link #getWaitQueueLength(RWCondition)} say who holds and
 * who waits:
 *
 * <pre>{@code
 * RWLock lock = RWLock.builder().name("user-cache").build();
 * ...
 * Map<Thread, Integer> readers = lock.getReadHolders();   // e.g. {worker-3=2, worker-7=1}
 * Thread writer = lock.getOwner();                          // null: no thread writes
 * Collection<Thread> waiting = lock.getQueuedThreads();
 * }</pre>
 *
 * <p>With a JDK Flight Recorder recording running, a request that had to queue is recorded as an
 * {@code io.rwlocker.ContendedAcquire} event (lock name, policy, read or write, thread or
 * coroutine, outcome; the duration is the wait; threshold 1 ms by default), and, if the recording
 * enables it, a hold longer than its threshold (10 ms by default) as an {@code io.rwlocker.LongHold}
 * event (disabled by default, since it times every hold). With no recording running, or with
 * LongHold disabled, the uncontended paths do exactly what they do without events.
 */
public final class RWLock implements ReadWriteLock, Lock {
    static {
        EngineAccess.install(lock -> lock.engine);
    }

    final LockEngine engine;
    private final ReadLock readLock;
    private final WriteLock writeLock;

    private RWLock(Policy policy, boolean reentrantWriter) {
        this(policy, reentrantWriter, null);
    }

    private RWLock(Policy policy, boolean reentrantWriter, String name) {
        // String.concat, not '+': the first indy string concatenation of a JVM costs milliseconds.
        this.engine = new LockEngine(policy, reentrantWriter, name != null ? name
                : policy.name().concat("@").concat(Integer.toHexString(System.identityHashCode(this))));
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

    /**
     * A builder: {@code RWLock.builder().policy(Policy.FAIR).reentrantWriter(true).name("sessions").build()}.
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Builds an {@link RWLock}; the defaults are writer-preferring, non-reentrant, and a name made
     * of the policy and the lock's identity.
     *
     * <pre>{@code
     * RWLock lock = RWLock.builder().policy(Policy.FAIR).name("user-cache").build();
     * }</pre>
     */
    public static final class Builder {
        private Policy policy = Policy.WRITER_PREFERRING;
        private boolean reentrantWriter;
        private String name;

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

        /**
         * The lock's name, shown by {@link RWLock#toString()} and in its JFR events (for example
         * {@code "user-cache"}). Names need not be unique.
         *
         * @throws NullPointerException if {@code name} is null
         * @throws IllegalArgumentException if {@code name} is empty
         */
        public Builder name(String name) {
            Objects.requireNonNull(name, "name");
            if (name.isEmpty()) {
                throw new IllegalArgumentException("name is empty");
            }
            this.name = name;
            return this;
        }

        /** A new lock with these settings. */
        public RWLock build() {
            return new RWLock(policy, reentrantWriter, name);
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

    /**
     * The lock's name: the one given to {@link Builder#name(String)}, else the policy and the
     * lock's identity hash, e.g. {@code "WRITER_PREFERRING@1b6d3586"} (the hash thread dumps and
     * {@code java.lang.management.ThreadInfo.getLockName()} show for a thread parked on it).
     */
    public String name() {
        return engine.name();
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
     * The threads holding the read lock, each with its read hold count (nested holds included),
     * in a new map. Exact also for holds taken on the biased path (published in per-thread
     * records) and after a writer moved those into the shared count. Coroutines' holds (through
     * {@code asReadWriteMutex()}) are not threads' and are not listed; a thread waiting on a
     * condition has released its holds and is not listed either.
     *
     * <p>A monitoring snapshot, like the JDK's introspection methods: each thread's entry is read
     * at a slightly different instant, and holds may change while it is built. Not for
     * synchronization control.
     */
    public Map<Thread, Integer> getReadHolders() {
        return engine.readHolders();
    }

    /**
     * The thread that holds the write lock, or {@code null} if none does: the lock is not
     * write-locked, or a coroutine holds it (see {@link #isWriteLocked()}). A monitoring snapshot.
     */
    public Thread getOwner() {
        return engine.writeOwner() instanceof Thread thread ? thread : null;
    }

    /**
     * The threads waiting to acquire either side, oldest first, in a new collection (coroutines
     * and threads waiting on a condition are not included, as in the JDK). A monitoring snapshot.
     */
    public Collection<Thread> getQueuedThreads() {
        return engine.queuedThreads();
    }

    /**
     * Whether {@code thread} waits to acquire either side (not counting condition waits). A
     * monitoring snapshot.
     *
     * @throws NullPointerException if {@code thread} is null
     */
    public boolean hasQueuedThread(Thread thread) {
        Objects.requireNonNull(thread, "thread");
        return engine.isQueued(thread);
    }

    /**
     * Whether any thread waits on {@code condition}, a condition of this lock (a monitoring
     * snapshot; the same as {@link RWCondition#hasWaiters()}).
     *
     * @throws NullPointerException if {@code condition} is null
     * @throws IllegalArgumentException if {@code condition} belongs to another lock
     */
    public boolean hasWaiters(RWCondition condition) {
        return ownCondition(condition).hasWaiters();
    }

    /**
     * The number of threads waiting on {@code condition}, a condition of this lock (a monitoring
     * snapshot; the same as {@link RWCondition#getWaitQueueLength()}).
     *
     * @throws NullPointerException if {@code condition} is null
     * @throws IllegalArgumentException if {@code condition} belongs to another lock
     */
    public int getWaitQueueLength(RWCondition condition) {
        return ownCondition(condition).getWaitQueueLength();
    }

    private RWCondition ownCondition(RWCondition condition) {
        Objects.requireNonNull(condition, "condition");
        if (condition.lock() != this) {
            throw new IllegalArgumentException("not a condition of this lock: " + condition);
        }
        return condition;
    }

    /**
     * The name and the state, e.g. {@code RWLock[user-cache: WRITER_PREFERRING, write locked by
     * thread main, read holds = 0, queued = 2]}.
     */
    @Override
    public String toString() {
        return "RWLock[" + engine + "]";
    }
}
