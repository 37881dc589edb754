package io.rwlocker.samples;

import io.rwlocker.RWLock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReadWriteLock;

/**
 * The rwlocker seed's drop-in example: code written for a plain {@link Lock} (a third-party
 * library that only knows {@code lock()}/{@code unlock()}) takes an {@link RWLock} as it is. Used
 * as a {@code Lock}, an {@code RWLock} acts on its write side, the safe assumption: the third
 * party gets exclusive access. Code written for a {@link ReadWriteLock} takes it too. Where only
 * a plain lock is wanted behind the same {@code read()}/{@code write()} API,
 * {@link RWLock#exclusive()} is that lock.
 */
public final class DropInLock {
    private DropInLock() {
    }

    /** A third-party function that expects a standard lock and knows nothing of read and write. */
    static void thirdPartyWorker(Lock standardLock, Runnable work) {
        standardLock.lock();
        try {
            work.run();
        } finally {
            standardLock.unlock();
        }
    }

    /** A third-party function that takes any ReadWriteLock. */
    static int thirdPartyCount(ReadWriteLock lock, List<String> data) {
        lock.readLock().lock();
        try {
            return data.size();
        } finally {
            lock.readLock().unlock();
        }
    }

    public static void main(String[] args) {
        run();
    }

    /** Passes an RWLock where a Lock and a ReadWriteLock are expected; checks what it held. */
    public static void run() {
        List<String> data = new ArrayList<>();
        List<Boolean> exclusive = new ArrayList<>();

        RWLock advanced = RWLock.fair();
        thirdPartyWorker(advanced, () -> {                 // an RWLock is a Lock: its write side
            data.add("processed");
            exclusive.add(advanced.isWriteLockedByCurrentThread());
        });
        RWLock simple = RWLock.exclusive();                // a plain mutex behind the same API
        thirdPartyWorker(simple, () -> {
            data.add("processed");
            exclusive.add(simple.isWriteLockedByCurrentThread());
        });
        int counted = thirdPartyCount(advanced, data);     // an RWLock is a ReadWriteLock too

        System.out.println("  a Lock-only function got RWLock.fair() and RWLock.exclusive(): held the write side "
                + exclusive + "; a ReadWriteLock-only function counted " + counted);
        if (!exclusive.equals(List.of(true, true)) || counted != 2
                || advanced.isWriteLocked() || advanced.getReadLockCount() != 0 || simple.isWriteLocked()) {
            throw new IllegalStateException("drop-in use went wrong: " + exclusive + " " + advanced + " " + simple);
        }
    }
}
