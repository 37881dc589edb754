package io.rwlocker

import io.kotest.core.spec.style.FunSpec
import io.kotest.datatest.withTests
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.string.shouldNotContain

/**
 * What a lock tells about itself: `toString()` (policy, write owner, read holds, queue length)
 * and the introspection methods, seen from the holder and from other threads.
 */
class IntrospectionSpec : FunSpec({
    timeout = 60_000L
    blockingTest = true

    context("toString shows the policy, the write owner, the read holds and the queue length") {
        withTests(allVariants) { v ->
            withActors(3, "intro-${v.policy}") { (a, b, c) ->
                val lock = v.newLock()
                lock.toString() shouldContain v.policy.name
                lock.toString() shouldContain "read holds = 0"
                lock.toString() shouldContain "queued = 0"
                a.call { lock.write().lock() }
                val r = b.start {
                    lock.read().lock()
                    lock.read().unlock()
                }
                awaitQueued(lock, 1)
                val w = c.start {
                    lock.write().lock()
                    lock.write().unlock()
                }
                awaitQueued(lock, 2)
                val held = lock.toString()
                held shouldContain v.policy.name
                held shouldContain a.name
                held shouldContain "queued = 2"
                held shouldNotContain b.name
                lock.read().toString() shouldContain v.policy.name
                lock.write().toString() shouldContain a.name
                a.call { lock.write().downgrade() }
                // READER_PREFERRING and FAIR admit the queued reader on the downgrade (it leaves at once)
                val readerAdmitted = v.policy == Policy.READER_PREFERRING || v.policy == Policy.FAIR
                if (readerAdmitted) r.await()
                val downgraded = lock.toString()
                downgraded shouldNotContain a.name
                downgraded shouldContain "read holds = 1"
                downgraded shouldContain "queued = ${if (readerAdmitted) 1 else 2}"
                a.call { lock.read().unlock() }
                r.await()
                w.await()
                lock.toString() shouldContain "read holds = 0"
                lock.toString() shouldContain "queued = 0"
                lock.shouldBeFree()
            }
        }
    }

    context("introspection from the holder and from other threads") {
        withTests(allVariants) { v ->
            withActors(3) { (a, b, probe) ->
                val lock = v.newLock()
                lock.shouldBeFree()
                probe.call { lock.holdsHere() } shouldBe NO_HOLDS

                // a reader
                a.call {
                    lock.read().lock()
                    lock.read().lock()
                    lock.holdsHere() shouldBe ThreadHolds(2, 0, true, false, false)
                }
                lock.state() shouldBe LockState(false, 2, 0, false)
                probe.call { lock.holdsHere() } shouldBe NO_HOLDS

                // a writer waits: queued, visible to everyone
                val w = b.start {
                    lock.write().lock()
                    val mine = lock.holdsHere()
                    lock.write().unlock()
                    mine
                }
                awaitQueued(lock, 1)
                lock.hasQueuedThreads() shouldBe true
                lock.isWriteLocked shouldBe false
                a.call {
                    lock.read().unlock()
                    lock.read().unlock()
                    lock.holdsHere() shouldBe NO_HOLDS
                }
                w.await() shouldBe ThreadHolds(0, 1, false, true, true)
                lock.shouldBeFree()

                // a writer holds: only it sees itself as the owner
                a.call {
                    lock.write().lock()
                    lock.isWriteLocked shouldBe true
                    lock.holdsHere() shouldBe ThreadHolds(0, 1, false, true, true)
                }
                probe.call {
                    lock.isWriteLocked shouldBe true
                    lock.holdsHere()
                } shouldBe NO_HOLDS
                lock.state() shouldBe LockState(true, 0, 0, false)
                a.call { lock.write().unlock() }
                lock.shouldBeFree()
            }
        }
    }
})
