package io.rwlocker.coroutines.reliability

import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.rwlocker.FifoLock
import io.rwlocker.Guard
import io.rwlocker.Mode
import io.rwlocker.Modes
import io.rwlocker.coroutines.withMode
import java.time.Duration
import java.util.concurrent.atomic.AtomicBoolean
import kotlin.coroutines.Continuation
import kotlin.coroutines.EmptyCoroutineContext
import kotlin.time.Duration.Companion.milliseconds
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.TimeoutCancellationException
import kotlinx.coroutines.launch
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.withTimeoutOrNull

/**
 * The bad-input rows of `FifoLock`, `Mode`/`Modes`/`Holds` and `FifoLock.withMode` (DESIGN.md 4.4,
 * 5.1a and their javadoc/KDoc). Each row makes its own lock and ends with [fifoStillWorks]: no
 * hold in any mode, nothing queued, and the lock still grants to threads and coroutines.
 */
internal val fifoRows: List<BadInput> = rowsOf {
    val read = Modes.read()
    val write = Modes.write()

    row(
        "FifoLock",
        "`acquire(mode)`, `acquireInterruptibly(mode)`, `tryAcquire(mode)`, `tryAcquire(mode, timeout)`, `holds(mode)`",
        "`mode` = `null` (a free lock; a lock with a reader and a queued writer)",
        "$NPE naming `mode`; holds and queue untouched",
        oneVariant,
    ) {
        val lock = FifoLock()
        val calls: List<() -> Any?> = listOf(
            { lock.acquire(null) }, { lock.acquireInterruptibly(null) }, { lock.tryAcquire(null) },
            { lock.tryAcquire(null, Duration.ofSeconds(1)) }, { lock.tryAcquire(null, Duration.ZERO) }, { lock.holds(null) },
        )
        for (call in calls) throws<NullPointerException>("mode") { call() }
        lock.shouldBeIdle()
        val busy = FifoBusy(this, lock)
        for (call in calls) {
            val before = lock.view()
            throws<NullPointerException>("mode") { call() }
            lock.view() shouldBe before
        }
        busy.end()
        fifoStillWorks(lock)
    }
    row("FifoLock", "`tryAcquire(mode, timeout)`", "`timeout` = `null` (a free lock; a busy lock)", "$NPE naming `timeout`; nothing taken", oneVariant) {
        val lock = FifoLock()
        throws<NullPointerException>("timeout") { lock.tryAcquire(read, null) }
        lock.shouldBeIdle()
        val busy = FifoBusy(this, lock)
        val before = lock.view()
        throws<NullPointerException>("timeout") { lock.tryAcquire(read, null) }
        lock.view() shouldBe before
        busy.end()
        fifoStillWorks(lock)
    }
    row(
        "FifoLock",
        "`tryAcquire(mode, timeout)`",
        "`Duration.ZERO`, `-1 ns`, `Duration.ofSeconds(Long.MIN_VALUE)`",
        "one attempt: a guard on a free lock; `null` at once while another thread writes, nothing queued",
        oneVariant,
    ) {
        val lock = FifoLock()
        val timeouts = listOf(Duration.ZERO, Duration.ofNanos(-1), Duration.ofSeconds(Long.MIN_VALUE))
        for (timeout in timeouts) {
            val guard = lock.tryAcquire(write, timeout)
            lock.holds(write) shouldBe 1
            guard!!.close()
        }
        val writer = Held(this) { lock.acquire(write) }
        for (timeout in timeouts) {
            lock.tryAcquire(read, timeout) shouldBe null
            lock.view() shouldBe listOf(0, 1, 0, 0)
        }
        writer.release()
        fifoStillWorks(lock)
    }
    row(
        "FifoLock",
        "`tryAcquire(mode, timeout)`",
        "`Duration.ofSeconds(Long.MAX_VALUE)` (too many nanoseconds for a `long`) while another thread writes",
        "waits (the deadline saturates), a guard when the writer leaves",
        oneVariant,
    ) {
        val lock = FifoLock()
        val writer = Held(this) { lock.acquire(write) }
        val waiter = background { lock.tryAcquire(read, Duration.ofSeconds(Long.MAX_VALUE))?.let { it.close(); true } ?: false }
        awaitTrue("a queued reader: $lock") { lock.queueLength() == 1 }
        writer.release()
        waiter.join() shouldBe true
        fifoStillWorks(lock)
    }
    row(
        "FifoLock",
        "`acquireInterruptibly(mode)`, `tryAcquire(mode, timeout)`",
        "interrupt status set before the call (on a free lock too)",
        "`InterruptedException`, status cleared, nothing held or queued",
        oneVariant,
    ) {
        val lock = FifoLock()
        val calls: List<() -> Any?> = listOf({ lock.acquireInterruptibly(read) }, { lock.tryAcquire(read, Duration.ofSeconds(1)) }, { lock.tryAcquire(read, Duration.ZERO) })
        for (call in calls) {
            Thread.currentThread().interrupt()
            throws<InterruptedException> { call() }
            Thread.currentThread().isInterrupted shouldBe false
            lock.shouldBeIdle()
        }
        fifoStillWorks(lock)
    }
    row(
        "FifoLock",
        "`acquireInterruptibly(mode)`, `tryAcquire(mode, timeout)`",
        "interrupted while queued behind a writer",
        "`InterruptedException`; the request leaves the queue (length 0), nothing held",
        oneVariant,
    ) {
        val lock = FifoLock()
        val calls: List<() -> Any?> = listOf({ lock.acquireInterruptibly(read) }, { lock.tryAcquire(read, Duration.ofDays(1)) })
        for (call in calls) {
            val writer = Held(this) { lock.acquire(write) }
            val waiter = background { throws<InterruptedException> { call() } }
            awaitTrue("a queued reader: $lock") { lock.queueLength() == 1 }
            waiter.thread.interrupt()
            waiter.join()
            lock.view() shouldBe listOf(0, 1, 0, 0)
            writer.release()
        }
        fifoStillWorks(lock)
    }
    row("FifoLock", "`acquire(mode)`", "interrupted while queued behind a writer", "keeps waiting, gets its guard when the writer leaves, returns with the interrupt status set", oneVariant) {
        val lock = FifoLock()
        val writer = Held(this) { lock.acquire(write) }
        val released = AtomicBoolean()
        val waiter = background {
            val guard = lock.acquire(read)
            val result = released.get() to Thread.currentThread().isInterrupted
            guard.close()
            result
        }
        awaitTrue("a queued reader: $lock") { lock.queueLength() == 1 }
        waiter.thread.interrupt()
        released.set(true)
        writer.release()
        waiter.join() shouldBe (true to true)
        fifoStillWorks(lock)
    }
    row("FifoLock guard (`Guard`)", "`close()`", "a second time; by another thread (holds are owner-less)", "the first `close()` from any thread releases exactly one hold; later ones do nothing", oneVariant) {
        val lock = FifoLock()
        val first = lock.acquire(read)
        val second = lock.acquire(read)
        lock.holds(read) shouldBe 2
        first.close()
        first.close()
        lock.holds(read) shouldBe 1
        other { second.close() }
        lock.holds(read) shouldBe 0
        other { second.close() }
        second.close()
        lock.shouldBeIdle()
        fifoStillWorks(lock)
    }
    row(
        "FifoLock",
        "`acquire`, `acquireInterruptibly`, `tryAcquire(mode)`, `tryAcquire(mode, timeout)`",
        "a mode whose `isCompatible` throws (evaluated by the requester, while a reader holds)",
        "that exception, unchanged; the request leaves no trace, the reader keeps its hold",
        oneVariant,
    ) {
        val lock = FifoLock()
        val boom = IllegalStateException("mode failed")
        val throwing = Mode { throw boom }
        val calls: List<() -> Guard?> = listOf(
            { lock.acquire(throwing) }, { lock.acquireInterruptibly(throwing) }, { lock.tryAcquire(throwing) },
            { lock.tryAcquire(throwing, Duration.ofSeconds(1)) }, { lock.tryAcquire(throwing, Duration.ZERO) },
        )
        val reader = Held(this) { lock.acquire(read) }
        for (call in calls) {
            (throws<IllegalStateException> { call() } === boom) shouldBe true
            lock.view(throwing) shouldBe listOf(1, 0, 0, 0, 0)
        }
        reader.release()
        fifoStillWorks(lock, throwing)
    }
    row(
        "FifoLock",
        "`acquire(mode)`",
        "a queued mode whose `isCompatible` throws when a releasing thread evaluates it",
        "the requester gets the exception, the releaser's `close()` does not; the next request enters",
        oneVariant,
    ) {
        val lock = FifoLock()
        val boom = ArithmeticException("mode failed when free")
        val failsWhenFree = Mode { holds -> if (holds.total() > 0) false else throw boom }
        val writer = Held(this) { lock.acquire(write) }
        val failing = background { runCatching { lock.acquire(failsWhenFree) }.exceptionOrNull() }
        awaitTrue("a queued request: $lock") { lock.queueLength() == 1 }
        val next = background { lock.acquire(read).close() }
        awaitTrue("two queued requests: $lock") { lock.queueLength() == 2 }
        writer.release() // its close() evaluates the failing head: it must not throw there
        (failing.join() === boom) shouldBe true
        next.join()
        fifoStillWorks(lock, failsWhenFree)
    }
    row("Modes", "`semaphore(permits)`", "`0`, `-1`, `Integer.MIN_VALUE`; `Integer.MAX_VALUE`", "$IAE naming the count; a huge pool works; every call a new pool, the recipes shared objects", oneVariant) {
        for (permits in listOf(0, -1, Int.MIN_VALUE)) throws<IllegalArgumentException>("$permits") { Modes.semaphore(permits) }
        val huge = Modes.semaphore(Int.MAX_VALUE)
        val lock = FifoLock()
        val guards = (1..3).map { lock.acquire(huge) }
        lock.holds(huge) shouldBe 3
        guards.forEach { it.close() }
        (Modes.semaphore(1) == Modes.semaphore(1)) shouldBe false
        (Modes.read() === Modes.read() && Modes.write() === Modes.write() && Modes.mutex() === Modes.mutex()) shouldBe true
        fifoStillWorks(lock, huge)
    }
    row(
        "FifoLock",
        "`tryAcquire(mode)`, `tryAcquire(mode, ZERO)`",
        "a request is queued and the mode would fit the holders (a reader holds, a writer waits)",
        "`null`: never overtakes; the queue untouched",
        oneVariant,
    ) {
        val lock = FifoLock()
        val busy = FifoBusy(this, lock)
        lock.tryAcquire(read) shouldBe null
        lock.tryAcquire(read, Duration.ZERO) shouldBe null
        lock.view() shouldBe listOf(1, 0, 0, 1)
        busy.end()
        fifoStillWorks(lock)
    }
    row(
        "FifoLock",
        "`tryAcquire(mode)`, `tryAcquire(mode, timeout)`",
        "the holder of `write()` asks again (no reentrancy)",
        "a new request: `null` (at once; after the timeout), nothing queued, the first hold kept",
        oneVariant,
    ) {
        val lock = FifoLock()
        val held = lock.acquire(write)
        lock.tryAcquire(write) shouldBe null
        lock.tryAcquire(write, Duration.ofMillis(1)) shouldBe null
        lock.view() shouldBe listOf(0, 1, 0, 0)
        held.close()
        fifoStillWorks(lock)
    }
    row(
        "FifoLock",
        "`acquire(mode)` (from `Mode.isCompatible`)",
        "the mode acquires or releases the same lock while evaluated under its internal lock",
        "$ISE to the requester; the state untouched, the guard it tried to close stays open",
        oneVariant,
    ) {
        val lock = FifoLock()
        val held = lock.acquire(write) // another mode held: the request is evaluated under the internal lock
        val reentrant = Mode { _ -> lock.tryAcquire(read) == null }
        throws<IllegalStateException>("isCompatible") { lock.acquire(reentrant) }
        lock.view(reentrant) shouldBe listOf(0, 1, 0, 0, 0)
        val closing = Mode { _ ->
            held.close()
            true
        }
        throws<IllegalStateException> { lock.acquire(closing) }
        lock.view(closing) shouldBe listOf(0, 1, 0, 0, 0)
        held.close()
        fifoStillWorks(lock, reentrant, closing)
    }
    row("Holds", "`count(mode)`", "`null`, inside `isCompatible`", "the requester gets $NPE naming `mode`; nothing taken", oneVariant) {
        val lock = FifoLock()
        val bad = Mode { holds -> holds.count(null) == 0 }
        throws<NullPointerException>("mode") { lock.acquire(bad) }
        lock.shouldBeIdle(bad)
        fifoStillWorks(lock, bad)
    }
    row("FifoLock", "`holds(mode)`, `queueLength()`, `toString()`", "from a thread that holds nothing, while a reader holds and a writer waits", "a true snapshot, no exception, nothing changed", oneVariant) {
        val lock = FifoLock()
        val busy = FifoBusy(this, lock)
        lock.holds(read) shouldBe 1
        lock.holds(write) shouldBe 0
        lock.queueLength() shouldBe 1
        lock.toString() shouldContain "FifoLock"
        lock.view() shouldBe listOf(1, 0, 0, 1)
        busy.end()
        fifoStillWorks(lock)
    }

    // ------------------------------------------------------------------ withMode

    row("FifoLock.withMode (function)", "`withMode(mode, block)`", "`null` receiver, mode or block (a Java caller)", "$NPE; nothing taken", oneVariant) {
        val lock = FifoLock()
        val method = Class.forName("io.rwlocker.coroutines.WithModeKt").methods.single { it.name == "withMode" }
        val continuation = Continuation<Any?>(EmptyCoroutineContext) {}
        val block: suspend () -> Int = { 1 }
        throws<NullPointerException> { invoking { method.invoke(null, null, read, block, continuation) } }
        throws<NullPointerException> { invoking { method.invoke(null, lock, null, block, continuation) } }
        throws<NullPointerException> { invoking { method.invoke(null, lock, read, null, continuation) } }
        lock.shouldBeIdle()
        fifoStillWorks(lock)
    }
    row("FifoLock.withMode (function)", "`withMode(mode, block)`", "cancelled while queued (a thread writes); `withTimeout` expires while queued", "`CancellationException` / `TimeoutCancellationException`; the block never ran, nothing held or queued", oneVariant) {
        val lock = FifoLock()
        val writer = Held(this) { lock.acquire(write) }
        val ran = AtomicBoolean()
        coroutine {
            for (mode in listOf(read, write)) {
                val outcome = CompletableDeferred<Throwable?>()
                val job = launch(Dispatchers.Unconfined, start = CoroutineStart.UNDISPATCHED) {
                    outcome.complete(runCatching { lock.withMode(mode) { ran.set(true) } }.exceptionOrNull())
                }
                lock.queueLength() shouldBe 1
                job.cancel()
                job.join()
                (outcome.await() is CancellationException) shouldBe true
                lock.view() shouldBe listOf(0, 1, 0, 0)
                throws<TimeoutCancellationException> { withTimeout(5.milliseconds) { lock.withMode(mode) { ran.set(true) } } }
                lock.view() shouldBe listOf(0, 1, 0, 0)
            }
        }
        writer.release()
        ran.get() shouldBe false
        fifoStillWorks(lock)
    }
    row("FifoLock.withMode (function)", "`withMode(mode, block)`", "a mode whose `isCompatible` throws (evaluated by the coroutine; by a releasing thread)", "that exception in the coroutine; the block never ran, nothing held or queued", oneVariant) {
        val lock = FifoLock()
        val boom = ArithmeticException("mode failed")
        val throwing = Mode { throw boom }
        val failsWhenFree = Mode { holds -> if (holds.total() > 0) false else throw boom }
        val ran = AtomicBoolean()
        coroutine {
            (throws<ArithmeticException> { lock.withMode(throwing) { ran.set(true) } } === boom) shouldBe true
        }
        lock.shouldBeIdle(throwing)
        val writer = Held(this) { lock.acquire(write) }
        coroutine {
            val outcome = CompletableDeferred<Throwable?>()
            val job = launch(Dispatchers.Default) { outcome.complete(runCatching { lock.withMode(failsWhenFree) { ran.set(true) } }.exceptionOrNull()) }
            awaitTrue("a queued coroutine: $lock") { lock.queueLength() == 1 }
            writer.release() // its close() evaluates the failing head: it must not throw there
            (outcome.await() === boom) shouldBe true
            job.join()
        }
        ran.get() shouldBe false
        fifoStillWorks(lock, throwing, failsWhenFree)
    }
    row("FifoLock.withMode (function)", "`withMode(mode, block)`", "nested in `withMode(write())` of the same coroutine (no reentrancy), under `withTimeoutOrNull`", "a new request that waits in line: times out, leaves the queue; the outer hold kept", oneVariant) {
        val lock = FifoLock()
        coroutine {
            lock.withMode(write) {
                withTimeoutOrNull(5.milliseconds) { lock.withMode(write) { "entered" } } shouldBe null
                lock.view() shouldBe listOf(0, 1, 0, 0)
            }
        }
        fifoStillWorks(lock)
    }
}
