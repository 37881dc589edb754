package io.rwlocker;

/**
 * The current holders of a {@link FifoLock}, as seen by {@link Mode#isCompatible(Holds)}.
 *
 * <pre>{@code
 * Mode write = holds -> holds.total() == 0;                   // nobody holds anything
 * Mode read = holds -> holds.count(Modes.write()) == 0;       // no writer holds
 * }</pre>
 *
 * <p>A {@code Holds} is a consistent view of the lock's state at the moment of the call, valid
 * only during the {@code isCompatible} call it was passed to, on that thread: kept and read later,
 * it may describe a past state or throw {@link IllegalStateException}. Use
 * {@link FifoLock#holds(Mode)} to look at a lock from outside.
 */
public interface Holds {
    /**
     * The holds of {@code mode} (and of every mode equal to it) granted and not yet released.
     *
     * @throws NullPointerException if {@code mode} is null
     * @throws IllegalStateException if called outside {@link Mode#isCompatible(Holds)} (some
     *         views check this, see above)
     */
    int count(Mode mode);

    /**
     * All holds granted and not yet released, of every mode.
     *
     * @throws IllegalStateException if called outside {@link Mode#isCompatible(Holds)} (some
     *         views check this, see above)
     */
    int total();
}
