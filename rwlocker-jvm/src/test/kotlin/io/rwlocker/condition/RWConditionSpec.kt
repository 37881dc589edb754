package io.rwlocker.condition

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.booleans.shouldBeFalse
import io.kotest.matchers.booleans.shouldBeTrue
import io.kotest.matchers.collections.shouldContainExactly
import io.kotest.matchers.collections.shouldContainExactlyInAnyOrder
import io.kotest.matchers.comparables.shouldBeGreaterThanOrEqualTo
import io.kotest.matchers.longs.shouldBeLessThanOrEqual
import io.kotest.matchers.shouldBe
import io.kotest.matchers.types.shouldBeInstanceOf
import io.kotest.matchers.types.shouldBeSameInstanceAs
import io.rwlocker.Policy
import io.rwlocker.RWCondition
import io.rwlocker.RWLock
import java.time.Duration
import java.util.Collections
import java.util.Date
import java.util.concurrent.CountDownLatch
import java.util.concurrent.CyclicBarrier
import java.util.concurrent.TimeUnit
import java.util.concurrent.TimeUnit.MILLISECONDS
import java.util.concurrent.TimeUnit.SECONDS
import java.util.concurrent.atomic.AtomicBoolean
import java.util.concurrent.atomic.AtomicInteger
import java.util.concurrent.atomic.AtomicReference
import java.util.concurrent.locks.Condition
import java.util.concurrent.locks.LockSupport

/** The ways a thread can wait on an [RWCondition]; each is bounded at 10 s where the method allows. */
internal enum class AwaitKind {
    AWAIT, UNINTERRUPTIBLY, NANOS, TIMED, UNTIL, WAIT_FOR, WAIT_FOR_TIMEOUT;

    /** Waits on [condition] (until [ready] for the predicate forms); returns whether it reports a signal. */
    fun await(condition: RWCondition, ready: () -> Boolean): Boolean = when (this) {
        AWAIT -> {
            condition.await(); true
        }
        UNINTERRUPTIBLY -> {
            condition.awaitUninterruptibly(); true
        }
        NANOS -> condition.awaitNanos(SECONDS.toNanos(10)) > 0
        TIMED -> condition.await(10, SECONDS)
        UNTIL -> condition.awaitUntil(Date(System.currentTimeMillis() + 10_000))
        WAIT_FOR -> {
            condition.waitFor { ready() }; true
        }
        WAIT_FOR_TIMEOUT -> condition.waitFor({ ready() }, Duration.ofSeconds(10))
    }
}

/** How an await ends in the exit-path scenarios. */
private enum class Exit { SIGNAL, TIMEOUT, INTERRUPT, SPURIOUS_WAKEUP, INTERRUPT_WHILE_UNINTERRUPTIBLE }

/**
 * Whether [thread] is parked (WAITING or TIMED_WAITING) with [blocker] as its blocker. Condition
 * waiters park with the lock as their blocker (DESIGN.md 4.5), like threads waiting to acquire: a
 * test tells the two apart by the condition's queue.
 */
private fun parkedOn(thread: Thread, blocker: Any): Boolean {
    val state = thread.state
    return (state == Thread.State.WAITING || state == Thread.State.TIMED_WAITING) &&
        LockSupport.getBlocker(thread) === blocker
}

/**
 * The contract of [RWCondition] (DESIGN.md 4.3): every [Condition] method plus `signal(n)` and
 * predicate waits, under the read or the write lock of every policy; all holds released and
 * restored exactly on every exit path; FIFO `signal(n)`; misuse and bad input.
 */
