package io.rwlocker.internal

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.rwlocker.Mode
import io.rwlocker.Modes
import io.rwlocker.Policy

/**
 * The engine never grants a queued node whose requester is gone ([Waiter.isAbandoned]: a
 * cancelled coroutine whose cancellation handler has not reached the queue lock yet). Such a
 * grant was given back a moment later, but a tryLock in between failed on a lock that no
 * sequential history holds (the deep Lincheck run of the exclusive raw lock found it). Driven
 * directly on the engine with a test node whose `abandoned` flag plays the cancelled
 * continuation, so each step is deterministic: the node is skipped (CANCELLED, never woken), the
 * lock is free at once, a live node behind it is granted, and the late handler's cancel()
 * reports "withdrawn" (true), so nothing is given back twice.
 */
class AbandonedWaiterSpec : FunSpec({
    class TestWaiter(write: Boolean, mode: Mode? = null) :
        Waiter(Any(), if (mode != null) 0 else if (write) 1 else 0, if (mode != null || write) 0 else 1, mode) {
        @Volatile
        var abandoned = false
        var woken = 0

        override fun wake() {
            woken++
        }

        override fun isAbandoned(): Boolean = abandoned
    }

    test("FifoLock: an abandoned head is skipped, a live request behind it is granted") {
        val engine = FifoEngine()
        val writer = engine.tryAcquire(Modes.write())!!
        val gone = TestWaiter(false, Modes.write())
        val live = TestWaiter(false, Modes.read())
        engine.acquireOrEnqueue(gone) shouldBe false
        engine.acquireOrEnqueue(live) shouldBe false
        engine.queueLength() shouldBe 2

        gone.abandoned = true
        writer.close()

        gone.status() shouldBe Waiter.CANCELLED
        gone.woken shouldBe 0
        live.status() shouldBe Waiter.GRANTED
        live.woken shouldBe 1
        engine.queueLength() shouldBe 0
        engine.holds(Modes.write()) shouldBe 0
        engine.holds(Modes.read()) shouldBe 1
        engine.cancel(gone) shouldBe true
        engine.holdOf(live).close()
        engine.holds(Modes.read()) shouldBe 0
        engine.tryAcquire(Modes.write())!!.close()
    }

    for (policy in Policy.entries) {
        for (write in listOf(false, true)) {
            val kind = if (write) "write" else "read"

            test("$policy: a queued $kind request abandoned before the release is skipped, the lock is free at once") {
                val engine = LockEngine(policy, false, "abandoned")
                val holder = Any()
                engine.tryWriteFast(holder) shouldBe true
                val node = TestWaiter(write)
                engine.acquireOrEnqueue(node) shouldBe false
                engine.queueLength() shouldBe 1

                node.abandoned = true
                engine.releaseWrite()

                node.status() shouldBe Waiter.CANCELLED
                node.woken shouldBe 0
                engine.queueLength() shouldBe 0
                engine.isWriteLocked shouldBe false
                engine.readHolds() shouldBe 0
                engine.cancel(node) shouldBe true // the late handler: withdrawn, nothing to give back
                engine.tryWriteFast(holder) shouldBe true
                engine.releaseWrite()
                engine.tryReadFast() shouldBe true
                engine.releaseReads(1)
                engine.readHolds() shouldBe 0
            }

            test("$policy: a live $kind request behind an abandoned one is granted and woken") {
                val engine = LockEngine(policy, false, "abandoned")
                engine.tryWriteFast(Any()) shouldBe true
                val gone = TestWaiter(write)
                val live = TestWaiter(write)
                engine.acquireOrEnqueue(gone) shouldBe false
                engine.acquireOrEnqueue(live) shouldBe false
                engine.queueLength() shouldBe 2

                gone.abandoned = true
                engine.releaseWrite()

                gone.status() shouldBe Waiter.CANCELLED
                gone.woken shouldBe 0
                live.status() shouldBe Waiter.GRANTED
                live.woken shouldBe 1
                engine.queueLength() shouldBe 0
                engine.cancel(gone) shouldBe true
                engine.cancel(live) shouldBe false // granted: its owner holds the lock
                if (write) {
                    engine.isWriteLocked shouldBe true
                    engine.releaseWrite()
                } else {
                    engine.readHolds() shouldBe 1
                    engine.releaseReads(1)
                }
                engine.isWriteLocked shouldBe false
                engine.readHolds() shouldBe 0
            }
        }
    }
})
