package io.rwlocker.coroutines.soak

import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.core.test.Enabled
import io.kotest.matchers.collections.shouldBeEmpty
import io.kotest.matchers.collections.shouldNotBeEmpty
import io.kotest.matchers.shouldBe
import io.rwlocker.Policy
import io.rwlocker.RWLock
import io.rwlocker.coroutines.ReadWriteMutex
import io.rwlocker.coroutines.read
import io.rwlocker.coroutines.snapshot
import io.rwlocker.coroutines.write
import java.util.SplittableRandom
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger
import java.util.concurrent.atomic.AtomicReference
import java.util.concurrent.locks.LockSupport
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.yield

/**
 * Scale on virtual threads (JDK 21+; on JDK 17 those tests are skipped with the reason shown) and
 * on coroutines:
 *
 *  - 1,000,000 virtual threads hold the read lock at the same moment (the read count says so),
 *    a writer queues behind them, and when they are released all of them finish and the writer
 *    gets in after the last reader;
 *  - 100,000 virtual threads per policy contend with random reads and writes, under the exclusion
 *    monitor, and all finish;
 *  - 100,000 coroutines per policy contend with `read { }` and `write { }` on one [ReadWriteMutex]
 *    (on Dispatchers.Default, any JDK), under the exclusion monitor, and all finish with no hold
 *    and nothing queued;
 *  - during both virtual-thread runs, a JFR recording of `jdk.VirtualThreadPinned` (threshold 0) sees no pinned park
 *    in the library's code. A control proves the recording sees one: a virtual thread that waits
 *    for the lock inside a class initializer (which pins the carrier on every JDK).
 *
 * Sizes: `-Drwlocker.scale.readers` (1,000,000), `-Drwlocker.scale.contenders` (100,000) and
 * `-Drwlocker.scale.coroutines` (100,000).
 * Heap: a parked virtual thread costs about 1.1 KB and a reader record about 0.2 KB, so the
 * million readers need about 1.3 GB live; the module's Surefire JVM gets `-Xmx3g`.
 */