class RWConditionSpec : FunSpec({
    timeout = 120_000
    blockingTest = true

    test("newCondition returns an RWCondition of this lock, from the lock and from both sides") {
        val lock = RWLock.fair()
        val plain: Condition = lock.newCondition()
        val fromLock = plain.shouldBeInstanceOf<RWCondition>()
        fromLock.lock() shouldBeSameInstanceAs lock
        lock.read().newCondition().lock() shouldBeSameInstanceAs lock
        lock.write().newCondition().lock() shouldBeSameInstanceAs lock
        (lock.newCondition() === fromLock) shouldBe false
        fromLock.waitQueueLength shouldBe 0
        fromLock.hasWaiters() shouldBe false
    }

    // ------------------------------------------------------------------ every method, side, policy

    for (policy in Policy.entries) {
        for (kind in AwaitKind.entries) {
            test("$policy: $kind under read and write, signalled by a reader and by a writer") {
                var variant = 0
                for (waiterShape in listOf(HoldShape.READ_1, HoldShape.WRITE_1)) {
                    for (signallerWrites in listOf(false, true)) {
                        val lock = lockOf(policy)
                        val condition = lock.newCondition()
                        val ready = AtomicBoolean(false)
                        val waiter = startThread("waiter-$policy-$kind-$waiterShape") {
                            waiterShape.acquire(lock)
                            try {
                                kind.await(condition) { ready.get() } shouldBe true
                                ready.get() shouldBe true
                                lock.myHolds() shouldBe (waiterShape.writeHolds to waiterShape.readHolds)
                            } finally {
                                waiterShape.release(lock)
                            }
                        }
                        // Enqueued first, then its hold released: wait for both.
                        eventually("the waiter waits on the condition, its hold released") {
                            condition.waitQueueLength == 1 && !lock.isWriteLocked && lock.readLockCount == 0
                        }
                        val side = if (signallerWrites) lock.write() else lock.read()
                        side.tryLock(BOUND_MS, MILLISECONDS) shouldBe true
                        try {
                            // The waiter released its hold: the signaller is alone in the lock.
                            lock.isWriteLocked shouldBe signallerWrites
                            lock.readLockCount shouldBe (if (signallerWrites) 0 else 1)
                            ready.set(true)
                            when (variant++ % 4) {
                                0 -> condition.signal()
                                1 -> condition.signalAll()
                                2 -> condition.signal(1) shouldBe 1
                                else -> condition.signal(5) shouldBe 1
                            }
                            condition.waitQueueLength shouldBe 0
                        } finally {
                            side.unlock()
                        }
                        waiter.join()
                        lock.shouldBeClean(condition)
                    }
                }
            }
        }
    }

    // ------------------------------------------------------------------ holds on every exit path

    for (shape in HoldShape.entries) {
        for (exit in Exit.entries) {
            test("$shape: await releases every hold and restores exactly them after $exit (all policies)") {
                for (policy in Policy.entries) {
                    withClue("policy $policy") {
                        exitScenario(lockOf(policy, shape.reentrant), shape, exit)
                    }
                }
            }
        }
    }

    test("a timed-out waiter re-acquires through the policy: behind a queued writer, before returning false") {
        val lock = RWLock.writerPreferring()
        val condition = lock.newCondition()
        val waiterHolds = CountDownLatch(1)
        val go = CountDownLatch(1)
        val writerIn = AtomicBoolean(false)
        val order = Collections.synchronizedList(mutableListOf<String>())
        val waiter = startThread("timed-waiter") {
            lock.read().lock()
            try {
                waiterHolds.countDown()
                go.await(BOUND_MS, MILLISECONDS) shouldBe true
                condition.await(30, MILLISECONDS) shouldBe false
                order += "waiter"
                writerIn.get() shouldBe true
                HoldShape.READ_1.shouldBeHeldAlone(lock)
            } finally {
                lock.read().unlock()
            }
        }
        waiterHolds.await(BOUND_MS, MILLISECONDS) shouldBe true
        lock.read().tryLock(BOUND_MS, MILLISECONDS) shouldBe true // main: a second reader
        val writer: TestThread
        try {
            writer = startThread("writer") {
                lock.write().tryLock(BOUND_MS, MILLISECONDS) shouldBe true
                order += "writer"
                writerIn.set(true)
                lock.write().unlock()
            }
            eventually("the writer queues") { lock.queueLength == 1 }
            go.countDown()
            // The waiter released its read, timed out and queued to re-acquire: behind the writer,
            // since main's read hold keeps the writer out and a waiting writer keeps readers out.
            eventually("the timed-out waiter queues behind the writer") {
                lock.queueLength == 2 && condition.waitQueueLength == 0
            }
            waiter.isDone shouldBe false
            lock.readLockCount shouldBe 1
        } finally {
            lock.read().unlock()
        }
        writer.join()
        waiter.join()
        order shouldContainExactly listOf("writer", "waiter")
        lock.shouldBeClean(condition)
    }

    // ------------------------------------------------------------------ re-entry through the policy

    for (policy in Policy.entries.filter { it != Policy.EXCLUSIVE }) {
        for (signallerWrites in listOf(true, false)) {
            val by = if (signallerWrites) "a writer" else "a reader"
            test("$policy: readers woken by signalAll from $by re-enter together (they all hold read at once)") {
                val n = 4
                val lock = lockOf(policy)
                val condition = lock.newCondition()
                val allIn = CyclicBarrier(n)
                val counted = CyclicBarrier(n + 1) // the main thread too: readers hold until it checked
                val seen = Collections.synchronizedList(mutableListOf<Int>())
                val readers = (0 until n).map { i ->
                    startThread("reader-$i") {
                        lock.read().lock()
                        try {
                            condition.await(BOUND_MS, MILLISECONDS) shouldBe true
                            // Reached only if all n readers hold the read lock simultaneously.
                            allIn.await(BOUND_MS, MILLISECONDS)
                            seen += lock.readLockCount
                            counted.await(BOUND_MS, MILLISECONDS)
                            lock.read().holdCount shouldBe 1
                        } finally {
                            lock.read().unlock()
                        }
                    }
                }
                // A waiter is queued on the condition before it gives its read hold back (await
                // enqueues, then releases), so wait for both: the last reader may be in between.
                eventually("$n readers wait on the condition, holding nothing") {
                    condition.waitQueueLength == n && lock.readLockCount == 0
                }
                val side = if (signallerWrites) lock.write() else lock.read()
                side.tryLock(BOUND_MS, MILLISECONDS) shouldBe true
                try {
                    condition.signalAll()
                    condition.waitQueueLength shouldBe 0
                    if (signallerWrites) {
                        // Moved to the lock queue, admitted as one reader phase when the writer leaves.
                        lock.queueLength shouldBe n
                        lock.readLockCount shouldBe 0
                    } else {
                        // Admitted at once beside the signalling reader.
                        lock.queueLength shouldBe 0
                        lock.readLockCount shouldBe n + 1
                    }
                } finally {
                    side.unlock()
                }
                counted.await(BOUND_MS, MILLISECONDS)
                readers.forEach { it.join() }
                seen.size shouldBe n
                seen.forEach { it shouldBeGreaterThanOrEqualTo n }
                lock.shouldBeClean(condition)
            }
        }
    }

    test("EXCLUSIVE: readers woken by signalAll re-enter one at a time, in FIFO order") {
        for (signallerWrites in listOf(true, false)) {
            val n = 4
            val lock = RWLock.exclusive()
            val condition = lock.newCondition()
            val order = Collections.synchronizedList(mutableListOf<Int>())
            val readers = (0 until n).map { i ->
                startThread("reader-$i") {
                    lock.read().lock()
                    try {
                        condition.await()
                        lock.readLockCount shouldBe 1
                        order += i
                    } finally {
                        lock.read().unlock()
                    }
                }.also { val queued = i + 1; eventually("reader $i waits") { condition.waitQueueLength == queued } }
            }
            val side = if (signallerWrites) lock.write() else lock.read()
            side.tryLock(BOUND_MS, MILLISECONDS) shouldBe true
            try {
                condition.signalAll()
                condition.waitQueueLength shouldBe 0
                lock.queueLength shouldBe n
            } finally {
                side.unlock()
            }
            readers.forEach { it.join() }
            order shouldContainExactly (0 until n).toList()
            lock.shouldBeClean(condition)
        }
    }

    test("re-acquisition goes through the policy: a signalled reader does not overtake a queued writer (WRITER_PREFERRING)") {
        val lock = RWLock.writerPreferring()
        val condition = lock.newCondition()
        val order = Collections.synchronizedList(mutableListOf<String>())
        val reader = startThread("reader") {
            lock.read().lock()
            try {
                condition.await()
                order += "reader"
            } finally {
                lock.read().unlock()
            }
        }
        eventually("the reader waits, holding nothing") { condition.waitQueueLength == 1 && lock.readLockCount == 0 }
        lock.read().tryLock(BOUND_MS, MILLISECONDS) shouldBe true
        val writer: TestThread
        try {
            writer = startThread("writer") {
                lock.write().tryLock(BOUND_MS, MILLISECONDS) shouldBe true
                order += "writer"
                lock.write().unlock()
            }
            eventually("the writer queues") { lock.queueLength == 1 }
            condition.signal(1) shouldBe 1
            lock.queueLength shouldBe 2 // the reader queued behind the writer, not admitted
            lock.readLockCount shouldBe 1
        } finally {
            lock.read().unlock()
        }
        writer.join()
        reader.join()
        order shouldContainExactly listOf("writer", "reader")
        lock.shouldBeClean(condition)
    }

    test("re-acquisition goes through the policy: a signalled reader enters beside readers while a writer waits (READER_PREFERRING)") {
        val lock = RWLock.readerPreferring()
        val condition = lock.newCondition()
        val readerIn = CountDownLatch(1)
        val release = CountDownLatch(1)
        val reader = startThread("reader") {
            lock.read().lock()
            try {
                condition.await()
                readerIn.countDown()
                release.await(BOUND_MS, MILLISECONDS) shouldBe true
            } finally {
                lock.read().unlock()
            }
        }
        eventually("the reader waits, holding nothing") { condition.waitQueueLength == 1 && lock.readLockCount == 0 }
        lock.read().tryLock(BOUND_MS, MILLISECONDS) shouldBe true
        val writer: TestThread
        try {
            writer = startThread("writer") {
                lock.write().tryLock(BOUND_MS, MILLISECONDS) shouldBe true
                lock.write().unlock()
            }
            eventually("the writer queues") { lock.queueLength == 1 }
            condition.signal(1) shouldBe 1
            lock.readLockCount shouldBe 2 // admitted at once beside main
            readerIn.await(BOUND_MS, MILLISECONDS) shouldBe true // while main still holds read
            lock.queueLength shouldBe 1
        } finally {
            lock.read().unlock()
            release.countDown()
        }
        writer.join()
        reader.join()
        lock.shouldBeClean(condition)
    }

    // ------------------------------------------------------------------ signal(n)

    test("signal(n) wakes exactly min(n, waiters) in FIFO order and returns that number; n <= 0 wakes none") {
        for (policy in Policy.entries) {
            withClue("policy $policy") {
                val lock = lockOf(policy)
                val condition = lock.newCondition()
                val woken = Collections.synchronizedList(mutableListOf<Int>())
                val waiters = (0 until 5).map { i ->
                    startThread("writer-waiter-$i") {
                        lock.write().lock()
                        try {
                            condition.await()
                            woken += i
                        } finally {
                            lock.write().unlock()
                        }
                    }.also { val queued = i + 1; eventually("waiter $i waits") { condition.waitQueueLength == queued } }
                }
                lock.write().tryLock(BOUND_MS, MILLISECONDS) shouldBe true
                try {
                    condition.signal(2) shouldBe 2
                    condition.waitQueueLength shouldBe 3
                    lock.queueLength shouldBe 2
                    condition.signal(0) shouldBe 0
                    condition.signal(-1) shouldBe 0
                    condition.signal(Int.MIN_VALUE) shouldBe 0
                    condition.waitQueueLength shouldBe 3
                    lock.queueLength shouldBe 2
                } finally {
                    lock.write().unlock()
                }
                waiters[0].join()
                waiters[1].join()
                woken shouldContainExactly listOf(0, 1)
                condition.waitQueueLength shouldBe 3
                lock.write().tryLock(BOUND_MS, MILLISECONDS) shouldBe true
                try {
                    condition.signal(10) shouldBe 3
                    condition.signal(10) shouldBe 0
                    condition.signal() // no waiter: nothing happens
                    condition.signalAll()
                } finally {
                    lock.write().unlock()
                }
                waiters.forEach { it.join() }
                woken shouldContainExactly listOf(0, 1, 2, 3, 4)
                lock.shouldBeClean(condition)
            }
        }
    }

    test("signal(n) by a reader wakes the n oldest readers, who enter at once") {
        val lock = RWLock.writerPreferring()
        val condition = lock.newCondition()
        val woken = Collections.synchronizedList(mutableListOf<Int>())
        val release = CountDownLatch(1)
        val waiters = (0 until 5).map { i ->
            startThread("reader-waiter-$i") {
                lock.read().lock()
                try {
                    condition.await()
                    woken += i
                    release.await(BOUND_MS, MILLISECONDS) shouldBe true
                } finally {
                    lock.read().unlock()
                }
            }.also { val queued = i + 1; eventually("waiter $i waits") { condition.waitQueueLength == queued } }
        }
        lock.read().tryLock(BOUND_MS, MILLISECONDS) shouldBe true
        try {
            condition.signal(3) shouldBe 3
            lock.readLockCount shouldBe 4 // the three woken readers hold beside main
            condition.waitQueueLength shouldBe 2
        } finally {
            lock.read().unlock()
        }
        eventually("three readers woke") { woken.size == 3 }
        release.countDown()
        waiters.take(3).forEach { it.join() }
        woken shouldContainExactlyInAnyOrder listOf(0, 1, 2)
        condition.waitQueueLength shouldBe 2
        lock.read().tryLock(BOUND_MS, MILLISECONDS) shouldBe true
        try {
            condition.signalAll()
        } finally {
            lock.read().unlock()
        }
        waiters.forEach { it.join() }
        woken shouldContainExactlyInAnyOrder (0 until 5).toList()
        lock.shouldBeClean(condition)
    }

    test("a timed-out waiter unlinks itself at once (length drops) and FIFO order is kept around it") {
        val lock = RWLock.fair()
        val condition = lock.newCondition()
        val woken = Collections.synchronizedList(mutableListOf<String>())
        fun waiter(name: String, body: () -> Unit) = startThread(name) {
            lock.write().lock()
            try {
                body()
            } finally {
                lock.write().unlock()
            }
        }
        val a = waiter("a") { condition.await(); woken += "a" }
        eventually("a waits") { condition.waitQueueLength == 1 }
        val b = waiter("b") { condition.await(400, MILLISECONDS) shouldBe false }
        eventually("b waits") { condition.waitQueueLength == 2 || b.isDone }
        val c = waiter("c") { condition.await(); woken += "c" }
        eventually("c waits") { condition.waitQueueLength == 3 || (b.isDone && condition.waitQueueLength == 2) }
        b.join()
        condition.waitQueueLength shouldBe 2 // b left without anyone signalling or scanning
        lock.write().tryLock(BOUND_MS, MILLISECONDS) shouldBe true
        try {
            condition.signal(1) shouldBe 1
        } finally {
            lock.write().unlock()
        }
        a.join()
        woken shouldContainExactly listOf("a")
        lock.write().tryLock(BOUND_MS, MILLISECONDS) shouldBe true
        try {
            condition.signal(1) shouldBe 1
        } finally {
            lock.write().unlock()
        }
        c.join()
        woken shouldContainExactly listOf("a", "c")
        lock.shouldBeClean(condition)
    }

    test("an interrupted waiter in the middle unlinks itself at once and FIFO order is kept around it") {
        val lock = RWLock.writerPreferring()
        val condition = lock.newCondition()
        val woken = Collections.synchronizedList(mutableListOf<String>())
        fun waiter(name: String, body: () -> Unit) = startThread(name) {
            lock.read().lock()
            try {
                body()
            } finally {
                lock.read().unlock()
            }
        }
        val a = waiter("a") { condition.await(); woken += "a" }
        eventually("a waits") { condition.waitQueueLength == 1 }
        val b = waiter("b") { shouldThrow<InterruptedException> { condition.await() }; lock.read().holdCount shouldBe 1 }
        eventually("b waits") { condition.waitQueueLength == 2 }
        val c = waiter("c") { condition.await(); woken += "c" }
        eventually("c waits") { condition.waitQueueLength == 3 }
        b.thread.interrupt()
        b.join()
        condition.waitQueueLength shouldBe 2
        lock.read().tryLock(BOUND_MS, MILLISECONDS) shouldBe true
        try {
            condition.signal(1) shouldBe 1
        } finally {
            lock.read().unlock()
        }
        a.join()
        woken shouldContainExactly listOf("a")
        condition.waitQueueLength shouldBe 1
        lock.read().tryLock(BOUND_MS, MILLISECONDS) shouldBe true
        try {
            condition.signal(5) shouldBe 1
        } finally {
            lock.read().unlock()
        }
        c.join()
        lock.shouldBeClean(condition)
    }

    // ------------------------------------------------------------------ misuse

    test("signal, signal(n) and signalAll without holding the lock throw IllegalMonitorStateException and change nothing") {
        for (policy in Policy.entries) {
            withClue("policy $policy") {
                val lock = lockOf(policy)
                val condition = lock.newCondition()
                val release = CountDownLatch(1)
                val waiters = (0 until 2).map { i ->
                    startThread("waiter-$i") {
                        lock.read().lock()
                        try {
                            condition.await()
                        } finally {
                            lock.read().unlock()
                        }
                    }.also { val queued = i + 1; eventually("waiter $i waits") { condition.waitQueueLength == queued } }
                }
                // Another thread holds the read lock: that does not count for the current thread.
                val holderIn = CountDownLatch(1)
                val holder = startThread("holder") {
                    lock.read().lock()
                    try {
                        holderIn.countDown()
                        release.await(BOUND_MS, MILLISECONDS) shouldBe true
                    } finally {
                        lock.read().unlock()
                    }
                }
                holderIn.await(BOUND_MS, MILLISECONDS) shouldBe true
                val calls: List<Pair<String, () -> Any?>> = listOf(
                    "signal()" to { condition.signal() },
                    "signalAll()" to { condition.signalAll() },
                    "signal(1)" to { condition.signal(1) },
                    "signal(5)" to { condition.signal(5) },
                    "signal(0)" to { condition.signal(0) },
                )
                for ((name, call) in calls) {
                    withClue(name) {
                        shouldThrow<IllegalMonitorStateException> { call() }
                        condition.waitQueueLength shouldBe 2
                        lock.readLockCount shouldBe 1
                        lock.isWriteLocked shouldBe false
                        lock.queueLength shouldBe 0
                        lock.myHolds() shouldBe (0 to 0)
                    }
                }
                release.countDown()
                holder.join()
                lock.write().tryLock(BOUND_MS, MILLISECONDS) shouldBe true
                try {
                    condition.signalAll()
                } finally {
                    lock.write().unlock()
                }
                waiters.forEach { it.join() }
                lock.shouldBeClean(condition)
            }
        }
    }

    test("every await form without holding the lock throws IllegalMonitorStateException") {
        val lock = RWLock.writerPreferring()
        val other = RWLock.writerPreferring()
        val condition = lock.newCondition()
        other.read().lock() // holding another lock does not count
        try {
            val calls: List<Pair<String, () -> Any?>> = listOf(
                "await()" to { condition.await() },
                "awaitUninterruptibly()" to { condition.awaitUninterruptibly() },
                "awaitNanos(1s)" to { condition.awaitNanos(1_000_000_000) },
                "awaitNanos(0)" to { condition.awaitNanos(0) },
                "await(1, SECONDS)" to { condition.await(1, SECONDS) },
                "await(0, SECONDS)" to { condition.await(0, SECONDS) },
                "awaitUntil(future)" to { condition.awaitUntil(Date(System.currentTimeMillis() + 1_000)) },
                "waitFor(false)" to { condition.waitFor { false } },
                "waitFor(false, 1s)" to { condition.waitFor({ false }, Duration.ofSeconds(1)) },
            )
            for ((name, call) in calls) {
                withClue(name) {
                    shouldThrow<IllegalMonitorStateException> { call() }
                    condition.waitQueueLength shouldBe 0
                    lock.shouldBeClean(condition)
                }
            }
        } finally {
            other.read().unlock()
        }
    }

    // Regression: waitFor used to evaluate the predicate before checking that the lock is held.
    test("waitFor with an already-true predicate, without the lock, still throws IllegalMonitorStateException") {
            val lock = RWLock.writerPreferring()
            val condition = lock.newCondition()
            val evaluated = AtomicBoolean(false)
            shouldThrow<IllegalMonitorStateException> { condition.waitFor { evaluated.set(true); true } }
            shouldThrow<IllegalMonitorStateException> { condition.waitFor({ evaluated.set(true); true }, Duration.ZERO) }
            evaluated.get() shouldBe false
            lock.shouldBeClean(condition)
        }

    test("null arguments throw NullPointerException naming the argument; holds untouched") {
        val lock = RWLock.writerPreferring()
        val condition = lock.newCondition()
        lock.read().lock()
        try {
            val calls: List<Triple<String, String, () -> Any?>> = listOf(
                Triple("await(1, null)", "unit", { condition.await(1, null) }),
                Triple("awaitUntil(null)", "deadline", { condition.awaitUntil(null) }),
                Triple("waitFor(null)", "predicate", { condition.waitFor(null) }),
                Triple("waitFor(null, 1s)", "predicate", { condition.waitFor(null, Duration.ofSeconds(1)) }),
                Triple("waitFor(p, null)", "timeout", { condition.waitFor({ false }, null) }),
            )
            for ((name, argument, call) in calls) {
                withClue(name) {
                    val e = shouldThrow<NullPointerException> { call() }
                    e.message shouldBe argument
                    lock.myHolds() shouldBe (0 to 1)
                    lock.readLockCount shouldBe 1
                    condition.waitQueueLength shouldBe 0
                }
            }
        } finally {
            lock.read().unlock()
        }
        lock.shouldBeClean(condition)
    }

    // ------------------------------------------------------------------ zero and negative timeouts

    for (policy in Policy.entries) {
        for (holdWrite in listOf(false, true)) {
            val held = if (holdWrite) "write" else "read"
            test("$policy, $held held: zero and negative timeouts never wait and never release the lock") {
                val lock = lockOf(policy)
                val condition = lock.newCondition()
                val mine = if (holdWrite) lock.write() else lock.read()
                mine.lock()
                val contenderIn = AtomicBoolean(false)
                val contender: TestThread
                try {
                    // A contender that would be granted the moment the main thread released.
                    contender = startThread("contender") {
                        lock.write().tryLock(BOUND_MS, MILLISECONDS) shouldBe true
                        contenderIn.set(true)
                        lock.write().unlock()
                    }
                    eventually("the contender queues") { lock.queueLength == 1 }
                    val predicateCalls = AtomicInteger()
                    val calls: List<Pair<String, () -> Boolean>> = listOf(
                        "awaitNanos(0)" to { condition.awaitNanos(0) > 0 },
                        "awaitNanos(-1)" to { condition.awaitNanos(-1) > 0 },
                        "awaitNanos(Long.MIN_VALUE)" to { condition.awaitNanos(Long.MIN_VALUE) > 0 },
                        "await(0, MILLISECONDS)" to { condition.await(0, MILLISECONDS) },
                        "await(-5, SECONDS)" to { condition.await(-5, SECONDS) },
                        "awaitUntil(past)" to { condition.awaitUntil(Date(System.currentTimeMillis() - 1_000)) },
                        "awaitUntil(epoch)" to { condition.awaitUntil(Date(0)) },
                        "waitFor(false, ZERO)" to { condition.waitFor({ predicateCalls.incrementAndGet(); false }, Duration.ZERO) },
                        "waitFor(false, -1ns)" to { condition.waitFor({ predicateCalls.incrementAndGet(); false }, Duration.ofNanos(-1)) },
                        "waitFor(false, MIN)" to { condition.waitFor({ predicateCalls.incrementAndGet(); false }, Duration.ofSeconds(Long.MIN_VALUE)) },
                    )
                    for ((name, call) in calls) {
                        withClue(name) {
                            val started = System.nanoTime()
                            call() shouldBe false
                            (System.nanoTime() - started) shouldBeLessThanOrEqual SECONDS.toNanos(5)
                            contenderIn.get() shouldBe false
                            lock.queueLength shouldBe 1
                            condition.waitQueueLength shouldBe 0
                            lock.myHolds() shouldBe (if (holdWrite) 1 to 0 else 0 to 1)
                        }
                    }
                    predicateCalls.get() shouldBe 3 // checked once each, never re-checked after a wait
                    condition.waitFor({ true }, Duration.ZERO) shouldBe true
                    contenderIn.get() shouldBe false
                } finally {
                    mine.unlock()
                }
                contender.join()
                contenderIn.get() shouldBe true
                lock.shouldBeClean(condition)
            }
        }
    }

    test("a zero timeout with the interrupt status set throws InterruptedException and keeps the lock") {
        val lock = RWLock.writerPreferring()
        val condition = lock.newCondition()
        lock.read().lock()
        try {
            Thread.currentThread().interrupt()
            shouldThrow<InterruptedException> { condition.awaitNanos(0) }
            Thread.currentThread().isInterrupted shouldBe false
            lock.myHolds() shouldBe (0 to 1)
        } finally {
            Thread.interrupted()
            lock.read().unlock()
        }
        lock.shouldBeClean(condition)
    }

    // ------------------------------------------------------------------ downgrade

    for (policy in Policy.entries) {
        test("$policy: a writer downgrades, waits as a reader, and is woken by a signal from another reader") {
            val lock = lockOf(policy)
            val condition = lock.newCondition()
            val ready = AtomicBoolean(false)
            val returned = CountDownLatch(1)
            val waiter = startThread("downgrader") {
                lock.write().lock()
                lock.write().downgrade()
                try {
                    lock.myHolds() shouldBe (0 to 1)
                    condition.waitFor { ready.get() }
                    lock.myHolds() shouldBe (0 to 1)
                    lock.isWriteLocked shouldBe false
                    returned.countDown()
                } finally {
                    lock.read().unlock()
                }
            }
            // A waiter links its condition node first and releases its holds just after: wait for both.
            eventually("the downgraded reader waits, its read released") {
                condition.waitQueueLength == 1 && lock.readLockCount == 0
            }
            lock.isWriteLocked shouldBe false
            lock.read().tryLock(BOUND_MS, MILLISECONDS) shouldBe true
            try {
                ready.set(true)
                condition.signal(1) shouldBe 1
                if (policy != Policy.EXCLUSIVE) {
                    // Readers share: the woken reader re-enters while the signaller still reads.
                    returned.await(BOUND_MS, MILLISECONDS) shouldBe true
                } else {
                    lock.queueLength shouldBe 1
                }
            } finally {
                lock.read().unlock()
            }
            waiter.join()
            lock.shouldBeClean(condition)
        }
    }

    // ------------------------------------------------------------------ signalled while re-acquiring

    test("a waiter signalled before its deadline reports true even if re-acquiring outlasts the timeout") {
        val lock = RWLock.writerPreferring()
        val condition = lock.newCondition()
        val waitStart = AtomicReference<Long>()
        val result = AtomicReference<Long>()
        val waiter = startThread("timed") {
            lock.read().lock()
            try {
                waitStart.set(System.nanoTime())
                result.set(condition.awaitNanos(MILLISECONDS.toNanos(50)))
                lock.myHolds() shouldBe (0 to 1)
            } finally {
                lock.read().unlock()
            }
        }
        eventually("the waiter waits") { condition.waitQueueLength == 1 }
        lock.write().tryLock(BOUND_MS, MILLISECONDS) shouldBe true
        try {
            condition.signal(1) shouldBe 1
            lock.queueLength shouldBe 1
            // Keep the lock past the waiter's deadline (bounded: the deadline is a known instant).
            val pastDeadline = waitStart.get() + MILLISECONDS.toNanos(150)
            eventually("the waiter's deadline passes") { System.nanoTime() - pastDeadline > 0 }
            waiter.isDone shouldBe false
        } finally {
            lock.write().unlock()
        }
        waiter.join()
        withClue("awaitNanos result ${result.get()}") { (result.get() > 0).shouldBeTrue() }
        lock.shouldBeClean(condition)
    }

    test("a waiter interrupted after it was signalled returns normally with the interrupt status set") {
        val lock = RWLock.fair()
        val condition = lock.newCondition()
        val interruptedAfter = AtomicReference<Boolean>()
        val waiter = startThread("signalled-then-interrupted") {
            lock.write().lock()
            try {
                condition.await() // must not throw: the signal came first
                interruptedAfter.set(Thread.interrupted())
                lock.myHolds() shouldBe (1 to 0)
            } finally {
                lock.write().unlock()
            }
        }
        eventually("the waiter waits") { condition.waitQueueLength == 1 }
        lock.write().tryLock(BOUND_MS, MILLISECONDS) shouldBe true
        try {
            condition.signal(1) shouldBe 1
            waiter.thread.interrupt()
            eventually("the interrupt is consumed and the waiter parks for the lock") {
                !waiter.thread.isInterrupted && parkedOn(waiter.thread, lock)
            }
            lock.queueLength shouldBe 1
        } finally {
            lock.write().unlock()
        }
        waiter.join()
        interruptedAfter.get() shouldBe true
        lock.shouldBeClean(condition)
    }

    test("awaitUninterruptibly entered with the interrupt status set still waits for a signal and keeps the status") {
        val lock = RWLock.writerPreferring()
        val condition = lock.newCondition()
        val signalled = AtomicBoolean(false)
        val statusAfter = AtomicReference<Boolean>()
        val waiter = startThread("uninterruptible") {
            lock.read().lock()
            try {
                Thread.currentThread().interrupt()
                condition.awaitUninterruptibly()
                signalled.get() shouldBe true
                statusAfter.set(Thread.interrupted())
                lock.myHolds() shouldBe (0 to 1)
            } finally {
                lock.read().unlock()
            }
        }
        eventually("the waiter consumes the status and parks on the condition") {
            condition.waitQueueLength == 1 && !waiter.thread.isInterrupted && parkedOn(waiter.thread, lock)
        }
        lock.readLockCount shouldBe 0
        lock.read().tryLock(BOUND_MS, MILLISECONDS) shouldBe true
        try {
            signalled.set(true)
            condition.signal(1) shouldBe 1
        } finally {
            lock.read().unlock()
        }
        waiter.join()
        statusAfter.get() shouldBe true
        lock.shouldBeClean(condition)
    }

    test("awaitUntil returns true when signalled before the deadline and false after it") {
        val lock = RWLock.writerPreferring()
        val condition = lock.newCondition()
        lock.read().lock()
        try {
            val started = System.nanoTime()
            condition.awaitUntil(Date(System.currentTimeMillis() + 40)) shouldBe false
            (System.nanoTime() - started) shouldBeGreaterThanOrEqualTo MILLISECONDS.toNanos(30)
            lock.myHolds() shouldBe (0 to 1)
        } finally {
            lock.read().unlock()
        }
        val result = AtomicReference<Boolean>()
        val waiter = startThread("until") {
            lock.read().lock()
            try {
                result.set(condition.awaitUntil(Date(System.currentTimeMillis() + 10_000)))
            } finally {
                lock.read().unlock()
            }
        }
        eventually("the waiter waits") { condition.waitQueueLength == 1 }
        lock.read().tryLock(BOUND_MS, MILLISECONDS) shouldBe true
        try {
            condition.signal()
        } finally {
            lock.read().unlock()
        }
        waiter.join()
        result.get() shouldBe true
        lock.shouldBeClean(condition)
    }

    test("waitFor(p, timeout) returns false when the predicate stays false, and true when it becomes true") {
        val lock = RWLock.fair()
        val condition = lock.newCondition()
        lock.write().lock()
        try {
            val started = System.nanoTime()
            condition.waitFor({ false }, Duration.ofMillis(40)) shouldBe false
            (System.nanoTime() - started) shouldBeGreaterThanOrEqualTo MILLISECONDS.toNanos(40)
            lock.myHolds() shouldBe (1 to 0)
        } finally {
            lock.write().unlock()
        }
        val flag = AtomicBoolean(false)
        val checks = AtomicInteger()
        val result = AtomicReference<Boolean>()
        val waiter = startThread("waitFor") {
            lock.read().lock()
            try {
                result.set(condition.waitFor({ checks.incrementAndGet(); flag.get() }, Duration.ofSeconds(10)))
            } finally {
                lock.read().unlock()
            }
        }
        eventually("the waiter waits") { condition.waitQueueLength == 1 }
        // A signal while the predicate is still false: the waiter re-checks and waits again.
        lock.write().tryLock(BOUND_MS, MILLISECONDS) shouldBe true
        try {
            condition.signal(1) shouldBe 1
        } finally {
            lock.write().unlock()
        }
        eventually("the waiter re-checked and waits again") { checks.get() >= 2 && condition.waitQueueLength == 1 }
        waiter.isDone shouldBe false
        lock.write().tryLock(BOUND_MS, MILLISECONDS) shouldBe true
        try {
            flag.set(true)
            condition.signal(1) shouldBe 1
        } finally {
            lock.write().unlock()
        }
        waiter.join()
        result.get() shouldBe true
        lock.shouldBeClean(condition)
    }

    test("waitFor(p) is interruptible and restores the holds before throwing") {
        val lock = RWLock.builder().policy(Policy.FAIR).reentrantWriter(true).build()
        val condition = lock.newCondition()
        val waiter = startThread("waitFor") {
            HoldShape.WRITE_2_READ_2.acquire(lock)
            try {
                shouldThrow<InterruptedException> { condition.waitFor { false } }
                HoldShape.WRITE_2_READ_2.shouldBeHeldAlone(lock)
            } finally {
                HoldShape.WRITE_2_READ_2.release(lock)
            }
        }
        eventually("the waiter waits") { condition.waitQueueLength == 1 }
        waiter.thread.interrupt()
        waiter.join()
        lock.shouldBeClean(condition)
    }

    test("toString shows the number of waiters and the lock") {
        val lock = RWLock.writerPreferring()
        val condition = lock.newCondition()
        val text = condition.toString()
        (text.startsWith("RWCondition[waiters = 0, RWLock[")).shouldBeTrue()
        (text.contains("WRITER_PREFERRING")).shouldBeTrue()
        lock.isWriteLocked.shouldBeFalse()
    }
})

