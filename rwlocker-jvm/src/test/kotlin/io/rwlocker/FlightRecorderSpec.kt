package io.rwlocker

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldBeEmpty
import io.kotest.matchers.collections.shouldContainExactly
import io.kotest.matchers.comparables.shouldBeGreaterThanOrEqualTo
import io.kotest.matchers.shouldBe
import io.rwlocker.internal.jfr.ContendedAcquireEvent
import io.rwlocker.internal.jfr.LongHoldEvent
import io.rwlocker.internal.jfr.TimingSwitch
import java.time.Duration
import java.util.concurrent.TimeUnit
import jdk.jfr.EventType

/**
 * The JDK Flight Recorder events of the blocking face, read back from a recording file:
 * `io.rwlocker.ContendedAcquire` for every way a queued request ends (acquired, timed out,
 * interrupted), with the lock's name, policy, mode and waiter kind; `io.rwlocker.LongHold` for
 * read and write holds past the threshold; no event from the fast paths; and hold timing that
 * follows the recordings (off unless one enables LongHold).
 */
class FlightRecorderSpec : FunSpec({
    timeout = 120_000L
    blockingTest = true

    fun named(policy: Policy, name: String): RWLock = RWLock.builder().policy(policy).name(name).build()

    test("the events' defaults: ContendedAcquire on with a 1 ms threshold, LongHold off with 10 ms") {
        fun default(type: Class<out jdk.jfr.Event>, setting: String): String =
            EventType.getEventType(type).settingDescriptors.single { it.name == setting }.defaultValue
        EventType.getEventType(ContendedAcquireEvent::class.java).name shouldBe CONTENDED_ACQUIRE
        EventType.getEventType(LongHoldEvent::class.java).name shouldBe LONG_HOLD
        default(ContendedAcquireEvent::class.java, "enabled") shouldBe "true"
        default(ContendedAcquireEvent::class.java, "threshold") shouldBe "1 ms"
        default(LongHoldEvent::class.java, "enabled") shouldBe "false"
        default(LongHoldEvent::class.java, "threshold") shouldBe "10 ms"
    }

    for (policy in Policy.entries) {
        test("ContendedAcquire, acquired: a queued reader and a queued writer [$policy]") {
            lateinit var lock: RWLock
            val events = withActors(3, "jfr-$policy") { (holder, reader, writer) ->
                recordLockEvents {
                    lock = named(policy, "acquired-$policy")
                    holder.call { lock.write().lock() }
                    val r = reader.start { lock.read().lock(); lock.read().unlock() }
                    awaitQueued(lock, 1)
                    val w = writer.start { lock.write().lock(); lock.write().unlock() }
                    awaitQueued(lock, 2)
                    holder.call { lock.write().unlock() }
                    r.await()
                    w.await()
                }
            }
            lock.shouldBeFree()
            events.map { it.view() }.sortedBy { it.mode } shouldMatch listOf(
                LockEventView(CONTENDED_ACQUIRE, "acquired-$policy", policy.name, "read", "thread", "acquired", "jfr-$policy-2"),
                LockEventView(CONTENDED_ACQUIRE, "acquired-$policy", policy.name, "write", "thread", "acquired", "jfr-$policy-3"),
            )
            events.forEach { it.duration shouldBeGreaterThanOrEqualTo Duration.ZERO }
        }
    }

    test("ContendedAcquire, timed out: tryLock(50 ms) of the write side; the duration is the wait") {
        lateinit var lock: RWLock
        val events = withActors(2) { (holder, waiter) ->
            recordLockEvents {
                lock = named(Policy.WRITER_PREFERRING, "timeouts")
                holder.call { lock.read().lock() }
                waiter.call { lock.write().tryLock(50, TimeUnit.MILLISECONDS) } shouldBe false
                holder.call { lock.read().unlock() }
            }
        }
        lock.shouldBeFree()
        events.map { it.view() } shouldMatch listOf(
            LockEventView(CONTENDED_ACQUIRE, "timeouts", "WRITER_PREFERRING", "write", "thread", "timed out", "actor-2"),
        )
        // The wait began before the deadline was computed (JFR's clock may differ slightly).
        events.single().duration shouldBeGreaterThanOrEqualTo Duration.ofMillis(45)
    }

    test("ContendedAcquire, interrupted: lockInterruptibly() of the read side") {
        lateinit var lock: RWLock
        val events = withActors(2) { (holder, waiter) ->
            recordLockEvents {
                lock = named(Policy.FAIR, "interrupts")
                holder.call { lock.write().lock() }
                val r = waiter.start { lock.read().lockInterruptibly() }
                awaitQueued(lock, 1)
                waiter.interrupt()
                shouldThrow<InterruptedException> { r.await() }
                lock.queueLength shouldBe 0
                holder.call { lock.write().unlock() }
            }
        }
        lock.shouldBeFree()
        events.map { it.view() } shouldMatch listOf(
            LockEventView(CONTENDED_ACQUIRE, "interrupts", "FAIR", "read", "thread", "interrupted", "actor-2"),
        )
    }

    test("lock() interrupted while queued records acquired (it keeps waiting)") {
        lateinit var lock: RWLock
        val events = withActors(2) { (holder, waiter) ->
            recordLockEvents {
                lock = named(Policy.WRITER_PREFERRING, "uninterruptible")
                holder.call { lock.write().lock() }
                val w = waiter.start {
                    lock.write().lock()
                    val interrupted = Thread.interrupted()
                    lock.write().unlock()
                    interrupted
                }
                awaitQueued(lock, 1)
                waiter.interrupt()
                holder.call { lock.write().unlock() }
                w.await() shouldBe true
            }
        }
        lock.shouldBeFree()
        events.map { it.view().outcome } shouldContainExactly listOf("acquired")
    }

    test("no ContendedAcquire from the fast paths, nor from a zero timeout, nor when the event is off") {
        lateinit var lock: RWLock
        val uncontended = recordLockEvents {
            lock = named(Policy.WRITER_PREFERRING, "quiet")
            repeat(1_000) {
                lock.read().lock(); lock.read().lock(); lock.read().unlock(); lock.read().unlock()
                lock.write().lock(); lock.write().unlock()
                lock.write().tryLock(); lock.write().unlock()
            }
            withActors(1) { (holder) ->
                holder.call { lock.write().lock() }
                lock.read().tryLock(0, TimeUnit.MILLISECONDS) shouldBe false // one attempt, never queued
                lock.read().tryLock() shouldBe false
                holder.call { lock.write().unlock() }
            }
        }
        uncontended.shouldBeEmpty()
        lock.shouldBeFree()

        val off = withActors(2) { (holder, waiter) ->
            recordLockEvents(contendedThreshold = null) {
                holder.call { lock.write().lock() }
                waiter.call { lock.read().tryLock(20, TimeUnit.MILLISECONDS) } shouldBe false
                holder.call { lock.write().unlock() }
            }
        }
        off.shouldBeEmpty()
        lock.shouldBeFree()
    }

    test("the threshold filters ContendedAcquire: a short wait is not recorded") {
        lateinit var lock: RWLock
        val events = withActors(2) { (holder, waiter) ->
            recordLockEvents(contendedThreshold = Duration.ofSeconds(30)) {
                lock = named(Policy.WRITER_PREFERRING, "threshold")
                holder.call { lock.write().lock() }
                waiter.call { lock.read().tryLock(10, TimeUnit.MILLISECONDS) } shouldBe false
                holder.call { lock.write().unlock() }
            }
        }
        events.shouldBeEmpty()
        lock.shouldBeFree()
    }

    test("LongHold: a thread's outermost read hold and a write hold, nested holds counted once") {
        lateinit var lock: RWLock
        val events = withActors(1, "holder") { (a) ->
            recordLockEvents(contendedThreshold = null, longHoldThreshold = Duration.ZERO) {
                lock = named(Policy.WRITER_PREFERRING, "holds")
                a.call {
                    lock.read().lock(); lock.read().lock(); lock.read().unlock(); lock.read().unlock()
                    lock.write().lock(); lock.write().unlock()
                }
            }
        }
        lock.shouldBeFree()
        events.map { it.view() } shouldMatch listOf(
            LockEventView(LONG_HOLD, "holds", "WRITER_PREFERRING", "read", "thread", null, "holder-1"),
            LockEventView(LONG_HOLD, "holds", "WRITER_PREFERRING", "write", "thread", null, "holder-1"),
        )
    }

    test("LongHold: a downgrade ends the write hold and begins a read hold; a reentrant writer's read is timed") {
        lateinit var lock: RWLock
        val events = withActors(1, "holder") { (a) ->
            recordLockEvents(contendedThreshold = null, longHoldThreshold = Duration.ZERO) {
                lock = RWLock.builder().name("downgrades").reentrantWriter(true).build()
                a.call {
                    lock.write().lock(); lock.write().downgrade(); lock.read().unlock()
                    lock.write().lock(); lock.write().lock(); lock.read().lock()
                    lock.write().unlock(); lock.write().unlock(); lock.read().unlock()
                }
            }
        }
        lock.shouldBeFree()
        events.map { it.view().mode } shouldContainExactly listOf("write", "read", "write", "read")
    }

    test("LongHold: the threshold keeps short holds out; the duration is the hold") {
        lateinit var lock: RWLock
        val events = withActors(1, "holder") { (a) ->
            recordLockEvents(contendedThreshold = null, longHoldThreshold = Duration.ofMillis(25)) {
                lock = named(Policy.FAIR, "long")
                a.call {
                    repeat(100) { lock.read().lock(); lock.read().unlock() }
                    lock.write().lock()
                    Thread.sleep(60) // the hold itself: long on purpose
                    lock.write().unlock()
                }
            }
        }
        lock.shouldBeFree()
        events.map { it.view() } shouldMatch listOf(
            LockEventView(LONG_HOLD, "long", "FAIR", "write", "thread", null, "holder-1"),
        )
        events.single().duration shouldBeGreaterThanOrEqualTo Duration.ofMillis(55)
    }

    test("LongHold: a condition wait ends the hold; re-acquiring begins a new one") {
        lateinit var lock: RWLock
        val events = withActors(2, "cond") { (waiter, signaller) ->
            recordLockEvents(contendedThreshold = null, longHoldThreshold = Duration.ZERO) {
                lock = named(Policy.WRITER_PREFERRING, "conditions")
                val condition = lock.newCondition()
                val w = waiter.start {
                    lock.read().lock()
                    try {
                        condition.await(10, TimeUnit.SECONDS)
                    } finally {
                        lock.read().unlock()
                    }
                }
                awaitTrue("the waiter waits", lock) { condition.waitQueueLength == 1 }
                signaller.call { lock.write().lock(); condition.signal(); lock.write().unlock() }
                w.await() shouldBe true
            }
        }
        lock.shouldBeFree()
        events.map { "${it.view().mode} ${it.view().thread}" } shouldContainExactly
            listOf("read cond-1", "write cond-2", "read cond-1")
    }

    test("hold timing is on only while a recording enables LongHold") {
        TimingSwitch.on() shouldBe false
        recordLockEvents(longHoldThreshold = null) {
            RWLock.writerPreferring() // attaches to the recorder if it was not yet
            TimingSwitch.on() shouldBe false
        }
        recordLockEvents(longHoldThreshold = Duration.ofMillis(10)) {
            RWLock.writerPreferring()
            withClue("switched on by the recording") { TimingSwitch.on() shouldBe true }
        }
        TimingSwitch.on() shouldBe false
    }

    test("a hold is reported only if timing stayed on from its start to its end") {
        lateinit var lock: RWLock
        val first = recordLockEvents(contendedThreshold = null, longHoldThreshold = Duration.ZERO) {
            lock = named(Policy.WRITER_PREFERRING, "epochs")
            lock.read().lock() // timed, and still held when this recording stops
        }
        first.shouldBeEmpty()
        // Timing went off and on again: the hold's start belongs to the earlier period.
        val second = recordLockEvents(contendedThreshold = null, longHoldThreshold = Duration.ZERO) {
            RWLock.writerPreferring()
            lock.read().unlock()
        }
        second.shouldBeEmpty()
        lock.shouldBeFree()

        // A hold that began with timing off is not reported when it ends with timing on.
        lock.write().lock()
        val third = recordLockEvents(contendedThreshold = null, longHoldThreshold = Duration.ZERO) {
            RWLock.writerPreferring()
            lock.write().unlock()
        }
        third.shouldBeEmpty()
        lock.shouldBeFree()
    }
})
