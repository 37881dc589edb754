package io.rwlocker.coroutines

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.shouldNotBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.string.shouldNotContain
import io.kotest.matchers.types.shouldBeInstanceOf
import io.kotest.matchers.types.shouldBeSameInstanceAs
import io.rwlocker.Guarded
import io.rwlocker.Policy
import io.rwlocker.Policy.EXCLUSIVE
import io.rwlocker.Policy.WRITER_PREFERRING
import io.rwlocker.RWLock
import java.util.concurrent.CountDownLatch
import java.util.concurrent.CyclicBarrier
import java.util.concurrent.TimeUnit.SECONDS
import java.util.concurrent.atomic.AtomicBoolean
import java.util.concurrent.atomic.AtomicReference
import kotlin.concurrent.thread
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.TimeoutCancellationException
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitCancellation
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.test.TestScope
import kotlinx.coroutines.test.runCurrent
import kotlinx.coroutines.test.runTest
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.yield
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds

/**
 * [GuardedMutex] and [asGuardedMutex] (DESIGN.md 5.1a): the semantics of each method; readers
 * concurrent and writers exclusive (proved with gates and the queue length, not timing);
 * exceptions and cancellation with the lock state checked after (holds, write lock, queue);
 * nested use in the same coroutine for reentrant and non-reentrant mutexes; threads and
 * coroutines sharing one value through `Guarded.asGuardedMutex()`.
 */
