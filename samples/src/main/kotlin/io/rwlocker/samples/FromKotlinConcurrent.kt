package io.rwlocker.samples

import io.rwlocker.RWLock
import io.rwlocker.kotlin.read
import io.rwlocker.kotlin.write
import java.util.concurrent.locks.ReentrantReadWriteLock
import kotlin.concurrent.read
import kotlin.concurrent.write

/**
 * Migration of Kotlin code on threads from `kotlin.concurrent`'s `ReentrantReadWriteLock.read`/
 * `write` to `io.rwlocker.kotlin`'s `RWLock.read`/`write`: the lock's type and the import change,
 * the blocks stay. (This file imports both, to run both: the receiver picks the function.)
 */
public object FromKotlinConcurrent {
    /** Before: kotlin.concurrent's scope functions on the JDK's lock. */
    internal class CounterBefore {
        private val lock = ReentrantReadWriteLock()
        private var count = 0

        fun get(): Int = lock.read { count }

        fun increment() = lock.write { count++ }
    }

    /** After: the same blocks on an RWLock. */
    internal class CounterAfter {
        private val lock = RWLock.writerPreferring()
        private var count = 0

        fun get(): Int = lock.read { count }

        fun increment() = lock.write { count++ }
    }

    @JvmStatic
    public fun run() {
        val before = CounterBefore()
        val after = CounterAfter()
        val threads = List(4) {
            kotlin.concurrent.thread {
                repeat(10_000) {
                    before.increment()
                    after.increment()
                }
            }
        }
        threads.forEach { it.join() }
        println("  4 threads x 10,000 increments: before ${before.get()}, after ${after.get()} (expected 40000)")
        check(before.get() == 40_000 && after.get() == 40_000) { "migration from kotlin.concurrent went wrong" }
    }

    @JvmStatic
    public fun main(args: Array<String>): Unit = run()
}
