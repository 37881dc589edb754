package io.rwlocker;

import io.rwlocker.internal.KeyEntry;
import io.rwlocker.internal.KeyTable;
import io.rwlocker.internal.KeyTableAccess;
import java.time.Duration;
import java.util.Collection;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/*
 * Implementation notes
 *
 * The blocking face of a KeyTable (see its notes for the reference-counted entries: a key's
 * entry, with its RWLock, is live exactly while someone holds or awaits that key). This class adds
 * only the bracket around the per-key lock: enter the entry, lock, hand out a guard; the guard
 * unlocks and leaves. Every failure between enter and the guard (misuse, timeout, interrupt, an
 * Error) unlocks what was taken and leaves the entries before it propagates, so the table is as
 * before the call.
 *
 * Multi-key: KeyTable.enterAll retains every entry and sorts them in the one global order
 * (KeyOrder: hash, then a per-entry tie-breaker), each distinct key once; the locks are then taken
 * in that order. Misuse that would block on one key after waiting for others (re-entry of a
 * non-reentrant writer, read-to-write upgrade) is checked for all keys before anything is locked:
 * only the current thread can change its own holds, so the check cannot go stale.
 *
 * Per-key behaviour is RWLock's: its policy, reentrancy, ownership, misuse rules (DESIGN 4.2)
 * and hand-off. Linearization points: those of the per-key locks.
 *
 * Scalar replacement of the guard. read(k)/write(k) allocate a KeyGuard; the JIT removes that
 * allocation only if it inlines read/write into the caller together with the guard's close(). It
 * refuses to inline a method that it has already compiled on its own into more than
 * InlineSmallCode bytes (2,500 on x86-64), and read/write, with the table lookup, the entry's
 * retain and the per-key lock inlined into them, grow past that once a workload has warmed up the
 * creation of entries (measured: 3,680 bytes, so 32 B/op at 1,000 keys). Calling the lookup and
 * the lock out of line through a MethodHandle in an instance field (which the JIT never inlines)
 * made it 0 B/op, but Lincheck's model checker does not follow such a call correctly (our own
 * KeyedCountersLincheckSpec then failed), and users must be able to model-check code that uses
 * these locks: so read/write make direct calls, and the guard is scalar-replaced only where the
 * JIT's inlining allows.
 */

/**
 * A read-write lock per key: different keys proceed in parallel, the same key follows the
 * table's {@link Policy}. An entry is live while some thread or coroutine holds or awaits its key
 * ({@link #size()} counts those and returns to 0); idle entries are kept for reuse up to a bound
 * and then swept, so memory does not grow with the number of distinct keys ever used.
 *
 * <pre>{@code
 * KeyedLocks<String> locks = KeyedLocks.create();
 *
 * try (Guard g = locks.read("user:42")) {            // readers of one key share it
 *     return store.load("user:42");
 * }
 * try (Guard g = locks.write("user:42")) {           // one writer per key; other keys go on
 *     store.save("user:42", profile);
 * }
 * try (Guard g = locks.writeAll(List.of(from, to))) { // any order, no deadlock
 *     store.move(from, to, amount);
 * }
 * }</pre>
 *
 * <p><b>Keys</b> are compared by {@code equals}/{@code hashCode}, like {@code HashMap} keys (and
 * must not change while used); two spellings of one key must be equal objects to share a lock.
 *
 * <p><b>Multi-key</b> {@link #readAll}/{@link #writeAll} lock all keys in one global order that
 * holds for every key type, also for distinct keys with equal hash codes, so two calls with the
 * same keys in different orders never deadlock. Equal keys in one collection are taken once.
 * One guard releases them all. (The order covers each multi-key call; a thread that nests its own
 * calls on several keys chooses its own order, as with any locks.)
 *
 * <p><b>Guards</b> release exactly once: a second {@code close()} does nothing. Like the per-key
 * locks' holds, they belong to the acquiring thread: a {@code close()} by another thread throws
 * {@link IllegalMonitorStateException} and releases nothing.
 *
 * <p><b>Misuse</b> fails fast per key, as for {@link RWLock}: inside {@code write(k)} of a table
 * without a reentrant writer, {@code read(k)}, {@code write(k)} and {@code writeAll([.., k])}
 * throw {@link IllegalStateException} at once; so does {@code write(k)} or {@code writeAll([.., k])}
 * inside {@code read(k)} (an upgrade). A failed call takes nothing: the locks, the entries and
 * {@link #size()} are as before. A {@code null} key, collection or timeout throws
 * {@link NullPointerException}; an empty collection gives a guard that does nothing; a zero or
 * negative timeout makes one attempt.
 *
 * <p><b>Memory</b>: entries are reference-counted (holders plus waiters) in a
 * {@code ConcurrentHashMap}; the last one to leave (also after a timeout or an interrupt) leaves
 * the entry idle, and the next user of the key revives it, so a key in steady use costs what a
 * never-cleaned map of locks costs. When an insertion finds more entries than the bound (system
 * property {@code io.rwlocker.keyedIdleEntries}, default 1,024 per table, or twice the keys in use
 * at the last sweep if that is more), it sweeps the idle ones out; the table keeps at most as many
 * locks of swept entries as spares for new keys. A kept lock costs about 0.5 KB plus a reader
 * record of about 0.25 KB per thread that has read it. No weak references and no dependence on
 * the garbage collector. There is no lock over the whole table. The coroutines module's
 * {@code KeyedLocks.asKeyedReadWriteMutex()} is a suspending view of the same table: threads and
 * coroutines exclude each other per key.
 *
 * @param <K> the key type
 */
