package io.rwlocker.coroutines

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.types.shouldBeInstanceOf
import java.io.IOException
import java.lang.reflect.InvocationTargetException
import java.util.concurrent.Callable
import java.util.concurrent.ExecutionException
import java.util.concurrent.TimeUnit.SECONDS
import java.util.concurrent.atomic.AtomicBoolean
import java.util.concurrent.atomic.AtomicInteger
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.TimeoutCancellationException
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.awaitCancellation
import kotlinx.coroutines.cancel
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.test.runCurrent
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeout

/**
 * Results, failures, cancellation, closing and misuse of [PriorityDispatcher] (DESIGN.md 5.2):
 * every accepted task completes, fails or is cancelled, nothing is dropped, and after every error
 * path the admission state is checked (nothing queued or running that should not be).
 */
class PriorityLifecycleSpec : FunSpec({
    timeout = 60_000

    class Boom(message: String) : RuntimeException(message)

    context("results and failures") {
        test("write and read return the block's value; submit* return it as a Deferred") {
            priorityTest { d, _ ->
                d.write { 1 } shouldBe 1
                d.read { "two" } shouldBe "two"
                d.submitWrite { 3 }.await() shouldBe 3
                d.submitRead { 4 }.await() shouldBe 4
                d.shouldBeIdle()
                d.closeAndJoin()
            }
        }

        test("a failing task rethrows in write/read, fails its Deferred, and the dispatcher goes on") {
            priorityTest { d, t ->
                shouldThrow<Boom> { d.write<Unit> { throw Boom("w") } }.message shouldBe "w"
                d.shouldBeIdle()
                shouldThrow<Boom> { d.read<Unit> { delay(5); throw Boom("r") } }.message shouldBe "r"
                d.shouldBeIdle()
                val failed = d.submitWrite<Int> { throw Boom("submitted") }
                val after = d.submitRead { t.read("after") { 7 } }
                shouldThrow<Boom> { failed.await() }.message shouldBe "submitted"
                after.await() shouldBe 7
                d.isClosed shouldBe false
                d.shouldBeIdle()
                t.shouldBeClean()
                d.closeAndJoin()
            }
        }

        test("a failing Callable fails its future; the next one runs") {
            val d = PriorityDispatcher()
            try {
                val failed = d.readAsync<Int> { throw IOException("disk") }
                val e = shouldThrow<ExecutionException> { failed.get(10, SECONDS) }
                e.cause.shouldBeInstanceOf<IOException>().message shouldBe "disk"
                d.writeAsync { 5 }.get(10, SECONDS) shouldBe 5
            } finally {
                d.close()
            }
            d.shouldBeIdle()
        }
    }

    context("cancellation") {
        test("a task cancelled before it starts never runs and leaves no trace") {
            priorityTest { d, t ->
                val gate = CompletableDeferred<Unit>()
                val w0 = d.submitWrite { t.write("w0") { gate.await() } }
                runCurrent()
                val ran = AtomicBoolean()
                val read = d.submitRead { ran.set(true) }
                val write = d.submitWrite { ran.set(true) }
                runCurrent()
                d.shouldHave(queuedWrites = 1, queuedReads = 1, runningWrites = 1)
                read.cancel()
                write.cancel()
                d.shouldHave(runningWrites = 1) // unlinked at once, not when their turn comes
                gate.complete(Unit)
                w0.await()
                read.isCancelled shouldBe true
                write.isCancelled shouldBe true
                ran.get() shouldBe false
                d.shouldBeIdle()
                d.closeAndJoin()
            }
        }

        test("a queued write that is cancelled lets the reads behind it in at once") {
            priorityTest { d, t ->
                val gate = CompletableDeferred<Unit>()
                val r0 = d.submitRead { t.read("r0") { gate.await() } }
                runCurrent()
                val w = d.submitWrite { t.write("w") { } }
                val r1 = d.submitRead { t.read("r1") { 1 } }
                runCurrent()
                d.shouldHave(queuedWrites = 1, queuedReads = 1, runningReads = 1)
                w.cancel()
                d.shouldHave(runningReads = 2) // r1 admitted by the cancellation, while r0 still runs
                r1.await() shouldBe 1
                gate.complete(Unit)
                r0.await()
                t.started.toList() shouldBe listOf("r0", "r1")
                d.shouldBeIdle()
                d.closeAndJoin()
            }
        }

        test("cancelling the caller of write { } while its task is queued cancels the task") {
            priorityTest { d, _ ->
                val gate = CompletableDeferred<Unit>()
                val w0 = d.submitWrite { gate.await() }
                runCurrent()
                val ran = AtomicBoolean()
                val caller = launch { d.write { ran.set(true) } }
                runCurrent()
                d.shouldHave(queuedWrites = 1, runningWrites = 1)
                caller.cancel()
                runCurrent()
                caller.isCancelled shouldBe true
                d.shouldHave(runningWrites = 1)
                gate.complete(Unit)
                w0.await()
                ran.get() shouldBe false
                d.shouldBeIdle()
                d.closeAndJoin()
            }
        }

        test("cancelling the caller of read { } while its task runs cancels the task; the call returns after it stopped") {
            priorityTest { d, _ ->
                val started = CompletableDeferred<Unit>()
                val stopped = AtomicBoolean()
                val caller = launch {
                    d.read {
                        started.complete(Unit)
                        try {
                            awaitCancellation()
                        } finally {
                            stopped.set(true)
                        }
                    }
                }
                started.await()
                val w = d.submitWrite { 9 }
                runCurrent()
                d.shouldHave(queuedWrites = 1, runningReads = 1)
                caller.cancel()
                caller.join()
                stopped.get() shouldBe true
                w.await() shouldBe 9 // the write behind it was admitted
                d.shouldBeIdle()
                d.closeAndJoin()
            }
        }

        test("withTimeout { write { } } while queued: TimeoutCancellationException, no trace") {
            priorityTest { d, _ ->
                val gate = CompletableDeferred<Unit>()
                val r0 = d.submitRead { gate.await() }
                runCurrent()
                shouldThrow<TimeoutCancellationException> { withTimeout(50) { d.write { 1 } } }
                d.shouldHave(runningReads = 1)
                d.read { 2 } shouldBe 2 // no write left queued in front of it
                gate.complete(Unit)
                r0.await()
                d.shouldBeIdle()
                d.closeAndJoin()
            }
        }

        test("cancelling a future cancels its task") {
            val d = PriorityDispatcher()
            try {
                val gate = CompletableDeferred<Unit>()
                val blocker = d.submitWrite { gate.await() }
                val ran = AtomicBoolean()
                val future = d.readAsync { ran.set(true) }
                eventually { d.queuedTasks == 1 }
                future.cancel(false) shouldBe true
                eventually { d.queuedTasks == 0 }
                gate.complete(Unit)
                runBlocking { blocker.await() }
                ran.get() shouldBe false
            } finally {
                d.close()
            }
            d.shouldBeIdle()
        }
    }

    context("close and cancel") {
        test("closeAndJoin with pending work: all of it runs, in order; then submissions fail") {
            priorityTest { d, t ->
                val gate = CompletableDeferred<Unit>()
                val w0 = d.submitWrite { t.write("w0") { gate.await() } }
                runCurrent()
                val tasks = (1..10).map { i ->
                    if (i % 3 == 0) d.submitWrite { t.write("w$i") { delay(1); i } } else d.submitRead { t.read("r$i") { delay(1); i } }
                }
                val closed = launch { d.closeAndJoin() }
                runCurrent()
                d.isClosed shouldBe true
                closed.isCompleted shouldBe false
                shouldThrow<IllegalStateException> { d.submitRead { 0 } }.message shouldContain "closed"
                shouldThrow<IllegalStateException> { d.write { 0 } }
                val refused = d.readAsync { 0 }
                shouldThrow<ExecutionException> { refused.get() }.cause.shouldBeInstanceOf<IllegalStateException>()
                gate.complete(Unit)
                closed.join()
                w0.isCompleted shouldBe true
                tasks.map { it.isCompleted } shouldBe List(10) { true }
                tasks.awaitAll() shouldBe (1..10).toList()
                t.started.toList().take(4) shouldBe listOf("w0", "w3", "w6", "w9")
                t.started.size shouldBe 11
                t.shouldBeClean()
                d.shouldBeIdle()
            }
        }

        test("close() from a plain thread blocks until the queued tasks ran; idempotent") {
            val d = PriorityDispatcher(CoroutineScope(Dispatchers.Default), readParallelism = 4)
            val done = AtomicInteger()
            val tasks = (1..40).map { i ->
                if (i % 5 == 0) d.submitWrite { delay(1); done.incrementAndGet() } else d.submitRead { delay(2); done.incrementAndGet() }
            }
            d.close()
            done.get() shouldBe 40
            tasks.all { it.isCompleted } shouldBe true
            d.close()
            runBlocking { d.closeAndJoin() }
            d.isClosed shouldBe true
            d.shouldBeIdle()
            shouldThrow<IllegalStateException> { d.submitWrite { } }
        }

        test("close() lets the dispatcher's scope complete") {
            runBlocking {
                val job = launch {
                    val d = PriorityDispatcher(this)
                    d.submitRead { delay(5) }
                    d.closeAndJoin()
                }
                withTimeout(10_000) { job.join() } // would hang if the dispatcher stayed attached
            }
        }

        test("cancel with pending work: everything is cancelled, nothing left running") {
            priorityTest { d, _ ->
                val running = d.submitWrite { awaitCancellation() }
                runCurrent()
                val ran = AtomicInteger()
                val queued = (1..10).map { i -> if (i % 2 == 0) d.submitWrite { ran.incrementAndGet() } else d.submitRead { ran.incrementAndGet() } }
                runCurrent()
                d.cancel()
                d.isClosed shouldBe true
                d.closeAndJoin()
                running.isCancelled shouldBe true
                queued.all { it.isCancelled } shouldBe true
                ran.get() shouldBe 0
                d.shouldBeIdle()
                shouldThrow<IllegalStateException> { d.submitRead { } }.message shouldContain "cancelled"
                d.cancel() // idempotent
                d.close()
            }
        }

        test("cancel() then close() from a thread waits until the cancelled tasks stopped") {
            val d = PriorityDispatcher()
            val stopped = AtomicBoolean()
            val started = CompletableDeferred<Unit>()
            val task = d.submitRead {
                started.complete(Unit)
                try {
                    awaitCancellation()
                } finally {
                    withContext(NonCancellable) { delay(20) } // a slow clean-up finishes before close() returns
                    stopped.set(true)
                }
            }
            runBlocking { started.await() }
            d.cancel()
            d.close()
            stopped.get() shouldBe true
            task.isCancelled shouldBe true
            d.shouldBeIdle()
        }

        test("cancelling the scope cancels every task, queued ones never run; then submissions fail") {
            // Repeated: the running read is cancelled first and releases its slot while the queued
            // write is not cancelled yet; the admission must already be stopped by then.
            repeat(50) {
                val scope = CoroutineScope(Job() + Dispatchers.Default)
                val d = PriorityDispatcher(scope)
                val started = CompletableDeferred<Unit>()
                val running = d.submitRead { started.complete(Unit); awaitCancellation() }
                runBlocking { started.await() }
                val ran = AtomicBoolean()
                val queued = d.submitWrite { ran.set(true) }
                scope.cancel()
                runBlocking {
                    withTimeout(10_000) {
                        running.join()
                        queued.join()
                    }
                }
                running.isCancelled shouldBe true
                queued.isCancelled shouldBe true
                ran.get() shouldBe false
                shouldThrow<IllegalStateException> { d.submitWrite { } }
                d.isClosed shouldBe true
                d.close() // returns: nothing pending
                d.shouldBeIdle()
            }
        }
    }

    context("bad input and misuse") {
        test("readParallelism or maxConsecutiveWrites below 1: IllegalArgumentException, nothing attached to the scope") {
            runBlocking {
                val scope = CoroutineScope(Job())
                shouldThrow<IllegalArgumentException> { PriorityDispatcher(scope, readParallelism = 0) }.message shouldContain "readParallelism"
                shouldThrow<IllegalArgumentException> { PriorityDispatcher(scope, readParallelism = -5) }
                shouldThrow<IllegalArgumentException> { PriorityDispatcher(scope, maxConsecutiveWrites = 0) }.message shouldContain "maxConsecutiveWrites"
                shouldThrow<IllegalArgumentException> { PriorityDispatcher(Runnable::run, readParallelism = 0) }
                scope.childCount() shouldBe 0
                PriorityDispatcher(scope, 1, 1).close()
                scope.cancel()
            }
        }

        test("a null Callable: NullPointerException naming the argument, nothing queued") {
            val d = PriorityDispatcher()
            try {
                for (name in listOf("writeAsync", "readAsync")) {
                    val method = PriorityDispatcher::class.java.getMethod(name, Callable::class.java)
                    val e = shouldThrow<InvocationTargetException> { method.invoke(d, null) }
                    e.cause.shouldBeInstanceOf<NullPointerException>().message shouldContain "task"
                    d.shouldBeIdle()
                }
                d.writeAsync { 1 }.get(10, SECONDS) shouldBe 1
            } finally {
                d.close()
            }
        }

        test("write { } / read { } inside a task of the same dispatcher: IllegalStateException at once, state untouched") {
            priorityTest { d, _ ->
                shouldThrow<IllegalStateException> { d.write { d.write { 1 } } }.message shouldContain "write task"
                shouldThrow<IllegalStateException> { d.write { d.read { 1 } } }
                shouldThrow<IllegalStateException> { d.read { d.write { 1 } } }.message shouldContain "read task"
                shouldThrow<IllegalStateException> { d.read { d.read { 1 } } }
                // a child coroutine of the task is the task
                shouldThrow<IllegalStateException> { d.write { coroutineScope { async { d.read { 1 } }.await() } } }
                shouldThrow<IllegalStateException> { d.write { d.closeAndJoin() } }
                d.isClosed shouldBe false
                d.shouldBeIdle()
                d.write { 3 } shouldBe 3
                d.closeAndJoin()
            }
        }

        test("close() on a thread running a task of the dispatcher: IllegalStateException, not a deadlock") {
            val d = PriorityDispatcher()
            try {
                val failure = d.writeAsync { runCatching { d.close() }.exceptionOrNull() }.get(10, SECONDS)
                failure.shouldBeInstanceOf<IllegalStateException>().message shouldContain "close()"
                d.isClosed shouldBe false
                d.readAsync { 1 }.get(10, SECONDS) shouldBe 1
            } finally {
                d.close()
            }
        }

        test("a task may queue follow-up work with submit* and the task of another dispatcher may wait for this one") {
            priorityTest { d, _ ->
                val other = PriorityDispatcher(this)
                val followUp = d.write {
                    insideTaskOf(d) shouldBe true
                    other.read { 1 } shouldBe 1 // another dispatcher: allowed
                    d.submitRead { 2 }
                }
                followUp.await() shouldBe 2
                other.closeAndJoin()
                d.closeAndJoin()
            }
        }
    }
})
