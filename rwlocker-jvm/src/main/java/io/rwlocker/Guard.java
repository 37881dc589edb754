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
 * <p>{@link #close()} declares no checked exception. Closing a {@link LockSide}'s guard twice is
 * a misuse and throws {@link IllegalMonitorStateException} like any unlock of a side that is not
 * held. A {@link FifoLock} guard stands for one owner-less hold and releases exactly once: a
 * second {@code close()} does nothing.
 */
public interface Guard extends AutoCloseable {
    /** Releases the hold this guard stands for. */
    @Override
    void close();
}