public final class KeyedLocks<K> {
    static {
        KeyTableAccess.install(locks -> locks.table);
    }

    /** The guard of an acquisition of no keys. */
    private static final Guard NOTHING = () -> { };

    private final KeyTable table;

    private KeyedLocks(Policy policy, boolean reentrantWriter) {
        this.table = new KeyTable(policy, reentrantWriter);
    }

    /** A table of writer-preferring, non-reentrant per-key locks. */
    public static <K> KeyedLocks<K> create() {
        return new KeyedLocks<>(Policy.WRITER_PREFERRING, false);
    }

    /**
     * A table whose per-key locks have the given policy and, if {@code reentrantWriter}, let the
     * write holder of a key lock it again (counted) and read it.
     *
     * @throws NullPointerException if {@code policy} is null
     */
    public static <K> KeyedLocks<K> create(Policy policy, boolean reentrantWriter) {
        return new KeyedLocks<>(Objects.requireNonNull(policy, "policy"), reentrantWriter);
    }

    /** The policy of every key's lock. */
    public Policy policy() {
        return table.policy();
    }

    /** Whether every key's lock has a reentrant writer. */
    public boolean isReentrantWriter() {
        return table.isReentrantWriter();
    }

    /**
     * Acquires the read side of {@code key}'s lock, waiting as its policy requires (like
     * {@link ReadLock#lock()}: uninterruptible, the interrupt status is kept).
     *
     * @return a guard that releases it
     * @throws NullPointerException if {@code key} is null
     * @throws IllegalStateException if the current thread holds {@code key}'s write lock and the
     *         table has no reentrant writer
     */
    public Guard read(K key) {
        KeyEntry entry = table.enter(key);
        lockOrLeave(entry, false);
        return new KeyGuard(table, entry, false); // kept small: once inlined, the JIT may scalar-replace the guard
    }

    /**
     * Acquires the write side of {@code key}'s lock, waiting as its policy requires
     * (uninterruptible, like {@link WriteLock#lock()}).
     *
     * @return a guard that releases it
     * @throws NullPointerException if {@code key} is null
     * @throws IllegalStateException if the current thread reads {@code key} (an upgrade), or
     *         already writes it and the table has no reentrant writer
     */
    public Guard write(K key) {
        KeyEntry entry = table.enter(key);
        lockOrLeave(entry, true);
        return new KeyGuard(table, entry, true);
    }

    /**
     * Acquires the read side of {@code key}'s lock if it can within {@code timeout}.
     *
     * @return a guard that releases it, or {@code null} if the time ran out (nothing is held)
     * @throws InterruptedException if interrupted before or while waiting (nothing is held)
     * @throws NullPointerException if {@code key} or {@code timeout} is null
     * @throws IllegalStateException as {@link #read}
     */
    public Guard tryRead(K key, Duration timeout) throws InterruptedException {
        return tryAcquire(key, timeout, false);
    }

    /**
     * Acquires the write side of {@code key}'s lock if it can within {@code timeout}.
     *
     * @return a guard that releases it, or {@code null} if the time ran out (nothing is held)
     * @throws InterruptedException if interrupted before or while waiting (nothing is held)
     * @throws NullPointerException if {@code key} or {@code timeout} is null
     * @throws IllegalStateException as {@link #write}
     */
    public Guard tryWrite(K key, Duration timeout) throws InterruptedException {
        return tryAcquire(key, timeout, true);
    }

    /**
     * Acquires the read side of every key in {@code keys}, in the table's global order (never an
     * ABBA deadlock with another {@code readAll}/{@code writeAll}); equal keys are taken once.
     * Uninterruptible, like {@link #read}.
     *
     * @return one guard that releases them all (a guard that does nothing for an empty collection)
     * @throws NullPointerException if {@code keys} is or contains null (nothing is taken)
     * @throws IllegalStateException if one of the keys is write-locked by the current thread and
     *         the table has no reentrant writer (nothing is taken)
     */
    public Guard readAll(Collection<? extends K> keys) {
        return acquireAll(keys, false);
    }

