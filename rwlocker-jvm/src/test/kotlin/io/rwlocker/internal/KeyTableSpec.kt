package io.rwlocker.internal

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldContainExactly
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.types.shouldBeSameInstanceAs
import io.kotest.matchers.types.shouldNotBeSameInstanceAs
import io.rwlocker.Colliding
import io.rwlocker.Policy

/**
 * White-box checks of the table behind KeyedLocks: entries retained and released, the global
 * order of KeyOrder (stable across argument orders, distinct keys with equal hashes separated,
 * duplicates folded), idle entries kept and revived, the bounded sweep, and the reuse of swept
 * locks (SpareLocks): only idle locks, for a bounded tenure, without keeping old keys reachable.
 */
class KeyTableSpec : FunSpec({
    test("enter creates an entry with one user, retains it for equal keys, and the last leave leaves it idle") {
        val table = KeyTable(Policy.WRITER_PREFERRING, false)
        val first = table.enter("k")
        first.users() shouldBe 1
        val second = table.enter(String(charArrayOf('k')))
        second shouldBeSameInstanceAs first
        first.users() shouldBe 2
        table.leave(second)
        table.size() shouldBe 1
        table.leave(first)
        first.users() shouldBe 0
        table.size() shouldBe 0
        table.peek("k") shouldBe null
        table.entryCount() shouldBe 1 // idle, kept for the next user
        // an idle entry is revived by the next user of the key
        val third = table.enter("k")
        third shouldBeSameInstanceAs first
        third.users() shouldBe 1
        table.size() shouldBe 1
        table.leave(third)
        // a swept entry is dead and never revived: the next user gets a new entry
        table.sweep()
        table.entryCount() shouldBe 0
        val fourth = table.enter("k")
        fourth shouldNotBeSameInstanceAs first
        first.kill() shouldBe false
        table.leave(fourth)
    }

    test("a dead entry stays dead under any number of late retains; a release without a retain throws and changes nothing") {
        val table = KeyTable(Policy.WRITER_PREFERRING, false)
        val entry = table.enter("k")
        shouldThrow<IllegalStateException> { entry.release(); entry.release() } // the second one has no retain
        entry.users() shouldBe 0
        entry.isIdle() shouldBe true
        entry.kill() shouldBe true
        repeat(10_000) { entry.retain() shouldBe false } // late finders add and back off
        entry.users() shouldBe 0
        entry.isIdle() shouldBe false
        entry.kill() shouldBe false
        entry.toString() shouldContain "dead"
        // the table gives the next user a new, live entry
        table.sweep()
        val next = table.enter("k")
        next shouldNotBeSameInstanceAs entry
        next.users() shouldBe 1
        table.leave(next)
        table.size() shouldBe 0
    }

    test("the sweep removes idle entries only, and an insertion above the bound sweeps") {
        val table = KeyTable(Policy.WRITER_PREFERRING, false, 8)
        val held = (0 until 3).map { table.enter("live$it") }
        (0 until 5).forEach { table.leave(table.enter("idle$it")) }
        table.entryCount() shouldBe 8
        table.size() shouldBe 3
        // the next insertion finds 9 > 8 entries and sweeps the 5 idle ones (not the live ones)
        val newcomer = table.enter("new")
        table.entryCount() shouldBe 4
        table.size() shouldBe 4
        held.forEach { table.peek(it.key()) shouldBeSameInstanceAs it }
        table.leave(newcomer)
        held.forEach { table.leave(it) }
        table.size() shouldBe 0
        // bounded: however many distinct keys pass through, the map stays within bound + 2 x live
        var peak = 0
        for (i in 0 until 10_000) {
            table.leave(table.enter(i))
            peak = maxOf(peak, table.entryCount())
        }
        (peak <= 8 + 1 + 2 * 4) shouldBe true
        table.size() shouldBe 0
    }

    test("a sweep and a reviving user race on one idle entry: exactly one wins") {
        val table = KeyTable(Policy.WRITER_PREFERRING, false, 1)
        repeat(2_000) { round ->
            val entry = table.enter(round)
            table.leave(entry)
            val start = java.util.concurrent.CyclicBarrier(2)
            var revived: KeyEntry? = null
            val reviver = Thread {
                start.await()
                revived = table.enter(round)
            }
            reviver.start()
            start.await()
            table.sweep()
            reviver.join(10_000)
            reviver.isAlive shouldBe false
            val got = revived!!
            got.users() shouldBe 1
            table.peek(round) shouldBeSameInstanceAs got
            if (got === entry) entry.isIdle() shouldBe false else entry.users() shouldBe 0
            table.leave(got)
            table.sweep()
            table.entryCount() shouldBe 0
        }
    }

    test("enterAll: one order for every argument order, equal hashes broken by tie-breakers, duplicates once") {
        val table = KeyTable(Policy.WRITER_PREFERRING, false)
        val keys = listOf(Colliding(3), "x", Colliding(1), Colliding(2), "Aa", "BB")
        val orders = listOf(keys, keys.reversed(), keys.shuffled(kotlin.random.Random(7)), keys + keys)
        val seen = orders.map { order ->
            val entries = table.enterAll(order)
            entries.size shouldBe 6
            entries.forEach { it.users() shouldBe 1 } // duplicates gave their extra retain back
            val result = entries.map { it.key() }
            table.leaveAll(entries)
            table.size() shouldBe 0
            result
        }
        // not the same entries each time (they died in between), but hash order, and ties broken
        // consistently within one acquisition: check the hashes are ascending
        seen.forEach { order -> order.map { it.hashCode() }.zipWithNext().forEach { (a, b) -> (a <= b) shouldBe true } }
        // while the entries live, every argument order gives the very same sequence
        val pinned = table.enterAll(keys)
        val again = orders.map { order -> table.enterAll(order).also { table.leaveAll(it) }.toList() }
        again.forEach { it shouldContainExactly pinned.toList() }
        table.leaveAll(pinned)
        table.size() shouldBe 0
    }

    test("a dead entry's idle lock serves the next new key, and the pool does not keep the old key") {
        val table = KeyTable(Policy.FAIR, true)
        val a = table.enter("a")
        val lock = a.lock()
        table.leave(a)
        table.sweep()
        a.key shouldBe null
        val b = table.enter("b")
        b.lock() shouldBeSameInstanceAs lock
        b.tenure shouldBe 2
        b.key() shouldBe "b"
        table.leave(b)
    }

    test("a lock that is still held when its entry dies is not reused") {
        val table = KeyTable(Policy.WRITER_PREFERRING, false)
        val a = table.enter("a")
        val stray = a.lock()
        stray.write().lock() // as a coroutine granted at the instant it was cancelled, before its give-back
        table.leave(a)
        table.sweep()
        val b = table.enter("b")
        b.lock() shouldNotBeSameInstanceAs stray
        b.lock().write().tryLock() shouldBe true // a fresh, free lock
        b.lock().write().unlock()
        table.leave(b)
        stray.write().unlock()
    }

    test("a lock is retired after MAX_TENURE entries") {
        val table = KeyTable(Policy.WRITER_PREFERRING, false)
        val first = table.enter(0)
        val lock = first.lock()
        table.leave(first)
        table.sweep()
        for (i in 1 until SpareLocks.MAX_TENURE) {
            val entry = table.enter(i)
            entry.lock() shouldBeSameInstanceAs lock
            entry.tenure shouldBe i + 1
            table.leave(entry)
            table.sweep()
        }
        val next = table.enter(-1)
        next.lock() shouldNotBeSameInstanceAs lock
        next.tenure shouldBe 1
        table.leave(next)
    }
})
