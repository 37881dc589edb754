package io.rwlocker.coroutines

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.string.shouldStartWith
import io.kotest.matchers.types.shouldBeInstanceOf
import java.util.concurrent.CompletableFuture
import java.util.concurrent.ConcurrentLinkedQueue
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit.SECONDS
import java.util.concurrent.atomic.AtomicBoolean
import java.util.concurrent.atomic.AtomicInteger
import kotlin.concurrent.thread
import kotlin.coroutines.Continuation
import kotlin.coroutines.startCoroutine
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.asCoroutineDispatcher
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitCancellation
import kotlinx.coroutines.cancel
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.delay
import kotlinx.coroutines.job
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.test.runCurrent
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.yield

/**
 * The in-caller path of [PriorityDispatcher.write] and [PriorityDispatcher.read]: a caller that
 * already runs on the tasks' dispatcher gets its block run in its own coroutine (a scoped child
 * of it, like `withContext`), after admission, instead of in a second task coroutine. These specs
 * check that everything the task path guarantees holds there too: cancellation by the caller, by
 * [PriorityDispatcher.cancel] and by the scope (queued and running), [PriorityDispatcher.close]
 * waiting for such a block, exceptions, misuse detection, and the grant-vs-cancel race; and that
 * a caller on another dispatcher still gets its block run on the scope's dispatcher. After every
 * error path the admission is checked to be idle.
 */
