package io.rwlocker.internal;

import io.rwlocker.KeyedLocks;
import java.util.function.Function;

/**
 * Gives the coroutines module the {@link KeyTable} behind a {@link KeyedLocks} without making it
 * public API of {@code KeyedLocks} (the "shared secrets" pattern, as {@link EngineAccess}).
 * Internal API.
 */
public final class KeyTableAccess {
    private static volatile Function<KeyedLocks<?>, KeyTable> accessor;

    private KeyTableAccess() {
    }

    /** Called once by {@code KeyedLocks}' static initializer. */
    public static void install(Function<KeyedLocks<?>, KeyTable> access) {
        if (accessor != null) {
            throw new IllegalStateException("already installed");
        }
        accessor = access;
    }

    /** The table shared by {@code locks} and every suspending view of it. */
    public static KeyTable tableOf(KeyedLocks<?> locks) {
        return accessor.apply(locks);
    }
}
