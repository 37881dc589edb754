package io.rwlocker.internal;

import io.rwlocker.Guarded;
import java.util.function.Function;

/**
 * Gives the coroutines module the {@link GuardedCell} behind a {@link Guarded} without making it
 * public API of {@code Guarded} (the "shared secrets" pattern, as {@link EngineAccess}).
 * Internal API.
 */
public final class GuardedAccess {
    private static volatile Function<Guarded<?>, GuardedCell<?>> accessor;

    private GuardedAccess() {
    }

    /** Called once by {@code Guarded}'s static initializer. */
    public static void install(Function<Guarded<?>, GuardedCell<?>> access) {
        if (accessor != null) {
            throw new IllegalStateException("already installed");
        }
        accessor = access;
    }

    /**
     * The cell holding {@code guarded}'s value, shared by its blocking face and any suspending
     * face over it. (An instance exists, so {@code Guarded}'s initializer has run.)
     */
    @SuppressWarnings("unchecked")
    public static <T> GuardedCell<T> cellOf(Guarded<T> guarded) {
        return (GuardedCell<T>) accessor.apply(guarded);
    }
}
