package io.rwlocker.coroutines.soak

import java.lang.reflect.Method
import java.util.concurrent.ThreadFactory

/**
 * Virtual threads, found reflectively: this module compiles for Java 17, and the tests that need
 * them run on JDK 21+ and are skipped with a visible reason on older JDKs (as rwlocker-jvm's
 * VirtualThreadSpec does). The methods come from the public `Thread.Builder` interface, so no
 * access check of a JDK-internal class is involved.
 */
internal object VirtualThreads {
    /** Whether this JVM has virtual threads. */
    val available: Boolean = Runtime.version().feature() >= 21

    /** Why a virtual-thread test does not run here. */
    val skipReason: String =
        "virtual threads need JDK 21+; this is JDK ${Runtime.version().feature()} (run the build on JDK 21+, as .ci/run does)"

    private val builderType: Class<*> by lazy { Class.forName("java.lang.Thread\$Builder") }
    private val ofVirtual: Method by lazy { Thread::class.java.getMethod("ofVirtual") }
    private val name: Method by lazy { builderType.getMethod("name", String::class.java, Long::class.javaPrimitiveType) }
    private val factory: Method by lazy { builderType.getMethod("factory") }
    private val isVirtual: Method by lazy { Thread::class.java.getMethod("isVirtual") }

    /** A factory of unstarted virtual threads named `prefix0`, `prefix1`, ... */
    fun factory(prefix: String): ThreadFactory {
        check(available) { skipReason }
        val builder = name.invoke(ofVirtual.invoke(null), prefix, 0L)
        return factory.invoke(builder) as ThreadFactory
    }

    /** Whether [thread] is virtual (false on JDKs without virtual threads). */
    fun isVirtual(thread: Thread): Boolean = available && isVirtual.invoke(thread) as Boolean
}
