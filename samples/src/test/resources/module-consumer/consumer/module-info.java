/** A downstream application on the module path: what ModulePathSpec compiles and runs. */
module io.rwlocker.consumer {
    requires io.rwlocker;               // rwlocker-jvm: a named module (module-info)
    requires io.rwlocker.coroutines;    // rwlocker-coroutines: an automatic module (Automatic-Module-Name)
    requires io.rwlocker.kotlin;        // rwlocker-kotlin: an automatic module
    requires kotlin.stdlib;
    requires kotlinx.coroutines.core;
}