class GuardedMutexSpec : FunSpec({
    timeout = 60_000

    /** A mutable value with a shadow, so that a write that is not exclusive would show up. */
    class Tally(var x: Int = 0, var y: Int = 0)

    /** A coroutine that runs a guarded call and records whether its block ran and how it ended. */
    class Call(val job: Job, val ran: AtomicBoolean, val failure: AtomicReference<Throwable?>)

    fun TestScope.call(body: suspend (onRun: () -> Unit) -> Unit): Call {
        val ran = AtomicBoolean()
        val failure = AtomicReference<Throwable?>()
        val job = launch {
            try {
                body { ran.set(true) }
            } catch (e: Throwable) {
                failure.set(e)
                throw e
            }
        }
        return Call(job, ran, failure)
    }

    context("construction, identity, toString") {
        test("the default mutex is writer-preferring and not reentrant; a given mutex is used as is") {
            runTest {
                val g = GuardedMutex(1)
                g.mutex.policy shouldBe WRITER_PREFERRING
                shouldThrow<IllegalStateException> { g.write { g.write { it } } }
                g.mutex.isWriteLocked shouldBe false
                val f = Fixture(Policy.FAIR)
                GuardedMutex(1, f.mutex).mutex shouldBeSameInstanceAs f.mutex
                GuardedMutex(1).mutex shouldNotBe GuardedMutex(1).mutex
            }
        }

        test("a mutex not made by ReadWriteMutex() or asReadWriteMutex(): IllegalArgumentException") {
            val real = ReadWriteMutex()
            val foreign = object : ReadWriteMutex by real {}
            shouldThrow<IllegalArgumentException> { GuardedMutex(1, foreign) }.message shouldContain "ReadWriteMutex()"
        }

        test("a null value is allowed") {
            runTest {
                val g = GuardedMutex<String?>(null)
                g.read { it } shouldBe null
                g.set("x")
                g.read { it } shouldBe "x"
                g.update { null } shouldBe null
                g.read { it } shouldBe null
            }
        }

        test("equality is identity; toString shows the mutex, never the value") {
            val secret = object {
                override fun toString() = "s3cr3t"
            }
            val a = GuardedMutex(secret)
            val b = GuardedMutex(secret)
            (a == b) shouldBe false
            (a == a) shouldBe true
            a.toString() shouldContain "GuardedMutex@"
            a.toString() shouldContain a.mutex.toString()
            a.toString() shouldNotContain "s3cr3t"
        }
    }

    context("read, write, update, set") {
        test("read runs the block on the value under a read hold and returns its result") {
            runTest {
                val f = Fixture(WRITER_PREFERRING)
                val g = GuardedMutex(listOf(1, 2, 3), f.mutex)
                g.read { list ->
                    f.shouldHave(writeLocked = false, readHolds = 1, queued = 0)
                    list.sum()
                } shouldBe 6
                f.shouldBeFree()
            }
        }

        test("write mutates in place under the write lock; update and set replace the value") {
            runTest {
                val f = Fixture(WRITER_PREFERRING)
                val g = GuardedMutex(mutableListOf<String>(), f.mutex)
                g.write { list ->
                    f.shouldHave(writeLocked = true, readHolds = 0, queued = 0)
                    list.add("a")
                } shouldBe true
                g.read { it.toList() } shouldBe listOf("a")
                val replaced = g.update { old ->
                    f.shouldHave(writeLocked = true, readHolds = 0, queued = 0)
                    (old + "b").toMutableList()
                }
                replaced shouldBe listOf("a", "b")
                g.read { it } shouldBeSameInstanceAs replaced
                val fresh = mutableListOf("c")
                g.set(fresh)
                g.read { it } shouldBeSameInstanceAs fresh
                f.shouldBeFree()
            }
        }

        test("blocks may suspend while they hold the lock") {
            runTest {
                val f = Fixture(WRITER_PREFERRING)
                val g = GuardedMutex(Tally(), f.mutex)
                g.write { delay(10.milliseconds); yield(); it.x++; it.y++ }
                g.update { delay(10.milliseconds); Tally(it.x + 1, it.y + 1) }.x shouldBe 2
                g.read { delay(10.milliseconds); it.x } shouldBe 2
                f.shouldBeFree()
            }
        }
    }

    context("an exception thrown by a block propagates unchanged and the lock is released") {
        for (policy in ALL_POLICIES) {
            test("$policy") {
                runTest {
                    val f = Fixture(policy)
                    val original = Tally(1, 1)
                    val g = GuardedMutex(original, f.mutex)
                    val boom = IllegalArgumentException("boom")
                    shouldThrow<IllegalArgumentException> { g.read { throw boom } } shouldBeSameInstanceAs boom
                    f.shouldBeFree()
                    shouldThrow<IllegalArgumentException> { g.write { throw boom } } shouldBeSameInstanceAs boom
                    f.shouldBeFree()
                    shouldThrow<IllegalArgumentException> { g.update { delay(1); throw boom } } shouldBeSameInstanceAs boom
                    f.shouldBeFree()
                    g.read { it } shouldBeSameInstanceAs original // update left the old value
                }
            }
        }
    }

    context("cancellation: a coroutine cancelled while waiting holds nothing and queues nothing") {
        for (policy in ALL_POLICIES) {
            context("$policy") {
                test("read waiting behind a writer") {
                    runTest {
                        val f = Fixture(policy)
                        val g = GuardedMutex(Tally(), f.mutex)
                        f.mutex.lockWrite()
                        val c = call { onRun -> g.read { onRun() } }
                        runCurrent()
                        f.shouldHave(writeLocked = true, readHolds = 0, queued = 1)
                        c.job.cancel()
                        runCurrent()
                        c.failure.get().shouldBeInstanceOf<CancellationException>()
                        c.ran.get() shouldBe false
                        f.shouldHave(writeLocked = true, readHolds = 0, queued = 0)
                        f.mutex.unlockWrite()
                        f.shouldBeFree()
                    }
                }

                test("write, update and set waiting behind a reader: no effect") {
                    runTest {
                        val f = Fixture(policy)
                        val original = Tally()
                        val g = GuardedMutex(original, f.mutex)
                        f.mutex.lockRead()
                        val calls = listOf(
                            call { onRun -> g.write { onRun(); it.x = 99 } },
                            call { onRun -> g.update { onRun(); Tally(99, 99) } },
                            call { _ -> g.set(Tally(99, 99)) },
                        )
                        runCurrent()
                        f.shouldHave(writeLocked = false, readHolds = 1, queued = 3)
                        calls.forEach { it.job.cancel() }
                        runCurrent()
                        calls.forEach {
                            it.failure.get().shouldBeInstanceOf<CancellationException>()
                            it.ran.get() shouldBe false
                        }
                        f.shouldHave(writeLocked = false, readHolds = 1, queued = 0)
                        f.mutex.unlockRead()
                        f.shouldBeFree()
                        g.read { it } shouldBeSameInstanceAs original
                        original.x shouldBe 0
                    }
                }

                test("withTimeout { update { } } leaves no trace") {
                    runTest {
                        val f = Fixture(policy)
                        val g = GuardedMutex(1, f.mutex)
                        f.mutex.lockWrite()
                        shouldThrow<TimeoutCancellationException> { withTimeout(50.milliseconds) { g.update { it + 1 } } }
                        f.shouldHave(writeLocked = true, readHolds = 0, queued = 0)
                        f.mutex.unlockWrite()
                        f.shouldBeFree()
                        g.read { it } shouldBe 1
                    }
                }

                test("cancelled inside the block: the hold is released and update changes nothing") {
                    runTest {
                        val f = Fixture(policy)
                        val g = GuardedMutex(1, f.mutex)
                        val inside = CompletableDeferred<Unit>()
                        val c = call { _ -> g.update { inside.complete(Unit); awaitCancellation() } }
                        runCurrent()
                        inside.isCompleted shouldBe true
                        f.shouldHave(writeLocked = true, readHolds = 0, queued = 0)
                        c.job.cancel()
                        runCurrent()
                        c.failure.get().shouldBeInstanceOf<CancellationException>()
                        f.shouldBeFree()
                        g.read { it } shouldBe 1
                    }
                }

                test("a cancelled waiter that blocked others lets them in at once") {
                    runTest {
                        val f = Fixture(policy)
                        val g = GuardedMutex(Tally(), f.mutex)
                        f.mutex.lockRead()
                        val writer = call { onRun -> g.write { onRun() } }
                        runCurrent()
                        val reader = call { onRun -> g.read { onRun() } }
                        runCurrent()
                        val readerWaits = policy == WRITER_PREFERRING || policy == Policy.FAIR || policy == EXCLUSIVE
                        reader.ran.get() shouldBe !readerWaits
                        writer.job.cancel()
                        runCurrent()
                        if (policy != EXCLUSIVE) reader.ran.get() shouldBe true // shares with the raw read hold
                        writer.ran.get() shouldBe false
                        f.mutex.unlockRead()
                        runCurrent()
                        reader.ran.get() shouldBe true
                        f.shouldBeFree()
                    }
                }
            }
        }
    }

    context("readers run at the same time, writers alone") {
        for (policy in ALL_POLICIES.filter { it != EXCLUSIVE }) {
            test("$policy: three readers inside read at once; a writer waits until all have left") {
                runTest {
                    val f = Fixture(policy)
                    val g = GuardedMutex(Tally(), f.mutex)
                    val release = CompletableDeferred<Unit>()
                    var inside = 0
                    val readers = List(3) { async { g.read { inside++; release.await(); it.x } } }
                    runCurrent()
                    inside shouldBe 3 // all three hold the read lock at the same time
                    f.shouldHave(writeLocked = false, readHolds = 3, queued = 0)
                    val writer = call { onRun -> g.write { onRun(); it.x++; it.y++ } }
                    runCurrent()
                    writer.ran.get() shouldBe false
                    f.shouldHave(writeLocked = false, readHolds = 3, queued = 1)
                    release.complete(Unit)
                    runCurrent()
                    readers.map { it.await() } shouldBe listOf(0, 0, 0)
                    writer.ran.get() shouldBe true
                    g.read { it.x } shouldBe 1
                    f.shouldBeFree()
                }
            }
        }

        for (policy in ALL_POLICIES) {
            test("$policy: a coroutine inside write keeps writers, updaters, setters and readers out") {
                runTest {
                    val f = Fixture(policy)
                    val g = GuardedMutex(Tally(), f.mutex)
                    val log = mutableListOf<String>()
                    val release = CompletableDeferred<Unit>()
                    launch { g.write { log += "w1+"; release.await(); log += "w1-" } }
                    runCurrent()
                    launch { g.write { log += "w2"; it.x++; it.y++ } }
                    launch { g.update { log += "u"; Tally(it.x + 1, it.y + 1) } }
                    launch { g.set(Tally(100, 100)); log += "s" }
                    launch { g.read { log += "r"; check(it.x == it.y) } }
                    runCurrent()
                    log shouldBe listOf("w1+")
                    f.shouldHave(writeLocked = true, readHolds = 0, queued = 4)
                    release.complete(Unit)
                    runCurrent()
                    log.take(2) shouldBe listOf("w1+", "w1-")
                    log.size shouldBe 6
                    f.shouldBeFree()
                }
            }
        }
    }

    context("nested use in the same coroutine follows the mutex's reentrancy rules") {
        for (policy in ALL_POLICIES) {
            test("$policy: read inside read enters even while a writer waits") {
                runTest {
                    val f = Fixture(policy)
                    val g = GuardedMutex(7, f.mutex)
                    val result = g.read { outer ->
                        launch { g.set(8) }
                        runCurrent()
                        f.shouldHave(writeLocked = false, readHolds = 1, queued = 1)
                        g.read { inner -> outer + inner }
                    }
                    result shouldBe 14
                    runCurrent()
                    g.read { it } shouldBe 8
                    f.shouldBeFree()
                }
            }

            test("$policy: write, update or set inside read: IllegalStateException, the outer read goes on") {
                runTest {
                    val f = Fixture(policy, reentrant = true)
                    val g = GuardedMutex(Tally(), f.mutex)
                    g.read { t ->
                        shouldThrow<IllegalStateException> { g.write { it.x++ } }
                        shouldThrow<IllegalStateException> { g.update { Tally(9, 9) } }
                        shouldThrow<IllegalStateException> { g.set(Tally(9, 9)) }
                        f.shouldHave(writeLocked = false, readHolds = 1, queued = 0)
                        t.x
                    } shouldBe 0
                    f.shouldBeFree()
                }
            }

            test("$policy, non-reentrant: inside write every call fails fast; an uncaught failure releases") {
                runTest {
                    val f = Fixture(policy)
                    val g = GuardedMutex(Tally(), f.mutex)
                    g.write { t ->
                        shouldThrow<IllegalStateException> { g.read { it.x } }
                        shouldThrow<IllegalStateException> { g.write { it.x++ } }
                        shouldThrow<IllegalStateException> { g.update { Tally(9, 9) } }
                        shouldThrow<IllegalStateException> { g.set(Tally(9, 9)) }
                        f.shouldHave(writeLocked = true, readHolds = 0, queued = 0)
                        t.x++
                        t.y++
                    }
                    g.read { it.x to it.y } shouldBe (1 to 1)
                    shouldThrow<IllegalStateException> { g.write { g.write { it } } }
                    f.shouldBeFree()
                }
            }

            test("$policy, reentrant writer: inside write every call re-enters") {
                runTest {
                    val f = Fixture(policy, reentrant = true)
                    val g = GuardedMutex(Tally(), f.mutex)
                    g.write { outer ->
                        g.read { it.x } shouldBe 0
                        g.write { inner -> inner.x++; inner.y++ }
                        g.update { Tally(it.x + 1, it.y + 1) }.x shouldBe 2
                        outer.x shouldBe 1 // the outer block still has the object it was given
                        g.set(Tally(5, 5))
                        f.shouldHave(writeLocked = true, readHolds = 0, queued = 0)
                    }
                    g.read { it.x } shouldBe 5
                    f.shouldBeFree()
                }
            }
        }
    }

    context("asGuardedMutex: the same value and the same lock as the Guarded") {
        test("the same object on every call, also when called concurrently; its mutex is the lock's") {
            val guarded = Guarded.of(1)
            guarded.asGuardedMutex() shouldBeSameInstanceAs guarded.asGuardedMutex()
            guarded.asGuardedMutex().mutex shouldBeSameInstanceAs guarded.lock().asReadWriteMutex()

            val fresh = Guarded.of(2, RWLock.fair())
            val barrier = CyclicBarrier(8)
            val seen = Array(8) { AtomicReference<GuardedMutex<Int>?>() }
            val threads = (0 until 8).map { i -> thread { barrier.await(10, SECONDS); seen[i].set(fresh.asGuardedMutex()) } }
            threads.forEach { it.join(10_000) }
            seen.forEach { it.get() shouldBeSameInstanceAs seen[0].get() }
            seen[0].get()!!.mutex.policy shouldBe Policy.FAIR
        }

        test("changes made by either face are seen by the other") {
            runTest {
                val guarded = Guarded.of(mutableListOf("a"))
                val twin = guarded.asGuardedMutex()
                twin.write { it.add("b") }
                guarded.read { it.toList() } shouldBe listOf("a", "b")
                guarded.write { it.add("c") }
                twin.read { it.toList() } shouldBe listOf("a", "b", "c")
                val replaced = twin.update { mutableListOf("d") }
                guarded.read { it } shouldBeSameInstanceAs replaced
                guarded.set(mutableListOf("e"))
                twin.read { it.toList() } shouldBe listOf("e")
                twin.set(mutableListOf())
                guarded.read { it.isEmpty() } shouldBe true
                guarded.lock().getQueueLength() shouldBe 0
            }
        }

        test("a thread inside guarded.read keeps a coroutine's write waiting") {
            val guarded = Guarded.of(Tally())
            val twin = guarded.asGuardedMutex()
            val inside = CountDownLatch(1)
            val release = CountDownLatch(1)
            val reader = thread(name = "guarded-reader") {
                guarded.read { inside.countDown(); release.await(10, SECONDS) }
            }
            try {
                inside.await(10, SECONDS) shouldBe true
                val entered = AtomicBoolean()
                withTimeout(10.seconds) {
                    coroutineScope {
                        val w = launch(Dispatchers.Default) { twin.write { entered.set(true); it.x++; it.y++ } }
                        guarded.lock().awaitQueueLength(1)
                        entered.get() shouldBe false
                        twin.mutex.readHolds shouldBe 1
                        release.countDown()
                        w.join()
                    }
                }
                entered.get() shouldBe true
            } finally {
                release.countDown()
                reader.join(10_000)
            }
            reader.isAlive shouldBe false
            guarded.read { it.x } shouldBe 1
            guarded.lock().getQueueLength() shouldBe 0
            guarded.lock().isWriteLocked shouldBe false
            guarded.lock().getReadLockCount() shouldBe 0
        }

        test("a coroutine inside twin.write keeps a thread's guarded.read waiting") {
            val guarded = Guarded.of(Tally())
            val twin = guarded.asGuardedMutex()
            val seen = AtomicReference<Int>()
            var reader: Thread? = null
            withTimeout(10.seconds) {
                withContext(Dispatchers.Default) {
                    twin.write { t ->
                        reader = thread(name = "guarded-reader") { seen.set(guarded.read { it.x }) }
                        guarded.lock().awaitQueueLength(1)
                        seen.get() shouldBe null
                        t.x = 5
                        t.y = 5
                    }
                }
            }
            reader!!.join(10_000)
            seen.get() shouldBe 5
            guarded.lock().getQueueLength() shouldBe 0
            guarded.lock().isWriteLocked shouldBe false
        }

        test("a coroutine cancelled while waiting behind a thread holds nothing and queues nothing") {
            val guarded = Guarded.of(1)
            val twin = guarded.asGuardedMutex()
            val inside = CountDownLatch(1)
            val release = CountDownLatch(1)
            val writer = thread(name = "guarded-writer") {
                guarded.write { inside.countDown(); release.await(10, SECONDS) }
            }
            try {
                inside.await(10, SECONDS) shouldBe true
                withTimeout(10.seconds) {
                    coroutineScope {
                        val ran = AtomicBoolean()
                        val r = launch(Dispatchers.Default) { twin.read { ran.set(true) } }
                        val u = launch(Dispatchers.Default) { twin.update { ran.set(true); it + 1 } }
                        guarded.lock().awaitQueueLength(2)
                        r.cancel(); u.cancel()
                        r.join(); u.join()
                        ran.get() shouldBe false
                        guarded.lock().getQueueLength() shouldBe 0
                        twin.mutex.readHolds shouldBe 0
                        twin.mutex.isWriteLocked shouldBe true // still the thread's
                    }
                }
            } finally {
                release.countDown()
                writer.join(10_000)
            }
            twin.mutex.isWriteLocked shouldBe false
            twin.mutex.readHolds shouldBe 0
            guarded.lock().getQueueLength() shouldBe 0
            guarded.read { it } shouldBe 1
        }

        test("2 threads and 4 coroutines, non-atomic increments through both faces: nothing lost") {
            val guarded = Guarded.of(Tally())
            val twin = guarded.asGuardedMutex()
            val start = CountDownLatch(1)
            val threads = (1..2).map {
                thread {
                    start.await(10, SECONDS)
                    repeat(5_000) {
                        guarded.write { t -> t.x++; t.y++ }
                        guarded.read { t -> check(t.x == t.y) }
                    }
                }
            }
            withTimeout(30.seconds) {
                withContext(Dispatchers.Default) {
                    start.countDown()
                    repeat(4) {
                        launch {
                            repeat(2_500) { i ->
                                if (i % 2 == 0) twin.update { Tally(it.x + 1, it.y + 1) } else twin.write { t -> t.x++; t.y++ }
                                twin.read { t -> check(t.x == t.y) }
                            }
                        }
                    }
                }
            }
            threads.forEach { it.join(30_000) }
            threads.forEach { it.isAlive shouldBe false }
            guarded.read { it.x to it.y } shouldBe (20_000 to 20_000)
            guarded.lock().getQueueLength() shouldBe 0
            guarded.lock().getReadLockCount() shouldBe 0
        }
    }
})
