package io.rwlocker.fifo

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.nulls.shouldBeNull
import io.kotest.matchers.nulls.shouldNotBeNull
import io.kotest.matchers.shouldBe
import io.kotest.matchers.shouldNotBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.types.shouldBeInstanceOf
import io.kotest.matchers.types.shouldBeSameInstanceAs
import io.rwlocker.FifoLock
import io.rwlocker.Guard
import io.rwlocker.Holds
import io.rwlocker.Mode
import io.rwlocker.Modes
import java.io.IOException
import java.time.Duration
import java.util.concurrent.atomic.AtomicReference

/** A mode compared by value: two equal instances share one count. */
private data class Named(val name: String) : Mode {
    override fun isCompatible(holds: Holds): Boolean = holds.count(this) < 2
}

/** What the lock looks like from outside, for the given modes: holds per mode, then the queue length. */
private fun FifoLock.snapshot(vararg modes: Mode): List<Int> = modes.map { holds(it) } + queueLength()

/**
 * Bad input and misuse (DESIGN.md 4.4 and 4.2): a clear exception, and the lock state untouched
 * (checked after every row); a mode that throws fails only its own request; built-in modes,
 * introspection and owner-less guards.
 */
class FifoMisuseSpec : FunSpec({
    timeout = 60_000L
    blockingTest = true

    val read = Modes.read()
    val write = Modes.write()
    val mutex = Modes.mutex()

    /** A lock with one read holder and a write queued behind it (a busy state to keep untouched). */
    fun busyLock(body: (FifoLock, Scenario) -> Unit) {
        val lock = FifoLock()
        val s = Scenario(listOf(read, write))
        try {
            s.start(lock, read)
            s.start(lock, write)
            s.expect(true, false)
            body(lock, s)
            s.tasks[0].complete()
            s.expect(true, true)
            s.tasks[1].complete()
            s.tasks[1].awaitOutcome() shouldBe "completed"
            lock.shouldBeIdle(read, write)
        } finally {
            s.endAll()
        }
    }

    context("null arguments: NullPointerException naming the argument, state untouched") {
        val calls: List<Pair<String, (FifoLock) -> Any?>> = listOf(
            "acquire(null)" to { l -> l.acquire(null) },
            "acquireInterruptibly(null)" to { l -> l.acquireInterruptibly(null) },
            "tryAcquire(null)" to { l -> l.tryAcquire(null) },
            "tryAcquire(null, 1 s)" to { l -> l.tryAcquire(null, Duration.ofSeconds(1)) },
            "tryAcquire(null, ZERO)" to { l -> l.tryAcquire(null, Duration.ZERO) },
            "holds(null)" to { l -> l.holds(null) },
        )
        for ((name, call) in calls) {
            test("$name on a free and on a busy lock") {
                val free = FifoLock()
                shouldThrow<NullPointerException> { call(free) }.message shouldBe "mode"
                free.shouldBeIdle(read, write)
                busyLock { lock, _ ->
                    val before = lock.snapshot(read, write)
                    shouldThrow<NullPointerException> { call(lock) }.message shouldBe "mode"
                    lock.snapshot(read, write) shouldBe before
                }
            }
        }
        test("tryAcquire(mode, null)") {
            busyLock { lock, _ ->
                val before = lock.snapshot(read, write)
                shouldThrow<NullPointerException> { lock.tryAcquire(read, null) }.message shouldBe "timeout"
                lock.snapshot(read, write) shouldBe before
            }
            val free = FifoLock()
            shouldThrow<NullPointerException> { free.tryAcquire(read, null) }.message shouldBe "timeout"
            free.shouldBeIdle(read, write)
        }
    }

    test("semaphore(n) with n < 1: IllegalArgumentException") {
        for (n in listOf(0, -1, Int.MIN_VALUE)) {
            shouldThrow<IllegalArgumentException> { Modes.semaphore(n) }.message shouldContain "$n"
        }
        Modes.semaphore(1).shouldNotBeNull()
    }

    context("a mode that throws when the requester evaluates it: the requester gets it, nothing changes") {
        val boom = IllegalStateException("mode failed")
        val throwing = Mode { throw boom }
        val calls: List<Pair<String, (FifoLock) -> Guard?>> = listOf(
            "acquire" to { l -> l.acquire(throwing) },
            "acquireInterruptibly" to { l -> l.acquireInterruptibly(throwing) },
            "tryAcquire" to { l -> l.tryAcquire(throwing) },
            "tryAcquire(1 s)" to { l -> l.tryAcquire(throwing, Duration.ofSeconds(1)) },
            "tryAcquire(ZERO)" to { l -> l.tryAcquire(throwing, Duration.ZERO) },
        )
        for ((name, call) in calls) {
            test(name) {
                val lock = FifoLock()
                val held = lock.acquire(read)
                shouldThrow<IllegalStateException> { call(lock) } shouldBeSameInstanceAs boom
                lock.snapshot(read, write) shouldBe listOf(1, 0, 0)
                held.close()
                lock.acquire(write).close() // the lock goes on
                lock.shouldBeIdle(read, write)
            }
        }
        test("tryAcquire with requests in line does not evaluate the mode (it never overtakes)") {
            busyLock { lock, _ ->
                lock.tryAcquire(throwing).shouldBeNull()
                lock.tryAcquire(throwing, Duration.ZERO).shouldBeNull()
                lock.snapshot(read, write) shouldBe listOf(1, 0, 1)
            }
        }
    }

    context("a queued mode that throws when a releasing thread evaluates it") {
        val acquires: List<Pair<String, (FifoLock, Mode) -> Guard?>> = listOf(
            "acquire" to { l, m -> l.acquire(m) },
            "acquireInterruptibly" to { l, m -> l.acquireInterruptibly(m) },
            "tryAcquire(10 s)" to { l, m -> l.tryAcquire(m, Duration.ofSeconds(FIFO_BOUND_SECONDS)) },
        )
        for ((name, acquire) in acquires) {
            test("$name: the requester gets the exception, the releaser's close() does not, the next request enters") {
                val lock = FifoLock()
                val boom = IOException("checked, thrown by a mode")
                val failsWhenFree = Mode { holds -> if (holds.total() > 0) false else throw boom }
                val s = Scenario(listOf(read, write, failsWhenFree))
                try {
                    val w = s.start(lock, write)
                    val failing = s.start(lock, failsWhenFree, acquire = acquire)
                    val r = s.start(lock, read)
                    s.expect(true, false, false)
                    w.complete() // its close() evaluates the head: it must not throw there
                    w.awaitOutcome() shouldBe "completed"
                    failing.awaitOutcome() shouldBeSameInstanceAs boom
                    s.expect(true, false, true)
                    lock.snapshot(read, write) shouldBe listOf(1, 0, 0)
                    r.complete()
                    r.awaitOutcome() shouldBe "completed"
                    lock.shouldBeIdle(read, write, failsWhenFree)
                } finally {
                    s.endAll()
                }
            }
        }

        test("evaluated by a thread leaving the line: the exception goes to its requester, the leaver gets its own") {
            val lock = FifoLock()
            val boom = AssertionError("an Error from a mode")
            val failsWithoutWriters = Mode { holds -> if (holds.count(write) > 0) false else throw boom }
            val s = Scenario(listOf(read, write))
            try {
                val r1 = s.start(lock, read)
                val w = s.start(lock, write) // head of the line, interrupted below
                val failing = s.start(lock, failsWithoutWriters) // queued: not evaluated on arrival
                val r2 = s.start(lock, read)
                s.expect(true, false, false, false)
                w.cancel() // leaves the line; its admission pass evaluates the failing head
                w.awaitOutcome().shouldBeInstanceOf<InterruptedException>()
                failing.awaitOutcome() shouldBeSameInstanceAs boom
                s.expect(true, false, false, true)
                lock.snapshot(read, write) shouldBe listOf(2, 0, 0)
                r1.complete(); r2.complete()
                r2.awaitOutcome() shouldBe "completed"
                lock.shouldBeIdle(read, write)
            } finally {
                s.endAll()
            }
        }

        test("evaluated by a releasing holder inside its own hold's interrupt: the releaser sees nothing") {
            val lock = FifoLock()
            val boom = AssertionError("an Error from a mode")
            val failsWithoutWriters = Mode { holds -> if (holds.count(write) > 0) false else throw boom }
            val s = Scenario(listOf(read, write))
            try {
                val w = s.start(lock, write)
                val failing = s.start(lock, failsWithoutWriters)
                val r = s.start(lock, read)
                s.expect(true, false, false)
                w.cancel() // interrupted inside its hold: its release evaluates the failing head
                w.awaitOutcome().shouldBeInstanceOf<InterruptedException>()
                failing.awaitOutcome() shouldBeSameInstanceAs boom
                s.expect(true, false, true)
                r.complete()
                r.awaitOutcome() shouldBe "completed"
                lock.shouldBeIdle(read, write)
            } finally {
                s.endAll()
            }
        }
    }

    test("Holds kept after isCompatible returned: a past state, or IllegalStateException") {
        val lock = FifoLock()
        val kept = AtomicReference<Holds>()
        val spy = Mode { holds -> kept.set(holds); true }
        // Idle lock: evaluated on the lock-free path against an immutable snapshot.
        val first = lock.acquire(spy)
        kept.get().total() shouldBe 0
        first.close()
        // A second mode held: evaluated under the internal lock against the live table.
        val other = lock.acquire(read)
        lock.acquire(spy).close()
        shouldThrow<IllegalStateException> { kept.get().count(read) }
        shouldThrow<IllegalStateException> { kept.get().total() }
        other.close()
        lock.shouldBeIdle(spy, read)
    }

    test("count(null) inside isCompatible: the requester gets the NullPointerException") {
        val lock = FifoLock()
        val bad = Mode { holds -> holds.count(null) == 0 }
        shouldThrow<NullPointerException> { lock.acquire(bad) }.message shouldBe "mode"
        lock.shouldBeIdle(bad)
    }

    test("acquiring or releasing the same lock inside isCompatible under its internal lock: IllegalStateException, state untouched") {
        val lock = FifoLock()
        val held = lock.acquire(write) // a mode other than the request's: evaluated under the internal lock
        val reentrant = Mode { _ -> lock.tryAcquire(read) == null }
        shouldThrow<IllegalStateException> { lock.acquire(reentrant) }.message shouldContain "isCompatible"
        lock.snapshot(read, write, reentrant) shouldBe listOf(0, 1, 0, 0)

        val closing = Mode { _ -> held.close(); true }
        shouldThrow<IllegalStateException> { lock.acquire(closing) }
        lock.snapshot(read, write, closing) shouldBe listOf(0, 1, 0, 0) // the guard stayed open
        held.close()
        lock.shouldBeIdle(read, write, reentrant, closing)
    }

    test("modes are counted by equals: equal mode objects share one count") {
        val lock = FifoLock()
        val a = lock.acquire(Named("x"))
        val b = lock.acquire(Named("x"))
        lock.holds(Named("x")) shouldBe 2
        lock.tryAcquire(Named("x")).shouldBeNull() // at most 2 of "x"
        lock.tryAcquire(Named("y")).shouldNotBeNull().close()
        a.close()
        lock.holds(Named("x")) shouldBe 1
        b.close()
        lock.shouldBeIdle(Named("x"), Named("y"))
    }

    test("built-in modes: read/write/mutex are shared objects, every semaphore is a new pool") {
        Modes.read() shouldBeSameInstanceAs Modes.read()
        Modes.write() shouldBeSameInstanceAs Modes.write()
        Modes.mutex() shouldBeSameInstanceAs Modes.mutex()
        val one = Modes.semaphore(1)
        val other = Modes.semaphore(1)
        one shouldNotBe other
        val lock = FifoLock()
        val a = lock.tryAcquire(one).shouldNotBeNull()
        val b = lock.tryAcquire(other).shouldNotBeNull() // an independent pool
        lock.tryAcquire(one).shouldBeNull()
        a.close(); b.close()
        lock.shouldBeIdle(one, other)
    }

    test("mutex() is compatible only with no holders, and no built-in mode joins a mutex holder") {
        val lock = FifoLock()
        val pool = Modes.semaphore(3)
        for (other in listOf(read, write, pool, Named("z"))) {
            val held = lock.acquire(other)
            lock.tryAcquire(mutex).shouldBeNull()
            held.close()
        }
        val m = lock.acquire(mutex)
        lock.tryAcquire(mutex).shouldBeNull()
        lock.tryAcquire(read).shouldBeNull()
        lock.tryAcquire(write).shouldBeNull()
        lock.tryAcquire(pool).shouldBeNull()
        m.close()
        lock.shouldBeIdle(mutex, read, write, pool)
    }

    test("toString shows the holders per mode and the queue length") {
        busyLock { lock, _ ->
            lock.toString() shouldBe "FifoLock[holders: read=1; queued = 1]"
        }
        FifoLock().toString() shouldBe "FifoLock[holders: none; queued = 0]"
    }
})
