/** A module that tries to use the engine: must not compile (ModulePathSpec). */
module io.rwlocker.sneaky {
    requires io.rwlocker;
}
