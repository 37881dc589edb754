package io.rwlocker;

/**
 * A held lock side that releases itself in try-with-resources.
 *
 * <pre>{@code
 * try (Guard g = lock.read().acquire()) {
 *     return cache.get(key);
 * }
 * }</pre>
 *
 * <p>{@link #close()} declares no checked exception. The guard of {@link LockSide#acquire()} is
 * the side's unlock: closing it twice is a misuse and throws {@link IllegalMonitorStateException}
 * like any unlock of a side that is not held. A {@link FifoLock} guard stands for one owner-less
 * hold, and the guards of {@link KeyedLocks} for their keys' holds: they release exactly once, a
 * second {@code close()} does nothing.
 */
public interface Guard extends AutoCloseable {
    /** Releases the hold this guard stands for. */
    @Override
    void close();
}
