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
 */
module io.rwlocker {
    exports io.rwlocker;
    exports io.rwlocker.internal to io.rwlocker.coroutines;
}
