package io.rwlocker.internal;

import io.rwlocker.FifoLock;
import java.util.function.Function;

/**
 * Gives the coroutines module the engine behind a {@link FifoLock} without making it public API
 * of {@code FifoLock} (the "shared secrets" pattern, as {@link EngineAccess}). Internal API.
 */
public final class FifoAccess {
    private static volatile Function<FifoLock, FifoEngine> accessor;

    private FifoAccess() {
    }

    /** Called once by {@code FifoLock}'s static initializer. */
    public static void install(Function<FifoLock, FifoEngine> access) {
        if (accessor != null) {
            throw new IllegalStateException("already installed");
        }
        accessor = access;
    }

    /** The engine shared by {@code lock}'s blocking face and the suspending {@code withMode}. */
    public static FifoEngine engineOf(FifoLock lock) {
        return accessor.apply(lock);
    }
}
