package io.rwlocker

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.time.Duration
import java.util.concurrent.CountDownLatch

/**
 * KeyedLocks' behaviour per key (DESIGN.md 4.4): different keys in parallel, the same key under
 * its lock's policy, keys by equals/hashCode, duplicates taken once, guards that release exactly
 * once and only on their own thread, null and empty input. Every scenario is driven by latches
 * and bounded waits, and ends with the table empty.
 */
class KeyedLocksSpec : FunSpec({
    timeout = 60_000L
    blockingTest = true

    test("create() makes writer-preferring, non-reentrant per-key locks; create(policy, reentrant) keeps both") {
        val plain = KeyedLocks.create<String>()
        plain.policy() shouldBe Policy.WRITER_PREFERRING
        plain.isReentrantWriter shouldBe false
        for (v in allVariants) {
            val locks = KeyedLocks.create<String>(v.policy, v.reentrant)
            locks.policy() shouldBe v.policy
            locks.isReentrantWriter shouldBe v.reentrant
            locks.write("k").use {
                val lock = locks.lockOfKey("k")!!
                lock.policy() shouldBe v.policy
                lock.isReentrantWriter shouldBe v.reentrant
            }
            locks.shouldBeEmpty()
        }
        shouldThrow<NullPointerException> { KeyedLocks.create<String>(null, false) }.message shouldContain "policy"
    }

    context("different keys proceed in parallel") {
        for (v in allVariants) {
            test("$v: two writers of different keys are inside at the same time") {
                val locks = KeyedLocks.create<String>(v.policy, v.reentrant)
                val bothInside = CountDownLatch(2)
                withActors(2) { (x, y) ->
                    val first = x.start { locks.write("a").use { bothInside.countDown(); bothInside.awaitOpen() } }
                    val second = y.start { locks.write("b").use { bothInside.countDown(); bothInside.awaitOpen() } }
                    first.await()
                    second.await()
                }
                locks.shouldBeEmpty()
            }
        }
        test("a reader and a writer of different keys are inside at the same time (EXCLUSIVE too)") {
            val locks = KeyedLocks.create<Int>(Policy.EXCLUSIVE, false)
            val bothInside = CountDownLatch(2)
            withActors(2) { (x, y) ->
                val first = x.start { locks.read(1).use { bothInside.countDown(); bothInside.awaitOpen() } }
                val second = y.start { locks.write(2).use { bothInside.countDown(); bothInside.awaitOpen() } }
                first.await()
                second.await()
            }
            locks.shouldBeEmpty()
        }
    }

    context("the same key is exclusive for writers") {
        for (v in allVariants) {
            test("$v: a second writer of the key waits until the first leaves; other keys go on") {
                val locks = KeyedLocks.create<String>(v.policy, v.reentrant)
                withActors(3) { (x, y, z) ->
                    val held = x.call { locks.write("a") }
                    val waiting = y.start { locks.write("a") }
                    locks.awaitQueuedOn("a", 1)
                    waiting.isDone shouldBe false
                    locks.usersOf("a") shouldBe 2
                    z.call { locks.write("b").close() } // not blocked by key a
                    locks.size() shouldBe 1
                    x.call { held.close() }
                    val next = waiting.await()
                    locks.lockOfKey("a")!!.isWriteLocked shouldBe true
                    locks.usersOf("a") shouldBe 1
                    y.call { next.close() }
                }
                locks.shouldBeEmpty()
            }
        }
    }

    context("readers of one key share it (all policies but EXCLUSIVE)") {
        for (v in sharedReadVariants) {
            test("$v: two readers of the key are inside at the same time") {
                val locks = KeyedLocks.create<String>(v.policy, v.reentrant)
                val bothInside = CountDownLatch(2)
                withActors(2) { (x, y) ->
                    val first = x.start { locks.read("k").use { bothInside.countDown(); bothInside.awaitOpen() } }
                    val second = y.start { locks.read("k").use { bothInside.countDown(); bothInside.awaitOpen() } }
                    first.await()
                    second.await()
                }
                locks.shouldBeEmpty()
            }
        }
    }

    test("the policy applies per key: writer-preferring keeps a new reader out behind a waiting writer, only on that key") {
        val locks = KeyedLocks.create<String>(Policy.WRITER_PREFERRING, false)
        withActors(4) { (reader, writer, late, other) ->
            val r = reader.call { locks.read("k") }
            val w = writer.start { locks.write("k") }
            locks.awaitQueuedOn("k", 1)
            val lateRead = late.start { locks.read("k") }
            locks.awaitQueuedOn("k", 2) // the late reader queues behind the writer
            other.call { locks.read("j").close() } // another key: no writer waits there
            reader.call { r.close() }
            val wg = w.await()
            lateRead.isDone shouldBe false
            writer.call { wg.close() }
            late.call { lateRead.await().close() }
        }
        locks.shouldBeEmpty()
    }

    test("reader-preferring lets a new reader of a key in while a writer of that key waits") {
        val locks = KeyedLocks.create<String>(Policy.READER_PREFERRING, false)
        withActors(3) { (reader, writer, late) ->
            val r = reader.call { locks.read("k") }
            val w = writer.start { locks.write("k") }
            locks.awaitQueuedOn("k", 1)
            late.call { locks.read("k").close() }
            reader.call { r.close() }
            writer.call { w.await().close() }
        }
        locks.shouldBeEmpty()
    }

    test("keys are compared by equals/hashCode: two spellings of one key share one lock") {
        val locks = KeyedLocks.create<String>()
        val spelled = String(charArrayOf('u', 's', 'e', 'r'))
        withActors(2) { (x, y) ->
            val held = x.call { locks.write("user") }
            val waiting = y.start { locks.write(spelled) }
            locks.awaitQueuedOn("user", 1)
            locks.size() shouldBe 1
            locks.usersOf(spelled) shouldBe 2
            x.call { held.close() }
            y.call { waiting.await().close() }
        }
        locks.shouldBeEmpty()
    }

    test("distinct keys with equal hash codes get distinct locks") {
        val locks = KeyedLocks.create<Colliding>()
        locks.write(Colliding(1)).use {
            locks.write(Colliding(2)).use {
                locks.size() shouldBe 2
                (locks.lockOfKey(Colliding(1)) === locks.lockOfKey(Colliding(2))) shouldBe false
            }
        }
        locks.shouldBeEmpty()
    }

    context("readAll/writeAll take each distinct key once and release them all with one guard") {
        test("duplicates, also equal but not identical keys, are taken once") {
            val locks = KeyedLocks.create<String>()
            val again = String(charArrayOf('a'))
            locks.writeAll(listOf("a", "b", "a", again)).use {
                locks.size() shouldBe 2
                locks.usersOf("a") shouldBe 1
                locks.usersOf("b") shouldBe 1
                locks.lockOfKey("a")!!.write().holdCount shouldBe 1
            }
            locks.shouldBeEmpty()
            locks.readAll(listOf("a", "a")).use {
                locks.lockOfKey("a")!!.read().holdCount shouldBe 1
                locks.usersOf("a") shouldBe 1
            }
            locks.shouldBeEmpty()
        }
        test("writeAll excludes a writer of any of its keys until the guard is closed") {
            val locks = KeyedLocks.create<Int>()
            withActors(3) { (x, y, z) ->
                val all = x.call { locks.writeAll(listOf(1, 2, 3)) }
                val onTwo = y.start { locks.write(2) }
                val onThree = z.start { locks.read(3) }
                locks.awaitQueuedOn(2, 1)
                locks.awaitQueuedOn(3, 1)
                x.call { all.close() }
                y.call { onTwo.await().close() }
                z.call { onThree.await().close() }
            }
            locks.shouldBeEmpty()
        }
        test("readAll shares its keys with other readers") {
            val locks = KeyedLocks.create<Int>()
            withActors(2) { (x, y) ->
                val all = x.call { locks.readAll(setOf(1, 2)) }
                y.call { locks.readAll(listOf(2, 1)).close() }
                x.call { all.close() }
            }
            locks.shouldBeEmpty()
        }
        test("an empty collection gives a guard that does nothing") {
            val locks = KeyedLocks.create<String>()
            locks.readAll(emptyList()).use { locks.size() shouldBe 0 }
            val g = locks.writeAll(emptySet())
            g.close()
            g.close()
            locks.shouldBeEmpty()
        }
    }

    context("a guard releases exactly once, and only on its own thread") {
        test("closing a read guard twice releases one hold, not the thread's other hold of the key") {
            val locks = KeyedLocks.create<String>()
            val outer = locks.read("k")
            val inner = locks.read("k")
            locks.lockOfKey("k")!!.read().holdCount shouldBe 2
            inner.close()
            inner.close()
            locks.lockOfKey("k")!!.read().holdCount shouldBe 1
            locks.usersOf("k") shouldBe 1
            outer.close()
            locks.shouldBeEmpty()
        }
        test("closing a write guard or a multi-key guard twice does nothing the second time") {
            val locks = KeyedLocks.create<String>(Policy.FAIR, true)
            val outer = locks.write("k")
            val inner = locks.write("k")
            inner.close()
            inner.close()
            locks.lockOfKey("k")!!.write().holdCount shouldBe 1
            outer.close()
            val all = locks.writeAll(listOf("x", "y"))
            all.close()
            all.close()
            locks.shouldBeEmpty()
        }
        test("a guard closed by another thread throws IllegalMonitorStateException and releases nothing") {
            val locks = KeyedLocks.create<String>()
            withActors(1) { (x) ->
                val single = x.call { locks.write("k") }
                val multi = x.call { locks.readAll(listOf("a", "b")) }
                shouldThrow<IllegalMonitorStateException> { single.close() }
                shouldThrow<IllegalMonitorStateException> { multi.close() }
                locks.size() shouldBe 3
                locks.lockOfKey("k")!!.isWriteLocked shouldBe true
                locks.lockOfKey("a")!!.readLockCount shouldBe 1
                x.call { single.close(); multi.close() }
            }
            locks.shouldBeEmpty()
        }
    }

    context("null input is a NullPointerException and takes nothing") {
        val locks = KeyedLocks.create<String?>()
        test("null key") {
            shouldThrow<NullPointerException> { locks.read(null) }.message shouldContain "key"
            shouldThrow<NullPointerException> { locks.write(null) }.message shouldContain "key"
            shouldThrow<NullPointerException> { locks.tryRead(null, Duration.ofSeconds(1)) }.message shouldContain "key"
            shouldThrow<NullPointerException> { locks.tryWrite(null, Duration.ofSeconds(1)) }.message shouldContain "key"
            locks.shouldBeEmpty()
        }
        test("null timeout") {
            shouldThrow<NullPointerException> { locks.tryRead("k", null) }.message shouldContain "timeout"
            shouldThrow<NullPointerException> { locks.tryWrite("k", null) }.message shouldContain "timeout"
            locks.shouldBeEmpty()
        }
        test("null collection, or a collection containing null (nothing of the others is taken)") {
            shouldThrow<NullPointerException> { locks.readAll(null) }.message shouldContain "keys"
            shouldThrow<NullPointerException> { locks.writeAll(null) }.message shouldContain "keys"
            shouldThrow<NullPointerException> { locks.readAll(listOf("a", null, "b")) }
            shouldThrow<NullPointerException> { locks.writeAll(listOf("a", "b", null)) }
            locks.shouldBeEmpty()
        }
    }

    test("toString shows the settings and the number of keys") {
        val locks = KeyedLocks.create<String>(Policy.FAIR, true)
        locks.write("k").use { locks.toString() shouldBe "KeyedLocks[FAIR, reentrant writer, keys = 1]" }
        locks.toString() shouldBe "KeyedLocks[FAIR, reentrant writer, keys = 0]"
    }
})
