package io.rwlocker.internal;

import io.rwlocker.Holds;
import io.rwlocker.Mode;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;

/*
 * Implementation notes
 *
 * The holders of a FifoEngine while its state is TABLE (a second mode held, or requests waiting):
 * a count per mode (modes compared by equals), in two parallel arrays, plus the total. Empty while
 * the state is FAST. Guarded by the engine's queue lock: every read and write happens with it held
 * (the Holds methods check that, so a Holds kept after isCompatible returned fails loudly instead
 * of racing).
 *
 * Encoding: modes[0..size) are the distinct modes held right now, counts[i] >= 1 their holds;
 * an entry whose count drops to 0 is removed (the last entry moves into its place), so the
 * arrays hold only modes that are held and a lock used with many short-lived modes (a new
 * Modes.semaphore per request) does not grow. Lookups scan: by identity first (no user code),
 * then by equals. A few modes are held at once in practice; the arrays start at 4 and double.
 *
 * Invariants: total == sum(counts[0..size)); counts[i] >= 1 for i < size; modes[i] != null
 * exactly for i < size; no two entries are equal. The canonical object of a mode is the one in
 * its entry: add() returns it and remove() takes it back by identity, so a release never runs a
 * user's equals().
 */

/** Holds per mode of a FIFO lock; guarded by the engine's queue lock. Internal API. */
final class HoldTable implements Holds {
    private static final int MAX_TOTAL = Integer.MAX_VALUE;

    private final ReentrantLock queueLock;
    private Mode[] modes = new Mode[4];
    private int[] counts = new int[4];
    private int size;
    private int total;

    HoldTable(ReentrantLock queueLock) {
        this.queueLock = queueLock;
    }

    // ------------------------------------------------------------------ Holds (for isCompatible)

    @Override
    public int count(Mode mode) {
        Objects.requireNonNull(mode, "mode");
        checkReadable();
        return countLocked(mode);
    }

    @Override
    public int total() {
        checkReadable();
        return total;
    }

    private void checkReadable() {
        if (!queueLock.isHeldByCurrentThread()) {
            throw new IllegalStateException("Holds may be read only inside Mode.isCompatible, while it runs");
        }
    }

    // ------------------------------------------------------------------ engine side (queue lock held)

    /** Holds of {@code mode} (by equals). */
    int countLocked(Mode mode) {
        int index = indexOf(mode);
        return index < 0 ? 0 : counts[index];
    }

    int totalLocked() {
        return total;
    }

    /** Whether one more hold would overflow the total. */
    boolean isFull() {
        return total == MAX_TOTAL;
    }

    /**
     * Counts one more hold of {@code mode}; returns the object it is counted under (equal to
     * {@code mode}). Nothing changes if the lookup throws (a user's equals).
     */
    Mode add(Mode mode) {
        if (total == MAX_TOTAL) {
            throw new Error("Maximum lock count exceeded");
        }
        int index = indexOf(mode);
        if (index >= 0) {
            counts[index]++;
            total++;
            return modes[index];
        }
        if (size == modes.length) {
            modes = Arrays.copyOf(modes, size * 2);
            counts = Arrays.copyOf(counts, size * 2);
        }
        modes[size] = mode;
        counts[size] = 1;
        size++;
        total++;
        return mode;
    }

    /** Fills the empty table with {@code count} holds of {@code mode} (a fast-path snapshot). */
    void load(Mode mode, int count) {
        modes[0] = mode;
        counts[0] = count;
        size = 1;
        total = count;
    }

    /** The number of distinct modes held. */
    int distinct() {
        return size;
    }

    /** The first mode held (the only one when {@link #distinct()} is 1). */
    Mode firstMode() {
        return modes[0];
    }

    /** Empties the table (its holds moved to a fast-path snapshot). */
    void clear() {
        Arrays.fill(modes, 0, size, null);
        Arrays.fill(counts, 0, size, 0);
        size = 0;
        total = 0;
    }

    /** Removes one hold of {@code held}, an object returned by {@link #add(Mode)} (by identity). */
    void remove(Mode held) {
        for (int i = 0; i < size; i++) {
            if (modes[i] == held) {
                total--;
                if (--counts[i] == 0) {
                    int last = --size;
                    modes[i] = modes[last];
                    counts[i] = counts[last];
                    modes[last] = null;
                    counts[last] = 0;
                }
                return;
            }
        }
        throw new IllegalStateException("no hold of " + held + " to release");
    }

    private int indexOf(Mode mode) {
        for (int i = 0; i < size; i++) {
            if (modes[i] == mode) {
                return i;
            }
        }
        for (int i = 0; i < size; i++) {
            if (mode.equals(modes[i])) {
                return i;
            }
        }
        return -1;
    }

    /** {@code mode=count, ...} in table order, or {@code none}. */
    String describe() {
        if (size == 0) {
            return "none";
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < size; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(modes[i]).append('=').append(counts[i]);
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return "Holds[" + (queueLock.isHeldByCurrentThread() ? describe() : "not readable here") + "]";
    }
}
