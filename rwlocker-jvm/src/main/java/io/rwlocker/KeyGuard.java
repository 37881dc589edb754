package io.rwlocker;

import io.rwlocker.internal.KeyEntry;
import io.rwlocker.internal.KeyTable;

/*
 * Implementation notes
 *
 * The Guard of one KeyedLocks acquisition (one key, one side). It stands for exactly one hold of
 * the key's lock plus one user of the key's entry, and gives back both exactly once: `closed` is
 * set by the first close() of the owning thread; later ones return at once. Only the acquiring
 * thread may close it (the per-key locks own their holds per thread, as RWLock does), so `closed`
 * is written and read by one thread only and needs no atomics. The entry is left in a finally
 * block: the user count is given back even if the unlock failed.
 *
 * close() is kept small (the exception is built elsewhere) so that the JIT inlines it into the
 * caller's try-with-resources and can scalar-replace the guard: then an acquisition of a key that
 * already has an entry allocates nothing.
 */

/** A held side of one key of a {@link KeyedLocks}; releases exactly once. */
final class KeyGuard implements Guard {
    private final KeyTable table;
    private final KeyEntry entry;
    private final boolean write;
    private final Thread owner;
    private boolean closed;

    KeyGuard(KeyTable table, KeyEntry entry, boolean write) {
        this.table = table;
        this.entry = entry;
        this.write = write;
        this.owner = Thread.currentThread();
    }

    /**
     * Releases the hold and the key's entry; a second call does nothing.
     *
     * @throws IllegalMonitorStateException if called by a thread other than the acquiring one
     *         (nothing is released)
     */
    @Override
    public void close() {
        if (Thread.currentThread() != owner) {
            throw KeyedLocks.foreignClose(owner);
        }
        if (closed) {
            return;
        }
        closed = true;
        KeyedLocks.release(table, entry, write);
    }

    @Override
    public String toString() {
        return "KeyGuard[" + (write ? "write " : "read ") + entry.key() + (closed ? ", closed]" : "]");
    }
}
