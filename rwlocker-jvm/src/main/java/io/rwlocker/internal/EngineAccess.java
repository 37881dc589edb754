package io.rwlocker.internal;

import io.rwlocker.RWLock;
import java.util.function.Function;

/**
 * Gives the coroutines module the engine behind an {@link RWLock} without making it public
 * API of {@code RWLock} (the "shared secrets" pattern). Internal API.
 */
public final class EngineAccess {
    private static volatile Function<RWLock, LockEngine> accessor;

    private EngineAccess() {
    }

    /** Called once by {@code RWLock}'s static initializer. */
    public static void install(Function<RWLock, LockEngine> access) {
        if (accessor != null) {
            throw new IllegalStateException("already installed");
        }
        accessor = access;
    }

    /** The engine shared by {@code lock}'s blocking face and any suspending face over it. */
    public static LockEngine engineOf(RWLock lock) {
        return accessor.apply(lock);
    }
}
