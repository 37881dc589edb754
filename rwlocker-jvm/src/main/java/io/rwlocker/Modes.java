package io.rwlocker;

/**
 * The built-in modes of a {@link FifoLock}: the three recipes of the Python {@code fifolock}
 * library, a mutex, a read-write lock and a semaphore.
 *
 * <pre>{@code
 * FifoLock lock = new FifoLock();
 * try (Guard g = lock.acquire(Modes.read())) {          // shared with other readers
 *     return table.get(key);
 * }
 * try (Guard g = lock.acquire(Modes.write())) {         // alone among readers and writers
 *     table.put(key, value);
 * }
 * Mode downloads = Modes.semaphore(3);                  // keep it: each call is a new pool
 * try (Guard g = lock.acquire(downloads)) {             // at most 3 at once
 *     fetch(url);
 * }
 * }</pre>
 *
 * <p>{@link #mutex()}, {@link #read()} and {@link #write()} return one shared object each;
 * {@link #semaphore(int)} returns a new, independent pool on every call. Modes may be mixed on
 * one lock: {@code mutex()} waits for every holder, and no built-in mode joins a {@code mutex()}
 * holder; apart from that each built-in mode looks only at its own kind (readers and writers at
 * each other, a pool at its own holds), as in {@code fifolock}. Your own modes decide for
 * themselves (see {@link Mode}).
 */
public final class Modes {
    private Modes() {
    }

    /**
     * Exclusive: granted only when nobody holds the lock in any mode; no built-in mode is granted
     * while it is held. One shared object.
     */
    public static Mode mutex() {
        return Recipe.MUTEX;
    }

    /**
     * Shared: granted while nobody holds {@link #write()} or {@link #mutex()} (readers share the
     * lock with each other and with holders of other modes). One shared object.
     */
    public static Mode read() {
        return Recipe.READ;
    }

    /**
     * Exclusive among readers and writers: granted while nobody holds {@link #read()},
     * {@link #write()} or {@link #mutex()}. One shared object.
     */
    public static Mode write() {
        return Recipe.WRITE;
    }

    /**
     * A pool of {@code permits}: granted while fewer than {@code permits} holds of this very pool
     * are held (and nobody holds {@link #mutex()}). Every call returns a new pool (equal only to
     * itself), so keep the object and use it for every request that shares the pool.
     *
     * @throws IllegalArgumentException if {@code permits < 1}
     */
    public static Mode semaphore(int permits) {
        if (permits < 1) {
            throw new IllegalArgumentException("permits must be at least 1, was " + permits);
        }
        return new Semaphore(permits);
    }

    /** The shared recipe modes; an enum so each is one object with a readable name. */
    private enum Recipe implements Mode {
        MUTEX {
            @Override
            public boolean isCompatible(Holds holds) {
                return holds.total() == 0;
            }
        },
        READ {
            @Override
            public boolean isCompatible(Holds holds) {
                return holds.count(WRITE) == 0 && holds.count(MUTEX) == 0;
            }
        },
        WRITE {
            @Override
            public boolean isCompatible(Holds holds) {
                return holds.count(READ) == 0 && holds.count(WRITE) == 0 && holds.count(MUTEX) == 0;
            }
        };

        @Override
        public String toString() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** One pool of permits; identity equality (each pool counts only its own holds). */
    private static final class Semaphore implements Mode {
        private final int permits;

        Semaphore(int permits) {
            this.permits = permits;
        }

        @Override
        public boolean isCompatible(Holds holds) {
            return holds.count(this) < permits && holds.count(Recipe.MUTEX) == 0;
        }

        @Override
        public String toString() {
            return "semaphore(" + permits + ")@" + Integer.toHexString(System.identityHashCode(this));
        }
    }
}
