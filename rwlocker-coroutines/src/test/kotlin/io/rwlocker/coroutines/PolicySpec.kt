package io.rwlocker.coroutines

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldContainExactly
import io.kotest.matchers.collections.shouldContainExactlyInAnyOrder
import io.kotest.matchers.shouldBe
import io.kotest.matchers.shouldNotBe
import io.rwlocker.Policy
import io.rwlocker.Policy.EXCLUSIVE
import io.rwlocker.Policy.FAIR
import io.rwlocker.Policy.READER_PREFERRING
import io.rwlocker.Policy.WRITER_PREFERRING
import java.util.concurrent.atomic.AtomicInteger
import kotlinx.coroutines.DelicateCoroutinesApi
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.launch
import kotlinx.coroutines.newFixedThreadPoolContext
import kotlinx.coroutines.test.TestScope
import kotlinx.coroutines.test.runCurrent
import kotlinx.coroutines.test.runTest
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.yield
import kotlin.time.Duration.Companion.seconds

/**
 * The admission rules of DESIGN.md 4.1 for the suspending [ReadWriteMutex]: who enters at once,
 * who waits, and in which order waiters are admitted, for each [Policy]. The orderings run on a
 * StandardTestDispatcher (`runCurrent()` lets every ready coroutine run until it suspends); the
 * exclusion checks also run on real multi-threaded dispatchers.
 */