/**
 * One exit-path scenario: a waiter takes [shape] on [lock] and awaits; the main thread proves
 * the holds were released (it takes the write lock), provokes [exit], and the waiter checks it
 * got back exactly [shape] (only after the main thread let go of the lock).
 */
private fun exitScenario(lock: RWLock, shape: HoldShape, exit: Exit) {
    val condition = lock.newCondition()
    val signalled = AtomicBoolean(false)
    val waiter = startThread("waiter-$shape-$exit") {
        shape.acquire(lock)
        try {
            when (exit) {
                Exit.SIGNAL, Exit.SPURIOUS_WAKEUP -> {
                    condition.await(BOUND_MS, MILLISECONDS) shouldBe true
                    signalled.get() shouldBe true
                }
                Exit.TIMEOUT -> {
                    val started = System.nanoTime()
                    condition.await(30, MILLISECONDS) shouldBe false
                    (System.nanoTime() - started) shouldBeGreaterThanOrEqualTo MILLISECONDS.toNanos(30)
                }
                Exit.INTERRUPT -> {
                    shouldThrow<InterruptedException> { condition.await() }
                    Thread.currentThread().isInterrupted shouldBe false
                }
                Exit.INTERRUPT_WHILE_UNINTERRUPTIBLE -> {
                    condition.awaitUninterruptibly()
                    signalled.get() shouldBe true
                    Thread.interrupted() shouldBe true
                }
            }
            shape.shouldBeHeldAlone(lock)
        } finally {
            shape.release(lock)
        }
    }
    if (exit == Exit.TIMEOUT) {
        waiter.join()
        lock.shouldBeClean(condition)
        return
    }
    eventually("the waiter waits on the condition") { condition.waitQueueLength == 1 }
    lock.write().tryLock(BOUND_MS, MILLISECONDS) shouldBe true
    try {
        // The waiter let go of every hold, however nested.
        lock.readLockCount shouldBe 0
        lock.isWriteLockedByCurrentThread shouldBe true
        lock.write().holdCount shouldBe 1
        when (exit) {
            Exit.SIGNAL -> {
                signalled.set(true)
                condition.signal(1) shouldBe 1
                condition.waitQueueLength shouldBe 0
                lock.queueLength shouldBe 1 // re-acquiring, behind the main thread's write hold
            }
            Exit.INTERRUPT -> {
                waiter.thread.interrupt()
                eventually("the interrupted waiter leaves the condition and queues for the lock") {
                    condition.waitQueueLength == 0 && lock.queueLength == 1
                }
            }
            Exit.SPURIOUS_WAKEUP -> {
                repeat(3) {
                    LockSupport.unpark(waiter.thread)
                    eventually("the waiter parks on the condition again") {
                        parkedOn(waiter.thread, lock) && condition.waitQueueLength == 1
                    }
                    condition.waitQueueLength shouldBe 1
                    lock.queueLength shouldBe 0
                }
                signalled.set(true)
                condition.signal()
                lock.queueLength shouldBe 1
            }
            Exit.INTERRUPT_WHILE_UNINTERRUPTIBLE -> {
                waiter.thread.interrupt()
                eventually("the waiter consumes the interrupt and parks on the condition again") {
                    !waiter.thread.isInterrupted && parkedOn(waiter.thread, lock) && condition.waitQueueLength == 1
                }
                condition.waitQueueLength shouldBe 1
                lock.queueLength shouldBe 0
                signalled.set(true)
                condition.signalAll()
                lock.queueLength shouldBe 1
            }
            Exit.TIMEOUT -> error("handled above")
        }
        waiter.isDone shouldBe false
    } finally {
        lock.write().unlock()
    }
    waiter.join()
    lock.shouldBeClean(condition)
}
