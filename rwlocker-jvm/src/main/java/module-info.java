/**
 * Read-write synchronization for Java 17+: blocking read-write locks with a choice of admission
 * policy, atomic downgrade and conditions under the read or the write lock.
 *
 * <pre>{@code
 * module com.example.app {
 *     requires io.rwlocker;
 * }
 * }</pre>
 *
 * <p>The only exported package is {@code io.rwlocker}. The engine package
 * {@code io.rwlocker.internal} is exported only to {@code io.rwlocker.coroutines}, the automatic
 * module of the {@code rwlocker-coroutines} jar, whose suspending face runs on the same engine.
 * Put both jars on the module path, or both on the class path.
 *
 * <p>The module reads {@code jdk.jfr} (part of every JDK) for its Flight Recorder events; their
 * classes are internal ({@code io.rwlocker.internal.jfr}, also exported only to the coroutines
 * module, which reports its own waits). Consume the events by name.
 */
module io.rwlocker {
    requires jdk.jfr;

    exports io.rwlocker;
    exports io.rwlocker.internal to io.rwlocker.coroutines;
    exports io.rwlocker.internal.jfr to io.rwlocker.coroutines;
}
