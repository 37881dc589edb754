package io.rwlocker.coroutines.reliability

import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.rwlocker.coroutines.PriorityDispatcher
import java.util.concurrent.Callable
import java.util.concurrent.CancellationException as FutureCancellation
import java.util.concurrent.ExecutionException
import java.util.concurrent.Executor
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicBoolean
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.async
import kotlinx.coroutines.cancel
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking

/**
 * The bad-input rows of `PriorityDispatcher` (DESIGN.md 5.2 and its KDoc). Each row makes its own
 * dispatcher (tasks on `Dispatchers.Default`) and ends with [priorityStillWorks] (nothing queued
 * or running, writes and reads still run from both faces) or, after `close()`/`cancel()`, with
 * the counters at 0.
 */
internal val priorityRows: List<BadInput> = rowsOf {
    row(
        "PriorityDispatcher",
        "`PriorityDispatcher(scope, readParallelism, maxConsecutiveWrites)`, `PriorityDispatcher(executor, ...)`",
        "`readParallelism` or `maxConsecutiveWrites` `0`, `-1`, `Int.MIN_VALUE`; both `Int.MAX_VALUE`",
        "$IAE naming the argument, no Job attached to the scope; huge values work",
        oneVariant,
    ) {
        val parent = Job()
        val scope = CoroutineScope(parent + Dispatchers.Default)
        val direct = Executor { it.run() }
        for (bad in listOf(0, -1, Int.MIN_VALUE)) {
            throws<IllegalArgumentException>("readParallelism") { PriorityDispatcher(scope, readParallelism = bad) }
            throws<IllegalArgumentException>("maxConsecutiveWrites") { PriorityDispatcher(scope, maxConsecutiveWrites = bad) }
            throws<IllegalArgumentException>("readParallelism") { PriorityDispatcher(direct, readParallelism = bad) }
            throws<IllegalArgumentException>("maxConsecutiveWrites") { PriorityDispatcher(direct, 1, bad) }
        }
        parent.children.count() shouldBe 0
        priorityStillWorks(PriorityDispatcher(scope, Int.MAX_VALUE, Int.MAX_VALUE))
        parent.cancel()
    }
    row(
        "PriorityDispatcher",
        "`PriorityDispatcher(scope)`, `PriorityDispatcher(executor)`, `writeAsync(task)`, `readAsync(task)`",
        "`null` scope, executor or task (a Java caller)",
        "$NPE naming the argument; nothing queued",
        oneVariant,
    ) {
        val int = Int::class.javaPrimitiveType
        val byScope = PriorityDispatcher::class.java.getConstructor(CoroutineScope::class.java, int, int)
        throws<NullPointerException>("scope") { invoking { byScope.newInstance(null, 1, 1) } }
        val byExecutor = PriorityDispatcher::class.java.getConstructor(Executor::class.java, int, int)
        throws<NullPointerException>("executor") { invoking { byExecutor.newInstance(null, 1, 1) } }
        val dispatcher = PriorityDispatcher()
        for (name in listOf("writeAsync", "readAsync")) {
            val method = PriorityDispatcher::class.java.getMethod(name, Callable::class.java)
            throws<NullPointerException>("task") { invoking { method.invoke(dispatcher, null) } }
            dispatcher.queuedTasks shouldBe 0
        }
        priorityStillWorks(dispatcher)
    }
    row(
        "PriorityDispatcher",
        "`write`, `read`, `submitWrite`, `submitRead`; `writeAsync`, `readAsync`",
        "after `close()`; after `cancel()`",
        "$ISE at once; the Java methods return a future failed with $ISE; nothing queued; `close()`, `cancel()` idempotent",
        oneVariant,
    ) {
        for (stop in listOf<(PriorityDispatcher) -> Unit>({ it.close() }, { it.cancel() })) {
            val dispatcher = PriorityDispatcher()
            stop(dispatcher)
            stop(dispatcher)
            dispatcher.isClosed shouldBe true
            coroutine {
                throws<IllegalStateException>("PriorityDispatcher") { dispatcher.write { 1 } }
                throws<IllegalStateException>("PriorityDispatcher") { dispatcher.read { 1 } }
            }
            throws<IllegalStateException> { dispatcher.submitWrite { 1 } }
            throws<IllegalStateException> { dispatcher.submitRead { 1 } }
            for (future in listOf(dispatcher.writeAsync { 1 }, dispatcher.readAsync { 1 })) {
                (throws<ExecutionException> { future.get(30, TimeUnit.SECONDS) }.cause is IllegalStateException) shouldBe true
            }
            dispatcher.close()
            dispatcher.cancel()
            dispatcher.shouldSettle()
        }
    }
    row(
        "PriorityDispatcher",
        "`write { }`, `read { }`, `closeAndJoin()`; `close()`",
        "inside a task of the same dispatcher (a child coroutine of it; for `close()`, the thread running a submitted task, or a block run in its caller before its first suspension)",
        "$ISE at once (it would wait for itself); the dispatcher stays open and works",
        oneVariant,
    ) {
        val dispatcher = PriorityDispatcher()
        coroutine {
            throws<IllegalStateException>("write task") { dispatcher.write { dispatcher.write { 1 } } }
            throws<IllegalStateException>("write task") { dispatcher.write { dispatcher.read { 1 } } }
            throws<IllegalStateException>("read task") { dispatcher.read { dispatcher.write { 1 } } }
            throws<IllegalStateException> { dispatcher.read { dispatcher.closeAndJoin() } }
            throws<IllegalStateException> { dispatcher.write { coroutineScope { async { dispatcher.read { 1 } }.await() } } }
        }
        val failure = dispatcher.writeAsync { runCatching { dispatcher.close() }.exceptionOrNull() }.get(30, TimeUnit.SECONDS)
        (failure is IllegalStateException) shouldBe true
        failure!!.message.orEmpty() shouldContain "close()"
        // A block run in its caller's coroutine (a caller on Dispatchers.Default, the tasks' dispatcher).
        val inCaller = runBlocking(Dispatchers.Default) { dispatcher.read { runCatching { dispatcher.close() }.exceptionOrNull() } }
        (inCaller is IllegalStateException) shouldBe true
        inCaller!!.message.orEmpty() shouldContain "inside a read task"
        dispatcher.isClosed shouldBe false
        priorityStillWorks(dispatcher)
    }
    row(
        "PriorityDispatcher",
        "`write`, `read`, `submitWrite`, `readAsync`",
        "the task throws",
        "the caller gets the exception (`Deferred` and future fail with it); the next tasks run",
        oneVariant,
    ) {
        val dispatcher = PriorityDispatcher()
        coroutine {
            throws<ArithmeticException>("w") { dispatcher.write { throw ArithmeticException("w") } }
            throws<ArithmeticException>("r") { dispatcher.read { throw ArithmeticException("r") } }
            val failed = dispatcher.submitWrite { throw ArithmeticException("s") }
            throws<ArithmeticException>("s") { failed.await() }
        }
        val future = dispatcher.readAsync<Int> { throw ArithmeticException("f") }
        (throws<ExecutionException> { future.get(30, TimeUnit.SECONDS) }.cause is ArithmeticException) shouldBe true
        priorityStillWorks(dispatcher)
    }
    row(
        "PriorityDispatcher",
        "`write { }`, `submitRead`, `writeAsync`",
        "the caller, the `Deferred` or the future cancelled while the task is queued behind a running write",
        "the task never runs; nothing left queued or running once the write ends",
        oneVariant,
    ) {
        val dispatcher = PriorityDispatcher()
        val gate = CompletableDeferred<Unit>()
        val blocker = dispatcher.submitWrite { gate.await() }
        awaitTrue("a running write: $dispatcher") { dispatcher.runningTasks == 1 }
        val ran = AtomicBoolean()
        runBlocking {
            val caller = launch(Dispatchers.Default) { dispatcher.write { ran.set(true) } }
            awaitTrue("a queued write: $dispatcher") { dispatcher.queuedTasks == 1 }
            caller.cancel()
            caller.join()
            val deferred = dispatcher.submitRead { ran.set(true) }
            deferred.cancel()
            (runCatching { deferred.await() }.exceptionOrNull() is CancellationException) shouldBe true
        }
        val future = dispatcher.writeAsync { ran.set(true) }
        future.cancel(false)
        throws<FutureCancellation> { future.get(30, TimeUnit.SECONDS) }
        awaitTrue("only the running write: $dispatcher") { dispatcher.queuedTasks == 0 }
        gate.complete(Unit)
        runBlocking { blocker.await() }
        ran.get() shouldBe false
        priorityStillWorks(dispatcher)
    }
    row("PriorityDispatcher", "`write`, `submitRead`, `readAsync`", "its scope was cancelled", "$ISE (a failed future); `isClosed`; nothing queued", oneVariant) {
        val scope = CoroutineScope(Job() + Dispatchers.Default)
        val dispatcher = PriorityDispatcher(scope)
        scope.cancel()
        coroutine { throws<IllegalStateException> { dispatcher.write { 1 } } }
        throws<IllegalStateException> { dispatcher.submitRead { 1 } }
        (throws<ExecutionException> { dispatcher.readAsync { 1 }.get(30, TimeUnit.SECONDS) }.cause is IllegalStateException) shouldBe true
        dispatcher.isClosed shouldBe true
        dispatcher.shouldSettle()
        dispatcher.close()
    }
}
