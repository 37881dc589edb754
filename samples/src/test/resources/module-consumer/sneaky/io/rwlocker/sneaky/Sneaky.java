package io.rwlocker.sneaky;

import io.rwlocker.internal.LockEngine;

/** Reaches for io.rwlocker.internal, which io.rwlocker exports only to io.rwlocker.coroutines. */
public final class Sneaky {
    private Sneaky() {
    }

    /** Never compiles. */
    public static Object engine() {
        return new LockEngine(io.rwlocker.Policy.FAIR, false);
    }
}