    /**
     * Acquires the write side of every key in {@code keys}, in the table's global order (never an
     * ABBA deadlock with another {@code readAll}/{@code writeAll}); equal keys are taken once.
     * Uninterruptible, like {@link #write}.
     *
     * @return one guard that releases them all (a guard that does nothing for an empty collection)
     * @throws NullPointerException if {@code keys} is or contains null (nothing is taken)
     * @throws IllegalStateException if the current thread reads one of the keys (an upgrade) or
     *         writes one and the table has no reentrant writer (nothing is taken)
     */
    public Guard writeAll(Collection<? extends K> keys) {
        return acquireAll(keys, true);
    }

    /**
     * Keys with a live entry (held or awaited); a snapshot, 0 when nobody uses the table. Idle
     * entries kept for reuse are not counted. It walks the table: O(entries), for monitoring and
     * tests rather than hot paths.
     */
    public int size() {
        return table.size();
    }

    /** The table's settings and size, e.g. {@code KeyedLocks[WRITER_PREFERRING, keys = 3]}. */
    @Override
    public String toString() {
        return "KeyedLocks[" + table + "]";
    }

    // ------------------------------------------------------------------ introspection for tests

    /** Holders and waiters of {@code key} now (0 if it has no entry). */
    int users(K key) {
        KeyEntry entry = table.peek(key);
        return entry == null ? 0 : entry.users();
    }

    /** The lock of {@code key}'s live entry, or null if it has none. */
    RWLock lockOf(K key) {
        KeyEntry entry = table.peek(key);
        return entry == null ? null : entry.lock();
    }

    // ------------------------------------------------------------------ internals

    /** Locks {@code entry}'s side; on failure (misuse: nothing was taken, or an Error) leaves it. */
    private void lockOrLeave(KeyEntry entry, boolean write) {
        try {
            side(entry, write).lock();
        } catch (Throwable failure) {
            table.leave(entry);
            throw failure;
        }
    }

    private Guard tryAcquire(K key, Duration timeout, boolean write) throws InterruptedException {
        Objects.requireNonNull(key, "key");
        long nanos = TimeUnit.NANOSECONDS.convert(Objects.requireNonNull(timeout, "timeout"));
        KeyEntry entry = table.enter(key);
        boolean acquired = false;
        try {
            acquired = side(entry, write).tryLock(nanos, TimeUnit.NANOSECONDS);
        } finally {
            if (!acquired) {
                table.leave(entry); // timed out, interrupted or misuse
            }
        }
        return acquired ? new KeyGuard(table, entry, write) : null;
    }

    private Guard acquireAll(Collection<? extends K> keys, boolean write) {
        KeyEntry[] entries = table.enterAll(keys);
        if (entries.length == 0) {
            return NOTHING;
        }
        int locked = 0;
        try {
            checkReentry(entries, write);
            for (; locked < entries.length; locked++) {
                side(entries[locked], write).lock();
            }
        } catch (Throwable failure) {
            unlockAll(table, entries, locked, write);
            throw failure;
        }
        return new KeysGuard(table, entries, write);
    }

    /**
     * Fails before anything is locked if one of the keys could only fail later (after waiting for
     * the keys before it): the current thread writes it without a reentrant writer, or reads it
     * and wants to write.
     */
    private void checkReentry(KeyEntry[] entries, boolean write) {
        boolean reentrant = table.isReentrantWriter();
        for (KeyEntry entry : entries) {
            RWLock lock = entry.lock();
            if (lock.isWriteLockedByCurrentThread()) {
                if (!reentrant) {
                    throw new IllegalStateException("the current thread already holds the write lock of key "
                            + entry.key() + " (the table has no reentrant writer)");
                }
            } else if (write && lock.read().getHoldCount() > 0) {
                throw new IllegalStateException("the current thread holds the read lock of key "
                        + entry.key() + ": upgrading to write would deadlock");
            }
        }
    }

    private static LockSide side(KeyEntry entry, boolean write) {
        RWLock lock = entry.lock();
        return write ? lock.write() : lock.read();
    }

    /** The exception for a guard closed by a thread other than its owner (kept out of close()). */
    static IllegalMonitorStateException foreignClose(Thread owner) {
        return new IllegalMonitorStateException(
                "a KeyedLocks guard must be closed by the thread that acquired it (" + owner.getName() + ")");
    }

    /** Unlocks one hold of {@code entry}'s lock, then leaves the entry (even if the unlock failed). */
    static void release(KeyTable table, KeyEntry entry, boolean write) {
        try {
            unlock(entry, write);
        } finally {
            table.leave(entry);
        }
    }

    /** Unlocks one hold of {@code entry}'s lock. */
    static void unlock(KeyEntry entry, boolean write) {
        side(entry, write).unlock();
    }

    /** Unlocks the first {@code locked} entries in reverse order, then leaves all entries. */
    static void unlockAll(KeyTable table, KeyEntry[] entries, int locked, boolean write) {
        try {
            for (int i = locked - 1; i >= 0; i--) {
                unlock(entries[i], write);
            }
        } finally {
            table.leaveAll(entries);
        }
    }
}