class PolicySpec : FunSpec({
    timeout = 60_000

    /** Runs [scenario] under runTest with a fresh mutex of [policy] and a [Stage] on it. */
    fun scenario(policy: Policy, scenario: suspend TestScope.(Fixture, Stage) -> Unit) = runTest {
        val fixture = Fixture(policy)
        val stage = Stage(this, fixture.mutex)
        try {
            scenario(fixture, stage)
        } finally {
            stage.releaseAll()
        }
    }

    context("WRITER_PREFERRING") {
        test("r1 holds, w queued, late r2 waits: the order is r1, w, r2") {
            scenario(WRITER_PREFERRING) { f, s ->
                val r1 = s.reader("r1"); runCurrent()
                val w = s.writer("w"); runCurrent()
                val r2 = s.reader("r2"); runCurrent()
                s.entered shouldContainExactly listOf("r1")
                f.shouldHave(writeLocked = false, readHolds = 1, queued = 2)
                f.mutex.tryLockRead() shouldBe false // a writer waits: newcomer readers stay out

                r1.release(); runCurrent()
                s.entered shouldContainExactly listOf("r1", "w")
                f.shouldHave(writeLocked = true, readHolds = 0, queued = 1)

                w.release(); runCurrent()
                s.entered shouldContainExactly listOf("r1", "w", "r2")
                f.shouldHave(writeLocked = false, readHolds = 1, queued = 0)

                r2.release(); runCurrent()
                f.shouldBeFree()
            }
        }

        test("on the last release the oldest writer goes first, then all waiting readers together") {
            scenario(WRITER_PREFERRING) { f, s ->
                val w0 = s.writer("w0"); runCurrent()
                val r1 = s.reader("r1"); runCurrent()
                val r2 = s.reader("r2"); runCurrent()
                val w1 = s.writer("w1"); runCurrent()
                f.shouldHave(writeLocked = true, readHolds = 0, queued = 3)

                w0.release(); runCurrent()
                s.entered shouldContainExactly listOf("w0", "w1") // the writer, though it came last
                w1.release(); runCurrent()
                s.inside shouldContainExactlyInAnyOrder listOf("r1", "r2") // one phase
                f.shouldHave(writeLocked = false, readHolds = 2, queued = 0)
                r1.release(); r2.release(); runCurrent()
                f.shouldBeFree()
            }
        }

        test("a writer enters only when nobody holds") {
            scenario(WRITER_PREFERRING) { f, s ->
                val r1 = s.reader("r1"); runCurrent()
                f.mutex.tryLockWrite() shouldBe false
                val w = s.writer("w"); runCurrent()
                s.entered shouldContainExactly listOf("r1")
                r1.release(); runCurrent()
                s.entered shouldContainExactly listOf("r1", "w")
                w.release(); runCurrent()
                f.shouldBeFree()
            }
        }
    }

    context("READER_PREFERRING") {
        test("r1 holds, w queued, late r2 enters at once; w waits for both") {
            scenario(READER_PREFERRING) { f, s ->
                val r1 = s.reader("r1"); runCurrent()
                val w = s.writer("w"); runCurrent()
                val r2 = s.reader("r2"); runCurrent()
                s.entered shouldContainExactly listOf("r1", "r2")
                f.shouldHave(writeLocked = false, readHolds = 2, queued = 1)
                f.mutex.tryLockRead() shouldBe true // no writer holds: a reader enters
                f.mutex.unlockRead()

                r1.release(); runCurrent()
                s.entered shouldContainExactly listOf("r1", "r2")
                r2.release(); runCurrent()
                s.entered shouldContainExactly listOf("r1", "r2", "w")
                w.release(); runCurrent()
                f.shouldBeFree()
            }
        }

        test("on the last release all waiting readers go first, then the oldest writer") {
            scenario(READER_PREFERRING) { f, s ->
                val w0 = s.writer("w0"); runCurrent()
                val w1 = s.writer("w1"); runCurrent()
                val r1 = s.reader("r1"); runCurrent()
                val r2 = s.reader("r2"); runCurrent()
                f.shouldHave(writeLocked = true, readHolds = 0, queued = 3)

                w0.release(); runCurrent()
                s.inside shouldContainExactlyInAnyOrder listOf("r1", "r2")
                f.shouldHave(writeLocked = false, readHolds = 2, queued = 1)
                r1.release(); r2.release(); runCurrent()
                s.entered.last() shouldBe "w1"
                w1.release(); runCurrent()
                f.shouldBeFree()
            }
        }
    }

    context("FAIR") {
        test("r1 holds, w queued, late r2 waits; after the reader phase the writer, then r2") {
            scenario(FAIR) { f, s ->
                val r1 = s.reader("r1"); runCurrent()
                val w = s.writer("w"); runCurrent()
                val r2 = s.reader("r2"); runCurrent()
                s.entered shouldContainExactly listOf("r1")
                f.mutex.tryLockRead() shouldBe false
                f.mutex.tryLockWrite() shouldBe false

                r1.release(); runCurrent()
                s.entered shouldContainExactly listOf("r1", "w")
                w.release(); runCurrent()
                s.entered shouldContainExactly listOf("r1", "w", "r2")
                r2.release(); runCurrent()
                f.shouldBeFree()
            }
        }

        test("after a write all readers then waiting enter together, before the next writer") {
            scenario(FAIR) { f, s ->
                val w0 = s.writer("w0"); runCurrent()
                val r1 = s.reader("r1"); runCurrent()
                val w1 = s.writer("w1"); runCurrent()
                val r2 = s.reader("r2"); runCurrent() // queued after w1, still in the phase
                f.shouldHave(writeLocked = true, readHolds = 0, queued = 3)

                w0.release(); runCurrent()
                s.inside shouldContainExactlyInAnyOrder listOf("r1", "r2")
                f.shouldHave(writeLocked = false, readHolds = 2, queued = 1)

                val r3 = s.reader("r3"); runCurrent() // arrives during the phase, w1 waits: r3 waits
                s.inside shouldContainExactlyInAnyOrder listOf("r1", "r2")
                f.shouldHave(writeLocked = false, readHolds = 2, queued = 2)

                r1.release(); runCurrent()
                s.inside shouldContainExactlyInAnyOrder listOf("r2")
                r2.release(); runCurrent()
                s.inside shouldContainExactlyInAnyOrder listOf("w1") // after a reader phase: the writer
                w1.release(); runCurrent()
                s.inside shouldContainExactlyInAnyOrder listOf("r3")
                r3.release(); runCurrent()
                s.entered.first() shouldBe "w0"
                s.entered.subList(1, 3) shouldContainExactlyInAnyOrder listOf("r1", "r2") // together
                s.entered.drop(3) shouldContainExactly listOf("w1", "r3")
                f.shouldBeFree()
            }
        }
    }

    context("EXCLUSIVE") {
        test("readers never overlap: r1 holds, r2 waits") {
            scenario(EXCLUSIVE) { f, s ->
                val r1 = s.reader("r1"); runCurrent()
                val r2 = s.reader("r2"); runCurrent()
                s.entered shouldContainExactly listOf("r1")
                f.shouldHave(writeLocked = false, readHolds = 1, queued = 1)
                f.mutex.tryLockRead() shouldBe false
                r1.release(); runCurrent()
                s.entered shouldContainExactly listOf("r1", "r2")
                f.shouldHave(writeLocked = false, readHolds = 1, queued = 0)
                r2.release(); runCurrent()
                f.shouldBeFree()
            }
        }

        test("waiters of both kinds are admitted one at a time in arrival order") {
            scenario(EXCLUSIVE) { f, s ->
                val w0 = s.writer("w0"); runCurrent()
                val order = listOf("r1", "w1", "r2", "w2", "r3")
                val actors = order.map { name ->
                    (if (name.startsWith("r")) s.reader(name) else s.writer(name)).also { runCurrent() }
                }
                f.shouldHave(writeLocked = true, readHolds = 0, queued = order.size)
                w0.release(); runCurrent()
                for ((i, actor) in actors.withIndex()) {
                    s.inside shouldContainExactlyInAnyOrder listOf(actor.name)
                    f.lock.getQueueLength() shouldBe order.size - 1 - i
                    actor.release(); runCurrent()
                }
                s.entered shouldContainExactly listOf("w0") + order
                f.shouldBeFree()
            }
        }
    }

    context("every policy") {
        for (policy in ALL_POLICIES) {
            test("$policy: writers are served in arrival order") {
                scenario(policy) { f, s ->
                    val w0 = s.writer("w0"); runCurrent()
                    val writers = (1..4).map { s.writer("w$it").also { runCurrent() } }
                    f.shouldHave(writeLocked = true, readHolds = 0, queued = 4)
                    w0.release(); runCurrent()
                    for (w in writers) {
                        s.inside shouldContainExactlyInAnyOrder listOf(w.name)
                        w.release(); runCurrent()
                    }
                    s.entered shouldContainExactly listOf("w0", "w1", "w2", "w3", "w4")
                    f.shouldBeFree()
                }
            }

            test("$policy: raw calls and introspection") {
                runTest {
                    val f = Fixture(policy)
                    val m = f.mutex
                    m.policy shouldBe policy
                    f.shouldBeFree()

                    m.tryLockWrite() shouldBe true
                    f.shouldHave(writeLocked = true, readHolds = 0, queued = 0)
                    m.tryLockWrite() shouldBe false
                    m.tryLockRead() shouldBe false
                    m.unlockWrite()
                    f.shouldBeFree()

                    m.lockRead()
                    f.shouldHave(writeLocked = false, readHolds = 1, queued = 0)
                    m.tryLockWrite() shouldBe false
                    m.tryLockRead() shouldBe (policy != EXCLUSIVE)
                    if (policy != EXCLUSIVE) m.unlockRead()
                    m.unlockRead()
                    f.shouldBeFree()

                    // a suspended raw writer is released by anyone (owner-less)
                    m.lockRead()
                    val writer = async { m.lockWrite(); "written" }
                    runCurrent()
                    writer.isCompleted shouldBe false
                    f.shouldHave(writeLocked = false, readHolds = 1, queued = 1)
                    m.unlockRead(); runCurrent()
                    writer.await() shouldBe "written"
                    m.isWriteLocked shouldBe true

                    // downgrade: a waiting writer stays out, the read hold is ours to release
                    val writer2 = async { m.lockWrite() }
                    runCurrent()
                    m.downgrade()
                    runCurrent()
                    f.shouldHave(writeLocked = false, readHolds = 1, queued = 1)
                    writer2.isCompleted shouldBe false
                    m.unlockRead(); runCurrent()
                    writer2.isCompleted shouldBe true
                    m.isWriteLocked shouldBe true
                    m.unlockWrite()
                    f.shouldBeFree()
                }
            }

            test("$policy: downgrade admits a waiting reader (unless EXCLUSIVE)") {
                runTest {
                    val f = Fixture(policy)
                    val m = f.mutex
                    m.lockWrite()
                    val reader = async { m.read { m.readHolds } }
                    runCurrent()
                    f.shouldHave(writeLocked = true, readHolds = 0, queued = 1)
                    m.downgrade(); runCurrent()
                    if (policy == EXCLUSIVE) {
                        reader.isCompleted shouldBe false
                        m.unlockRead(); runCurrent()
                        reader.await() shouldBe 1
                    } else {
                        reader.await() shouldBe 2 // entered beside the downgraded hold
                        m.unlockRead()
                    }
                    f.shouldBeFree()
                }
            }

            @OptIn(DelicateCoroutinesApi::class)
            test("$policy: on a real thread pool no writer ever overlaps anyone") {
                val f = Fixture(policy)
                val readersInside = AtomicInteger()
                val writersInside = AtomicInteger()
                val maxReaders = AtomicInteger()
                val violations = AtomicInteger()
                var counter = 0
                val pool = newFixedThreadPoolContext(4, "policy-pool")
                try {
                    withTimeout(30.seconds) {
                        withContext(pool) {
                            coroutineScope {
                                repeat(8) { c ->
                                    launch {
                                        repeat(150) { i ->
                                            if ((i + c) % 3 == 0) {
                                                f.mutex.write {
                                                    if (writersInside.incrementAndGet() != 1 || readersInside.get() != 0) violations.incrementAndGet()
                                                    counter++
                                                    yield()
                                                    writersInside.decrementAndGet()
                                                }
                                            } else {
                                                f.mutex.read {
                                                    val now = readersInside.incrementAndGet()
                                                    maxReaders.accumulateAndGet(now, ::maxOf)
                                                    if (writersInside.get() != 0) violations.incrementAndGet()
                                                    yield()
                                                    readersInside.decrementAndGet()
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                } finally {
                    pool.close()
                }
                violations.get() shouldBe 0
                counter shouldBe (0 until 8).sumOf { c -> (0 until 150).count { i -> (i + c) % 3 == 0 } }
                if (policy == EXCLUSIVE) maxReaders.get() shouldBe 1 else maxReaders.get() shouldNotBe 0
                f.shouldBeFree()
            }
        }

        test("Dispatchers.Default: readers of a reader-preferring mutex overlap") {
            val f = Fixture(READER_PREFERRING)
            val gate = kotlinx.coroutines.CompletableDeferred<Unit>()
            val inside = AtomicInteger()
            withTimeout(10.seconds) {
                coroutineScope {
                    val readers = (1..4).map {
                        launch(Dispatchers.Default) {
                            f.mutex.read {
                                inside.incrementAndGet()
                                gate.await()
                            }
                        }
                    }
                    while (inside.get() < 4) kotlinx.coroutines.delay(1) // bounded by withTimeout
                    f.mutex.readHolds shouldBe 4
                    gate.complete(Unit)
                    readers.forEach { it.join() }
                }
            }
            f.shouldBeFree()
        }
    }
})
