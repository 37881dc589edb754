package io.rwlocker;

import io.rwlocker.internal.KeyEntry;
import io.rwlocker.internal.KeyTable;

/*
 * Implementation notes
 *
 * The Guard of one multi-key KeyedLocks acquisition (readAll/writeAll): one hold of each distinct
 * key's lock (same side for all), taken in the global order, plus one user of each entry. close()
 * unlocks in the reverse order and then gives back the entries, exactly once (`closed`, owned by
 * the acquiring thread as in KeyGuard).
 */

/** A held side of several keys of a {@link KeyedLocks}; releases all of them exactly once. */
final class KeysGuard implements Guard {
    private final KeyTable table;
    private final KeyEntry[] entries;
    private final boolean write;
    private final Thread owner;
    private boolean closed;

    KeysGuard(KeyTable table, KeyEntry[] entries, boolean write) {
        this.table = table;
        this.entries = entries;
        this.write = write;
        this.owner = Thread.currentThread();
    }

    /**
     * Releases every key's hold and entry; a second call does nothing.
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
        KeyedLocks.unlockAll(table, entries, entries.length, write);
    }

    @Override
    public String toString() {
        return "KeysGuard[" + (write ? "write " : "read ") + entries.length + " keys" + (closed ? ", closed]" : "]");
    }
}
