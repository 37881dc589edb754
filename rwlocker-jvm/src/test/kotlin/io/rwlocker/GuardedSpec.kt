package io.rwlocker

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.datatest.withTests
import io.kotest.matchers.booleans.shouldBeFalse
import io.kotest.matchers.booleans.shouldBeTrue
import io.kotest.matchers.longs.shouldBeGreaterThan
import io.kotest.matchers.longs.shouldBeLessThan
import io.kotest.matchers.shouldBe
import io.kotest.matchers.shouldNotBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.string.shouldNotContain
import io.kotest.matchers.types.shouldBeSameInstanceAs
import java.io.IOException
import java.lang.management.ManagementFactory
import java.util.concurrent.CountDownLatch
import java.util.concurrent.atomic.AtomicBoolean
import java.util.function.Function
import java.util.function.UnaryOperator

/**
 * [Guarded] (DESIGN.md 4.4): the semantics of each method, null handling, identity, toString;
 * readers concurrent and writers exclusive (proved with latches and the lock's queue, not with
 * timing); exceptions propagating unchanged with the lock released; nested use following the
 * lock's reentrancy; the uncontended path allocating nothing.
 */
class GuardedSpec : FunSpec({
    timeout = 60_000L
    blockingTest = true

    /** A mutable value with a shadow, so that a write that is not exclusive would show up. */
    class Tally(var x: Int = 0, var y: Int = 0)

    context("of and lock()") {
        test("of(value) guards with a new writer-preferring, non-reentrant lock, one per guard") {
            val a = Guarded.of("v")
            val b = Guarded.of("v")
            a.lock().policy() shouldBe Policy.WRITER_PREFERRING
            a.lock().isReentrantWriter.shouldBeFalse()
            a.lock() shouldBeSameInstanceAs a.lock()
            a.lock() shouldNotBe b.lock()
            a.lock().shouldBeFree()
        }

        context("of(value, lock) uses exactly that lock, of any policy") {
            withTests(allVariants) { v ->
                val lock = v.newLock()
                val g = Guarded.of(1, lock)
                g.lock() shouldBeSameInstanceAs lock
                g.read { it } shouldBe 1
                lock.shouldBeFree()
            }
        }

        test("of(value, null) throws NullPointerException naming the lock") {
            val e = shouldThrow<NullPointerException> { Guarded.of("v", null) }
            e.message shouldContain "lock"
        }

        test("the lock may guard other state: holding it directly keeps the guard's readers out") {
            withActors(2) { (owner, reader) ->
                val lock = RWLock.writerPreferring()
                val g = Guarded.of("v", lock)
                owner.call { lock.write().lock() }
                val entered = AtomicBoolean()
                val read = reader.start { g.read { entered.set(true); it } }
                awaitQueued(lock, 1)
                entered.get().shouldBeFalse()
                owner.call { lock.write().unlock() }
                read.await() shouldBe "v"
                lock.shouldBeFree()
            }
        }
    }

    context("read, write, update, set") {
        test("read returns the function's result, computed on the value under a read hold") {
            withActors(1) { (a) ->
                val g = Guarded.of(listOf(1, 2, 3))
                a.call {
                    g.read { list ->
                        g.lock().read().holdCount shouldBe 1
                        g.lock().readLockCount shouldBe 1
                        g.lock().isWriteLocked.shouldBeFalse()
                        list.sum()
                    }
                } shouldBe 6
                g.lock().shouldBeFree()
            }
        }

        test("write mutates in place under the write hold; the change is seen by later reads") {
            withActors(2) { (writer, reader) ->
                val g = Guarded.of(mutableListOf<String>())
                writer.call {
                    g.write { list ->
                        g.lock().isWriteLockedByCurrentThread.shouldBeTrue()
                        g.lock().readLockCount shouldBe 0
                        list.add("a")
                    }
                }.shouldBeTrue()
                reader.call { g.read { it.toList() } } shouldBe listOf("a")
                g.lock().shouldBeFree()
            }
        }

        test("update replaces the value with the updater's result and returns the new value") {
            withActors(1) { (a) ->
                val g = Guarded.of(41)
                a.call {
                    g.update { old ->
                        g.lock().isWriteLockedByCurrentThread.shouldBeTrue()
                        old + 1
                    }
                } shouldBe 42
                a.call { g.read { it } } shouldBe 42
                g.lock().shouldBeFree()
            }
        }

        test("set replaces the value under the write lock: it waits for a reader to leave") {
            withActors(2) { (reader, setter) ->
                val g = Guarded.of("old")
                val inside = CountDownLatch(1)
                val release = CountDownLatch(1)
                val read = reader.start {
                    g.read {
                        inside.countDown()
                        release.awaitOpen()
                        it
                    }
                }
                inside.awaitOpen()
                val set = setter.start { g.set("new") }
                awaitQueued(g.lock(), 1)
                release.countDown()
                read.await() shouldBe "old"
                set.await()
                reader.call { g.read { it } } shouldBe "new"
                g.lock().shouldBeFree()
            }
        }

        test("a null value is allowed: of(null), set(null), an updater returning null") {
            withActors(1) { (a) ->
                a.call {
                    val g = Guarded.of<String?>(null)
                    g.read { it } shouldBe null
                    g.write { it == null } shouldBe true
                    g.set("x")
                    g.read { it } shouldBe "x"
                    g.update { null } shouldBe null
                    g.read { it } shouldBe null
                    g.set(null)
                    g.read { it } shouldBe null
                    g.lock().shouldBeFree()
                }
            }
        }

        test("a function may return null") {
            val g = Guarded.of("v")
            withActors(1) { (a) -> a.call { g.read { null } } shouldBe null }
            g.lock().shouldBeFree()
        }
    }

    context("null functions: NullPointerException naming the argument, lock untouched") {
        withTests(allVariants) { v ->
            withActors(1) { (a) ->
                val g = Guarded.of("v", v.newLock())
                a.call {
                    shouldThrow<NullPointerException> { g.read<Any>(null) }.message shouldContain "reader"
                    shouldThrow<NullPointerException> { g.write<Any>(null) }.message shouldContain "writer"
                    shouldThrow<NullPointerException> { g.update(null) }.message shouldContain "updater"
                    g.lock().holdsHere() shouldBe NO_HOLDS
                    g.read { it } shouldBe "v"
                }
                g.lock().shouldBeFree()
            }
        }
    }

    context("an exception thrown by a function propagates unchanged and the lock is released") {
        withTests(allVariants) { v ->
            withActors(1) { (a) ->
                val g = Guarded.of(Tally(1, 1), v.newLock())
                val boom = IllegalArgumentException("boom")
                val error = AssertionError("error")
                val checked = IOException("checked")
                a.call {
                    shouldThrow<IllegalArgumentException> { g.read { throw boom } } shouldBeSameInstanceAs boom
                    g.lock().holdsHere() shouldBe NO_HOLDS
                    shouldThrow<AssertionError> { g.write { throw error } } shouldBeSameInstanceAs error
                    g.lock().holdsHere() shouldBe NO_HOLDS
                    shouldThrow<IOException> { g.read { throw checked } } shouldBeSameInstanceAs checked
                    g.lock().holdsHere() shouldBe NO_HOLDS
                }
                g.lock().shouldBeFree()
            }
        }

        test("update whose updater throws leaves the old value in place") {
            withActors(1) { (a) ->
                val original = Tally(1, 1)
                val g = Guarded.of(original)
                val boom = IllegalStateException("boom")
                a.call {
                    shouldThrow<IllegalStateException> { g.update { throw boom } } shouldBeSameInstanceAs boom
                    g.read { it } shouldBeSameInstanceAs original
                }
                g.lock().shouldBeFree()
            }
        }

        test("after the exception another thread gets the write lock at once") {
            withActors(2) { (a, b) ->
                val g = Guarded.of(0)
                a.call { runCatching { g.write { error("fail") } }.isFailure }.shouldBeTrue()
                b.call { g.update { it + 1 } } shouldBe 1
                g.lock().shouldBeFree()
            }
        }
    }

    context("readers run at the same time, writers alone") {
        context("three readers are inside read at once; a writer waits until all have left") {
            withTests(sharedReadVariants) { v ->
                withActors(4) { (r1, r2, r3, w) ->
                    val g = Guarded.of(Tally(), v.newLock())
                    val inside = CountDownLatch(3)
                    val release = CountDownLatch(1)
                    val reads = listOf(r1, r2, r3).map { r ->
                        r.start {
                            g.read {
                                inside.countDown()
                                release.awaitOpen()
                                it.x
                            }
                        }
                    }
                    inside.awaitOpen() // all three hold the read lock at the same time
                    g.lock().readLockCount shouldBe 3
                    val written = AtomicBoolean()
                    val write = w.start { g.write { written.set(true); it.x++; it.y++ } }
                    awaitQueued(g.lock(), 1)
                    written.get().shouldBeFalse()
                    release.countDown()
                    reads.forEach { it.await() shouldBe 0 }
                    write.await()
                    written.get().shouldBeTrue()
                    r1.call { g.read { it.x } } shouldBe 1
                    g.lock().shouldBeFree()
                }
            }
        }

        context("a writer inside write keeps other writers, updaters, setters and readers out") {
            withTests(allVariants) { v ->
                withActors(5) { (w1, w2, u, s, r) ->
                    val g = Guarded.of(Tally(), v.newLock())
                    val log = EventLog()
                    val inside = CountDownLatch(1)
                    val release = CountDownLatch(1)
                    val first = w1.start {
                        g.write {
                            log.add("w1+")
                            inside.countDown()
                            release.awaitOpen()
                            log.add("w1-")
                        }
                    }
                    inside.awaitOpen()
                    val others = listOf(
                        w2.start { g.write { log.add("w2"); it.x++; it.y++ } },
                        u.start { g.update { log.add("u"); Tally(it.x + 1, it.y + 1) } },
                        s.start { g.set(Tally(100, 100)).also { log.add("s") } },
                        r.start { g.read { log.add("r"); check(it.x == it.y) } },
                    )
                    awaitQueued(g.lock(), 4)
                    log.snapshot() shouldBe listOf("w1+")
                    release.countDown()
                    first.await()
                    others.forEach { it.await() }
                    log.snapshot().take(2) shouldBe listOf("w1+", "w1-")
                    g.lock().shouldBeFree()
                }
            }
        }

        context("4 threads x 5,000 non-atomic increments through write and update lose nothing") {
            withTests(allVariants) { v ->
                val g = Guarded.of(Tally(), v.newLock())
                val start = CountDownLatch(1)
                withActors(4) { actors ->
                    actors.mapIndexed { i, a ->
                        a.start {
                            start.awaitOpen()
                            repeat(5_000) {
                                if (i % 2 == 0) {
                                    g.write { t -> t.x += 1; t.y += 1 }
                                } else {
                                    g.update { t -> Tally(t.x + 1, t.y + 1) }
                                }
                                g.read { t -> check(t.x == t.y) { "torn: ${t.x} ${t.y}" } }
                            }
                        }
                    }.also { start.countDown() }.forEach { it.await(60) }
                }
                g.read { it.x to it.y } shouldBe (20_000 to 20_000)
                g.lock().shouldBeFree()
            }
        }
    }

    context("nested use on the same thread follows the lock's reentrancy rules") {
        context("read inside read is a recursive read, even while a writer waits") {
            withTests(allVariants) { v ->
                withActors(2) { (r, w) ->
                    val g = Guarded.of(7, v.newLock())
                    val inside = CountDownLatch(1)
                    val writerQueued = CountDownLatch(1)
                    val read = r.start {
                        g.read { outer ->
                            inside.countDown()
                            writerQueued.awaitOpen()
                            g.read { inner ->
                                g.lock().read().holdCount shouldBe 2
                                outer + inner
                            }
                        }
                    }
                    inside.awaitOpen()
                    val write = w.start { g.set(8) }
                    awaitQueued(g.lock(), 1)
                    writerQueued.countDown()
                    read.await() shouldBe 14
                    write.await()
                    r.call { g.read { it } } shouldBe 8
                    g.lock().shouldBeFree()
                }
            }
        }

        context("write, update or set inside read: IllegalStateException (upgrade), the outer read goes on") {
            withTests(allVariants) { v ->
                withActors(1) { (a) ->
                    val g = Guarded.of(Tally(), v.newLock())
                    a.call {
                        g.read { t ->
                            shouldThrow<IllegalStateException> { g.write { it.x++ } }
                            shouldThrow<IllegalStateException> { g.update { Tally(9, 9) } }
                            shouldThrow<IllegalStateException> { g.set(Tally(9, 9)) }
                            g.lock().read().holdCount shouldBe 1
                            g.lock().write().holdCount shouldBe 0
                            t.x
                        }
                    } shouldBe 0
                    a.call { g.read { it.x } } shouldBe 0
                    g.lock().shouldBeFree()
                }
            }
        }

        context("inside write, a non-reentrant lock fails fast for every call and the value is untouched") {
            withTests(nonReentrantVariants) { v ->
                withActors(1) { (a) ->
                    val g = Guarded.of(Tally(), v.newLock())
                    a.call {
                        g.write { t ->
                            shouldThrow<IllegalStateException> { g.read { it.x } }
                            shouldThrow<IllegalStateException> { g.write { it.x++ } }
                            shouldThrow<IllegalStateException> { g.update { Tally(9, 9) } }
                            shouldThrow<IllegalStateException> { g.set(Tally(9, 9)) }
                            g.lock().write().holdCount shouldBe 1
                            g.lock().read().holdCount shouldBe 0
                            t.x++
                            t.y++
                        }
                        g.read { it.x to it.y } shouldBe (1 to 1)
                    }
                    g.lock().shouldBeFree()
                }
            }
        }

        context("an uncaught nested failure ends the outer block, which releases its hold") {
            withTests(nonReentrantVariants) { v ->
                withActors(1) { (a) ->
                    val g = Guarded.of(0, v.newLock())
                    a.call {
                        shouldThrow<IllegalStateException> { g.write { g.write { it } } }
                        g.lock().holdsHere() shouldBe NO_HOLDS
                    }
                    g.lock().shouldBeFree()
                }
            }
        }

        context("inside write, a reentrant lock re-enters for every call") {
            withTests(reentrantVariants) { v ->
                withActors(1) { (a) ->
                    val g = Guarded.of(Tally(), v.newLock())
                    a.call {
                        g.write { outer ->
                            g.read { it.x } shouldBe 0
                            g.write { inner ->
                                g.lock().write().holdCount shouldBe 2
                                inner.x++
                                inner.y++
                            }
                            g.update { Tally(it.x + 1, it.y + 1) }.x shouldBe 2
                            g.read { it.x } shouldBe 2
                            outer.x shouldBe 1 // the outer block still sees the object it was given
                            g.set(Tally(5, 5))
                            g.lock().write().holdCount shouldBe 1
                        }
                        g.read { it.x } shouldBe 5
                    }
                    g.lock().shouldBeFree()
                }
            }
        }
    }

    context("waiting is uninterruptible, as Lock.lock()") {
        test("an interrupted waiter keeps waiting, enters after the release and keeps its interrupt status") {
            withActors(2) { (w, r) ->
                val g = Guarded.of("v")
                val inside = CountDownLatch(1)
                val release = CountDownLatch(1)
                val write = w.start { g.write { inside.countDown(); release.awaitOpen() } }
                inside.awaitOpen()
                val read = r.start { g.read { it + Thread.currentThread().isInterrupted } }
                awaitQueued(g.lock(), 1)
                r.interrupt()
                g.lock().queueLength shouldBe 1
                release.countDown()
                write.await()
                read.await() shouldBe "vtrue"
                g.lock().shouldBeFree()
            }
        }
    }

    context("identity and toString") {
        test("equality is identity, even for equal values") {
            val value = listOf(1)
            val a = Guarded.of(value)
            val b = Guarded.of(value)
            (a == b).shouldBeFalse()
            (a == a).shouldBeTrue()
            a.hashCode() shouldBe System.identityHashCode(a)
        }

        test("toString shows the lock, never the value") {
            val secret = object {
                override fun toString() = "s3cr3t"
            }
            val g = Guarded.of(secret)
            val text = g.toString()
            text shouldContain "Guarded@"
            text shouldContain g.lock().toString()
            text shouldNotContain "s3cr3t"
        }
    }

    context("the uncontended path allocates nothing beyond the caller's function") {
        val threads = ManagementFactory.getThreadMXBean() as com.sun.management.ThreadMXBean

        /** Bytes allocated by the current thread while running [body]. */
        fun allocatedBy(body: () -> Unit): Long {
            val id = Thread.currentThread().id
            val before = threads.getThreadAllocatedBytes(id)
            body()
            return threads.getThreadAllocatedBytes(id) - before
        }

        val calls = 100_000

        // The functions are made once, outside the loop (SAM constructors): passed as a plain
        // lambda, Kotlin wraps a function for a `Function<? super T, ...>` parameter in a new
        // adapter object on every call, which would be the caller's allocation, not ours.
        test("100,000 read, write, update and set calls allocate nothing") {
            withActors(1) { (a) ->
                val g = Guarded.of(Tally())
                val same = Tally()
                val reader = Function<Tally, Int> { it.x }
                val writer = Function<Tally, Int> { it.y }
                val updater = UnaryOperator<Tally> { it }
                val bytes = a.call {
                    repeat(3) { // warm-up: the thread's read record, class loading, JIT
                        allocatedBy {
                            for (i in 0 until calls) {
                                g.read(reader)
                                g.write(writer)
                            }
                        }
                    }
                    allocatedBy {
                        for (i in 0 until calls) {
                            g.read(reader)
                            g.write(writer)
                            g.update(updater)
                            g.set(same)
                        }
                    }
                }
                withClue("bytes allocated by $calls x 4 uncontended calls") { bytes shouldBeLessThan 64_000L }
                g.lock().shouldBeFree()
            }
        }

        test("the witness can fail: a function that allocates is seen") {
            withActors(1) { (a) ->
                val g = Guarded.of(Tally())
                val bytes = a.call { allocatedBy { for (i in 0 until calls) g.read { IntArray(4) } } }
                bytes shouldBeGreaterThan 64_000L
            }
        }
    }
})