class PriorityInCallerSpec : FunSpec({
    timeout = 120_000

    class Boom(message: String) : RuntimeException(message)

    test("a caller on the tasks' dispatcher: the block runs in a child coroutine of the caller, marked as a task") {
        priorityTest { d, _ ->
            val callerJob = currentCoroutineContext().job
            val result = d.write {
                val blockJob = currentCoroutineContext().job
                insideTaskOf(d) shouldBe true
                callerJob.children.toList().contains(blockJob) shouldBe true
                d.shouldHave(runningWrites = 1)
                "w"
            }
            result shouldBe "w"
            d.read { insideTaskOf(d) } shouldBe true
            insideTaskOf(d) shouldBe false // the marker is gone after the call
            d.shouldBeIdle()
            d.closeAndJoin()
        }
    }

    test("a caller on another dispatcher: the block still runs on the scope's dispatcher") {
        val pool = Executors.newSingleThreadExecutor { Thread(it, "prio-tasks") }
        try {
            val d = PriorityDispatcher(CoroutineScope(pool.asCoroutineDispatcher()))
            runBlocking {
                d.write { Thread.currentThread().name } shouldStartWith "prio-tasks" // (+ " @coroutine#n" in debug mode)
                d.read { Thread.currentThread().name } shouldStartWith "prio-tasks"
            }
            d.close()
            d.shouldBeIdle()
        } finally {
            pool.shutdownNow()
        }
    }

    test("an exception from the block is rethrown to the caller; the caller stays active and the dispatcher goes on") {
        priorityTest { d, _ ->
            val e = shouldThrow<Boom> { d.write<Unit> { throw Boom("inline write") } }
            e.message shouldBe "inline write"
            d.shouldBeIdle()
            shouldThrow<Boom> { d.read<Unit> { delay(3); throw Boom("inline read") } }.message shouldBe "inline read"
            d.shouldBeIdle()
            currentCoroutineContext().job.isActive shouldBe true
            d.write { 1 } shouldBe 1
            d.closeAndJoin()
        }
    }

    test("the caller cancelled while its block runs: the block is cancelled, the call returns after it stopped, the next task runs") {
        priorityTest { d, _ ->
            val started = CompletableDeferred<Unit>()
            val stopped = AtomicBoolean()
            val caller = launch {
                d.write {
                    started.complete(Unit)
                    try {
                        awaitCancellation()
                    } finally {
                        withContext(NonCancellable) { delay(10) } // a slow clean-up, still inside the write
                        stopped.set(true)
                    }
                }
            }
            started.await()
            val r = d.submitRead { 5 }
            runCurrent()
            d.shouldHave(queuedReads = 1, runningWrites = 1)
            caller.cancel()
            runCurrent()
            d.shouldHave(queuedReads = 1, runningWrites = 1) // the clean-up still runs inside the write
            caller.join()
            stopped.get() shouldBe true
            caller.isCancelled shouldBe true
            r.await() shouldBe 5
            d.shouldBeIdle()
            d.closeAndJoin()
        }
    }

    test("the caller cancelled while queued: its block never runs, whoever it held back starts at once") {
        priorityTest { d, _ ->
            val gate = CompletableDeferred<Unit>()
            val r0 = d.submitRead { gate.await() }
            runCurrent()
            val ran = AtomicBoolean()
            val caller = launch { d.write { ran.set(true) } }
            runCurrent()
            val r1 = d.submitRead { 1 }
            runCurrent()
            d.shouldHave(queuedWrites = 1, queuedReads = 1, runningReads = 1)
            caller.cancel()
            d.shouldHave(runningReads = 2) // the queued write was unlinked at once, r1 admitted
            r1.await() shouldBe 1
            gate.complete(Unit)
            r0.await()
            caller.join()
            ran.get() shouldBe false
            d.shouldBeIdle()
            d.closeAndJoin()
        }
    }

    test("cancel() cancels a running block and a queued one; their callers get CancellationException but stay active") {
        priorityTest { d, _ ->
            val started = CompletableDeferred<Unit>()
            val runningOutcome = CompletableDeferred<Throwable?>()
            val queuedOutcome = CompletableDeferred<Throwable?>()
            val ran = AtomicBoolean()
            val runningCaller = launch {
                runningOutcome.complete(runCatching { d.read { started.complete(Unit); awaitCancellation() } }.exceptionOrNull())
                currentCoroutineContext().job.isActive shouldBe true
            }
            started.await()
            val queuedCaller = launch {
                queuedOutcome.complete(runCatching { d.write { ran.set(true) } }.exceptionOrNull())
                currentCoroutineContext().job.isActive shouldBe true
            }
            runCurrent()
            d.shouldHave(queuedWrites = 1, runningReads = 1)
            d.cancel()
            runningOutcome.await().shouldBeInstanceOf<CancellationException>()
            queuedOutcome.await().shouldBeInstanceOf<CancellationException>()
            runningCaller.join()
            queuedCaller.join()
            runningCaller.isCancelled shouldBe false
            queuedCaller.isCancelled shouldBe false
            ran.get() shouldBe false
            d.closeAndJoin()
            d.shouldBeIdle()
            shouldThrow<IllegalStateException> { d.write { } }.message shouldContain "cancelled"
        }
    }

    test("closeAndJoin waits for a running block and runs a queued one first") {
        priorityTest { d, _ ->
            val gate = CompletableDeferred<Unit>()
            val order = ConcurrentLinkedQueue<String>()
            val first = launch { d.write { gate.await(); order += "first" } }
            runCurrent()
            val second = launch { d.read { order += "second" } }
            runCurrent()
            val closing = launch { d.closeAndJoin(); order += "closed" }
            runCurrent()
            d.isClosed shouldBe true
            closing.isCompleted shouldBe false
            d.shouldHave(queuedReads = 1, runningWrites = 1)
            gate.complete(Unit)
            closing.join()
            first.isCompleted shouldBe true
            second.isCompleted shouldBe true
            order.toList() shouldBe listOf("first", "second", "closed")
            d.shouldBeIdle()
        }
    }

    test("close() from a thread waits for a block running in its caller on a real dispatcher") {
        val scope = CoroutineScope(Job() + Dispatchers.Default)
        val d = PriorityDispatcher(scope)
        val gate = CompletableDeferred<Unit>()
        val inside = CompletableDeferred<Unit>()
        val finished = AtomicBoolean()
        val caller = scope.launch {
            d.write {
                inside.complete(Unit)
                gate.await()
                finished.set(true)
            }
        }
        runBlocking { withTimeout(10_000) { inside.await() } }
        val closed = CompletableFuture<Unit>()
        val closer = thread(name = "closer") { d.close(); closed.complete(Unit) }
        runBlocking { eventually { d.isClosed } }
        closed.isDone shouldBe false // the block is held inside by the gate: close() cannot have returned
        gate.complete(Unit)
        closed.get(10, SECONDS)
        finished.get() shouldBe true
        closer.join(10_000)
        runBlocking { withTimeout(10_000) { caller.join() } }
        d.shouldBeIdle()
        scope.cancel()
    }

    test("nested calls from a block (and from a child coroutine of it), and close() on its thread: IllegalStateException, nothing changed") {
        priorityTest { d, _ ->
            shouldThrow<IllegalStateException> { d.read { d.read { 1 } } }.message shouldContain "read task"
            shouldThrow<IllegalStateException> { d.write { coroutineScope { launch { d.write { 1 } } } } }.message shouldContain "write task"
            d.shouldBeIdle()
            d.isClosed shouldBe false
            d.write { 2 } shouldBe 2
            d.closeAndJoin()
        }
        val scope = CoroutineScope(Job() + Dispatchers.Default)
        val d = PriorityDispatcher(scope)
        val failure = runBlocking {
            withTimeout(10_000) { scope.async { d.write { runCatching { d.close() }.exceptionOrNull() } }.await() }
        }
        failure.shouldBeInstanceOf<IllegalStateException>().message shouldContain "close()"
        d.isClosed shouldBe false
        d.shouldBeIdle()
        d.close()
        scope.cancel()
    }

    test("nested calls after the block has suspended, from a grandchild, from another dispatcher's block inside it, and closeAndJoin(): IllegalStateException") {
        priorityTest { d, _ ->
            val other = PriorityDispatcher(this)
            val failures = d.write {
                delay(1) // resumed by the scheduler: the block's own registration, not a thread mark, finds it
                yield()
                listOf(
                    runCatching { d.read { 1 } }.exceptionOrNull(),
                    runCatching { coroutineScope { async { coroutineScope { launch { d.write { 1 } } } }.await() } }.exceptionOrNull(),
                    runCatching { other.write { d.read { 1 } } }.exceptionOrNull(),
                    runCatching { d.closeAndJoin() }.exceptionOrNull(),
                )
            }
            failures.forEach { it.shouldBeInstanceOf<IllegalStateException>().message shouldContain "inside a write task" }
            d.isClosed shouldBe false
            d.shouldBeIdle()
            other.shouldBeIdle()
            // Another dispatcher's block nests freely in ours and ours in it; each counts its own.
            d.read { other.write { d.runningCallerBlocks() to other.runningCallerBlocks() } } shouldBe (1 to 1)
            other.read { d.write { 7 } } shouldBe 7
            d.write { d.runningCallerBlocks() } shouldBe 1
            d.shouldBeIdle()
            other.shouldBeIdle()
            other.closeAndJoin()
            d.closeAndJoin()
        }
    }

    test("the thread mark of a block: set from its start to its first suspension, never on other code of that thread") {
        val executor = Executors.newSingleThreadExecutor()
        val scope = CoroutineScope(Job() + executor.asCoroutineDispatcher())
        val d = PriorityDispatcher(scope)
        try {
            val marks = ConcurrentLinkedQueue<String>()
            runBlocking {
                withTimeout(10_000) {
                    val started = CompletableDeferred<Unit>()
                    val gate = CompletableDeferred<Unit>()
                    val caller = scope.launch {
                        d.read {
                            marks += "start:${PriorityTaskMarker.onThisThread()?.kind}"
                            started.complete(Unit)
                            gate.await()
                        }
                        marks += "after:${PriorityTaskMarker.onThisThread()?.kind}"
                    }
                    started.await()
                    // The block is suspended; the executor's only thread runs other code meanwhile.
                    marks += "between:" + scope.async { PriorityTaskMarker.onThisThread()?.kind }.await()
                    d.shouldHave(runningReads = 1)
                    gate.complete(Unit)
                    caller.join()
                    // A block that throws before any suspension leaves the thread unmarked too.
                    marks += scope.async {
                        val failure = runCatching { d.write { throw Boom("at once") } }.exceptionOrNull()
                        "thrown:${failure?.message}:${PriorityTaskMarker.onThisThread()?.kind}"
                    }.await()
                }
            }
            marks.toList() shouldBe listOf("start:read", "between:null", "after:null", "thrown:at once:null")
            d.shouldBeIdle()
            d.close()
        } finally {
            scope.cancel()
            executor.shutdown()
        }
    }

    test("scope cancellation cancels blocks running and queued in callers outside the scope; every caller returns") {
        // Repeated: the cancellation races with callers that are just starting their blocks.
        repeat(50) { round ->
            val dispatcherScope = CoroutineScope(Job() + Dispatchers.Default)
            val callerScope = CoroutineScope(Job() + Dispatchers.Default) // same dispatcher: the in-caller path
            val d = PriorityDispatcher(dispatcherScope, readParallelism = 2)
            val started = CompletableDeferred<Unit>()
            val outcomes = ConcurrentLinkedQueue<Throwable?>()
            val callers = (0 until 6).map { i ->
                callerScope.launch {
                    outcomes += runCatching {
                        if (i % 3 == 0) d.write { started.complete(Unit); delay(1); awaitCancellation() } else d.read { started.complete(Unit); awaitCancellation() }
                    }.exceptionOrNull()
                }
            }
            runBlocking { withTimeout(10_000) { started.await() } }
            if (round % 2 == 0) runBlocking { yield() }
            dispatcherScope.cancel()
            runBlocking { withTimeout(10_000) { callers.forEach { it.join() } } }
            outcomes.size shouldBe 6
            outcomes.forEach { it.shouldBeInstanceOf<Throwable>() } // cancelled, or refused if it came after the cancellation
            callerScope.coroutineContext.job.isActive shouldBe true
            d.isClosed shouldBe true
            d.close() // returns: nothing pending
            d.shouldBeIdle()
            callerScope.cancel()
        }
    }

    test("cancel() racing with callers starting their blocks: every caller returns, nothing is left") {
        repeat(100) { round ->
            val scope = CoroutineScope(Job() + Dispatchers.Default)
            val d = PriorityDispatcher(scope, readParallelism = 2)
            val ran = AtomicInteger()
            val callers = (0 until 8).map { i ->
                scope.launch {
                    runCatching { if (i % 2 == 0) d.write { ran.incrementAndGet(); delay(1) } else d.read { ran.incrementAndGet(); yield() } }
                }
            }
            if (round % 3 != 0) runBlocking { yield() }
            d.cancel()
            runBlocking { withTimeout(10_000) { callers.forEach { it.join() } } }
            d.close()
            d.shouldBeIdle()
            scope.cancel()
        }
    }

    test("grant vs cancel: callers cancelled as their blocks are admitted never leak a slot") {
        val scope = CoroutineScope(Job() + Dispatchers.Default)
        val d = PriorityDispatcher(scope, readParallelism = 2)
        val ran = AtomicInteger()
        repeat(300) { round ->
            runBlocking {
                withTimeout(10_000) {
                    val gate = CompletableDeferred<Unit>()
                    val blocker = d.submitWrite { gate.await() }
                    val queued = (1..4).map { i -> scope.launch { if (i == 3) d.write { ran.incrementAndGet() } else d.read { ran.incrementAndGet() } } }
                    eventually { d.queuedTasks + d.runningTasks == 5 || blocker.isCompleted }
                    val canceller = scope.launch { queued.forEach { it.cancel() } }
                    if (round % 2 == 0) yield()
                    gate.complete(Unit)
                    canceller.join()
                    (queued + blocker).forEach { it.join() }
                    d.write { } // admitted: no slot was leaked (this caller is on another dispatcher: the task path)
                    scope.async { d.write { } }.await() // and the in-caller path
                    d.shouldBeIdle()
                }
            }
        }
        d.close()
        d.shouldBeIdle()
        scope.cancel()
    }

    test("a caller with no Job (a bare coroutine on the tasks' dispatcher): the block runs in it, misuse still fails fast") {
        val d = PriorityDispatcher(CoroutineScope(Dispatchers.Unconfined))
        val outcome = CompletableFuture<Result<String>>()
        val call: suspend () -> String = {
            val nested = runCatching { d.write { d.read { "nested" } } }.exceptionOrNull()
            nested.shouldBeInstanceOf<IllegalStateException>()
            d.write { if (insideTaskOf(d)) "ok" else "not a task" }
        }
        call.startCoroutine(Continuation(Dispatchers.Unconfined) { outcome.complete(it) })
        outcome.get(10, SECONDS).getOrThrow() shouldBe "ok"
        d.close()
        d.shouldBeIdle()
    }
})