class ScaleSpec : FunSpec({
    timeout = 900_000L
    blockingTest = true
    val readers = Integer.getInteger("rwlocker.scale.readers", 1_000_000)
    val contenders = Integer.getInteger("rwlocker.scale.contenders", 100_000)
    val coroutines = Integer.getInteger("rwlocker.scale.coroutines", 100_000)
    val onJdk21: (io.kotest.core.test.TestCase) -> Enabled = {
        if (VirtualThreads.available) Enabled.enabled else Enabled.disabled(VirtualThreads.skipReason)
    }
    if (!VirtualThreads.available) println("ScaleSpec: the virtual-thread tests are skipped: ${VirtualThreads.skipReason}")

    test("%,d virtual threads hold the read lock at the same time, then all release; no pinning".format(readers))
        .config(enabledOrReasonIf = onJdk21) {
            val lock = RWLock.writerPreferring()
            val inside = CountDownLatch(readers)
            val release = CountDownLatch(1)
            val finished = CountDownLatch(readers)
            val failure = AtomicReference<Throwable>()
            val readsAtWriterEntry = AtomicInteger(-1)
            val (_, pins) = PinningCheck.during {
                val factory = VirtualThreads.factory("reader-")
                repeat(readers) {
                    factory.newThread {
                        try {
                            lock.read().lock()
                            try {
                                inside.countDown()
                                release.await()
                            } finally {
                                lock.read().unlock()
                            }
                        } catch (t: Throwable) {
                            failure.compareAndSet(null, t)
                        } finally {
                            finished.countDown()
                        }
                    }.start()
                }
                withClue("readers inside: ${readers - inside.count}") { inside.await(600, TimeUnit.SECONDS) shouldBe true }
                lock.readLockCount shouldBe readers
                lock.queueLength shouldBe 0
                val writer = Thread {
                    lock.write().lock()
                    readsAtWriterEntry.set(lock.readLockCount)
                    lock.write().unlock()
                }.apply { start() }
                awaitTrue("the writer queued") { lock.queueLength == 1 }
                lock.isWriteLocked shouldBe false
                release.countDown()
                withClue("readers finished: ${readers - finished.count}") { finished.await(600, TimeUnit.SECONDS) shouldBe true }
                writer.join(60_000)
                writer.isAlive shouldBe false
            }
            failure.get() shouldBe null
            readsAtWriterEntry.get() shouldBe 0
            lock.readLockCount shouldBe 0
            lock.queueLength shouldBe 0
            lock.isWriteLocked shouldBe false
            println("ScaleSpec: %,d readers held the lock together; pinned parks: %d in all, %d in the library".format(readers, pins.all.size, pins.library.size))
            pins.library.shouldBeEmpty()
        }

    for (policy in Policy.entries) {
        test("%,d virtual threads contend with reads and writes and all finish [$policy]; no pinning".format(contenders))
            .config(enabledOrReasonIf = onJdk21) {
                val lock = RWLock.builder().policy(policy).build()
                val tally = Tally()
                val monitor = ExclusionMonitor(policy == Policy.EXCLUSIVE, tally)
                val finished = CountDownLatch(contenders)
                val writes = AtomicInteger()
                var plainWrites = 0
                val (_, pins) = PinningCheck.during {
                    val factory = VirtualThreads.factory("contender-")
                    repeat(contenders) { i ->
                        factory.newThread {
                            try {
                                val random = SplittableRandom(i.toLong())
                                repeat(2) {
                                    if (random.nextInt(4) == 0) {
                                        lock.write().lock()
                                        try {
                                            monitor.enterWrite()
                                            plainWrites++
                                            writes.incrementAndGet()
                                            if (random.nextBoolean()) Thread.yield()
                                            monitor.exitWrite()
                                        } finally {
                                            lock.write().unlock()
                                        }
                                    } else {
                                        lock.read().lock()
                                        try {
                                            monitor.enterRead()
                                            if (random.nextBoolean()) Thread.yield()
                                            monitor.exitRead()
                                        } finally {
                                            lock.read().unlock()
                                        }
                                    }
                                }
                            } catch (t: Throwable) {
                                tally.violation(t.describe())
                            } finally {
                                finished.countDown()
                            }
                        }.start()
                    }
                    withClue("finished: ${contenders - finished.count} of $contenders; $lock") {
                        finished.await(600, TimeUnit.SECONDS) shouldBe true
                    }
                }
                val counts = tally.snapshot()
                withClue(counts.messages.joinToString("\n")) { counts.violations shouldBe 0L }
                plainWrites shouldBe writes.get()
                lock.readLockCount shouldBe 0
                lock.queueLength shouldBe 0
                lock.isWriteLocked shouldBe false
                withClue(pins.library.joinToString("\n")) { pins.library.shouldBeEmpty() }
            }
    }

    for (policy in Policy.entries) {
        test("%,d coroutines contend with read { } and write { } on one ReadWriteMutex [$policy] and all finish".format(coroutines)) {
            val mutex = ReadWriteMutex(policy)
            val tally = Tally()
            val monitor = ExclusionMonitor(policy == Policy.EXCLUSIVE, tally)
            val finished = AtomicInteger()
            val writes = AtomicInteger()
            var plainWrites = 0
            withTimeout(300.seconds) {
                withContext(Dispatchers.Default) {
                    repeat(coroutines) { i ->
                        launch {
                            try {
                                val random = SplittableRandom(i.toLong())
                                repeat(2) {
                                    if (random.nextInt(4) == 0) {
                                        mutex.write {
                                            monitor.enterWrite()
                                            try {
                                                val seen = plainWrites
                                                if (random.nextBoolean()) yield()
                                                plainWrites = seen + 1
                                                writes.incrementAndGet()
                                            } finally {
                                                monitor.exitWrite()
                                            }
                                        }
                                    } else {
                                        mutex.read {
                                            monitor.enterRead()
                                            try {
                                                if (random.nextBoolean()) yield()
                                            } finally {
                                                monitor.exitRead()
                                            }
                                        }
                                    }
                                }
                                finished.incrementAndGet()
                            } catch (e: CancellationException) {
                                throw e
                            } catch (t: Throwable) {
                                tally.violation(t.describe())
                            }
                        }
                    }
                }
            }
            val counts = tally.snapshot()
            withClue(counts.messages.joinToString("\n")) { counts.violations shouldBe 0L }
            finished.get() shouldBe coroutines
            plainWrites shouldBe writes.get()
            val snapshot = mutex.snapshot()
            withClue(snapshot.toString()) {
                snapshot.isWriteLocked shouldBe false
                snapshot.coroutineReadHolds shouldBe 0
                snapshot.queuedCoroutines shouldBe 0
                mutex.readHolds shouldBe 0
            }
        }
    }

    test("control: the JFR check sees a virtual thread pinned while it waits for the lock (in a class initializer)")
        .config(enabledOrReasonIf = onJdk21) {
            val lock = PinningControl.lock
            lock.write().lock()
            val (thread, pins) = PinningCheck.during {
                val t = VirtualThreads.factory("pinned-").newThread { WaitsInInitializer.touch() }.apply { start() }
                awaitTrue("the virtual thread queued") { lock.queueLength == 1 }
                LockSupport.parkNanos(20_000_000L) // let it park (pinned) before it is granted
                lock.write().unlock()
                t.join(30_000)
                t
            }
            thread.isAlive shouldBe false
            withClue(pins.all.joinToString("\n")) { pins.library.shouldNotBeEmpty() }
            lock.queueLength shouldBe 0
            lock.readLockCount shouldBe 0
        }
})

/** Waits, bounded (60 s), polling, until [condition] holds. */
private fun awaitTrue(what: String, condition: () -> Boolean) {
    val deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60)
    while (!condition()) {
        check(System.nanoTime() - deadline < 0) { "timed out waiting for: $what" }
        LockSupport.parkNanos(1_000_000L)
    }
}

/** The lock of the pinning control, apart from [WaitsInInitializer] so that the test can hold it first. */
private object PinningControl {
    val lock: RWLock = RWLock.writerPreferring()
}

/** Its class initializer waits for [PinningControl.lock]: a virtual thread running it is pinned. */
private object WaitsInInitializer {
    init {
        PinningControl.lock.read().lock()
        PinningControl.lock.read().unlock()
    }

    fun touch() {}
}
