package io.rwlocker.coroutines

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Job
import kotlinx.coroutines.launch
import kotlinx.coroutines.test.StandardTestDispatcher
import kotlinx.coroutines.test.TestScope
import kotlinx.coroutines.test.runCurrent
import kotlin.coroutines.AbstractCoroutineContextElement
import kotlin.coroutines.Continuation
import kotlin.coroutines.ContinuationInterceptor

/** Counts the continuations it intercepts and lets them run in place. */
private class CountingInterceptor : AbstractCoroutineContextElement(ContinuationInterceptor), ContinuationInterceptor {
    var intercepted = 0
    override fun <T> interceptContinuation(continuation: Continuation<T>): Continuation<T> {
        intercepted++
        return continuation
    }
}

/**
 * Runs [scope] (a read { } or write { } of [f]) 10 times in one coroutine, each time while a raw
 * write is held, so each call waits; the test releases the raw write 10 times, and each release
 * runs the coroutine in place up to its next wait. Returns how many continuations were
 * intercepted, after checking the state between the rounds and at the end. Inline, so that
 * [scope] runs in the looping coroutine's own frame (a suspend lambda called through a variable
 * would get a frame of its own per call).
 */
private inline fun interceptionsOfWaitingLoop(f: Fixture, crossinline scope: suspend () -> Unit): Int {
    val interceptor = CountingInterceptor()
    val rounds = 10
    var entered = 0
    f.mutex.tryLockWrite() shouldBe true // a raw write: the loop's first call waits
    val looper = TestScope(StandardTestDispatcher()).launch(interceptor, start = CoroutineStart.UNDISPATCHED) {
        repeat(rounds) {
            scope()
            entered++
            // Take the raw write again, so the next call waits too.
            if (it < rounds - 1) check(f.mutex.tryLockWrite()) { "the lock should be free here" }
        }
    }
    repeat(rounds) { round ->
        entered shouldBe round
        f.shouldHave(writeLocked = true, readHolds = 0, queued = 1)
        f.mutex.unlockWrite() // grants the waiting call; it runs in place, up to its next wait
    }
    looper.isCompleted shouldBe true
    entered shouldBe rounds
    f.shouldBeFree()
    return interceptor.intercepted
}

/**
 * The uncontended paths do not suspend. Two independent witnesses: (1) a coroutine started
 * UNDISPATCHED on a test dispatcher that is never advanced finishes its whole body at once (any
 * suspension, even one resumed immediately, would need the dispatcher); (2) a
 * ContinuationInterceptor that counts interceptions sees none (every suspendCancellableCoroutine
 * intercepts its continuation). And the contended scopes wait in the calling coroutine's own
 * frame: a coroutine that waits 10 times in a loop is intercepted once, not 10 times.
 */
class FastPathSpec : FunSpec({
    timeout = 30_000

    /** Runs [body] UNDISPATCHED on a never-advanced test dispatcher; returns whether it finished. */
    fun finishesWithoutSuspending(body: suspend () -> Unit): Boolean {
        val scope = TestScope(StandardTestDispatcher())
        var finished = false
        val job: Job = scope.launch(start = CoroutineStart.UNDISPATCHED) {
            body()
            finished = true
        }
        val result = finished && job.isCompleted
        job.cancel()
        scope.runCurrent() // lets a suspended body observe its cancellation
        return result
    }

    for (policy in ALL_POLICIES) {
        context("$policy") {
            test("uncontended read { }, write { } and raw calls do not suspend") {
                val f = Fixture(policy)
                finishesWithoutSuspending { f.mutex.read { } } shouldBe true
                finishesWithoutSuspending { f.mutex.write { } } shouldBe true
                finishesWithoutSuspending { f.mutex.write { downgrade() } } shouldBe true
                finishesWithoutSuspending { f.mutex.lockRead(); f.mutex.unlockRead() } shouldBe true
                finishesWithoutSuspending { f.mutex.lockWrite(); f.mutex.unlockWrite() } shouldBe true
                finishesWithoutSuspending { f.mutex.read { f.mutex.read { } } } shouldBe true
                f.shouldBeFree()
            }

            test("reentrant paths do not suspend") {
                val f = Fixture(policy, reentrant = true)
                finishesWithoutSuspending { f.mutex.write { f.mutex.write { } } } shouldBe true
                finishesWithoutSuspending { f.mutex.write { f.mutex.read { } } } shouldBe true
                f.shouldBeFree()
            }

            test("the witness can fail: a contended read { } does suspend") {
                val f = Fixture(policy)
                f.mutex.tryLockWrite() shouldBe true
                finishesWithoutSuspending { f.mutex.read { } } shouldBe false
                f.mutex.unlockWrite()
                f.shouldBeFree()
            }

            test("1,000 uncontended scopes: no continuation is intercepted") {
                val f = Fixture(policy)
                val interceptor = CountingInterceptor()
                val scope = TestScope(StandardTestDispatcher())
                var done = false
                scope.launch(interceptor, start = CoroutineStart.UNDISPATCHED) {
                    repeat(500) {
                        f.mutex.read { }
                        f.mutex.write { }
                    }
                    done = true
                }
                done shouldBe true
                interceptor.intercepted shouldBe 0
                f.shouldBeFree()

                // the counter works: a contended acquisition intercepts
                f.mutex.tryLockWrite() shouldBe true
                val waiter = scope.launch(interceptor, start = CoroutineStart.UNDISPATCHED) { f.mutex.read { } }
                interceptor.intercepted shouldBe 1
                f.mutex.unlockWrite() // resumes the reader in place (the interceptor does not dispatch)
                waiter.isCompleted shouldBe true
                f.shouldBeFree()
            }

            test("contended write { } in a loop: the coroutine's frame is intercepted once, not once per wait") {
                // The write slow path is a chain of tail calls down to suspendCancellableCoroutine
                // (EngineMutex.acquire), so the continuation that waits is the looping coroutine's
                // own frame, intercepted once and kept. A path with a state machine of its own
                // would intercept a fresh frame on every wait: 10 here.
                val f = Fixture(policy)
                interceptionsOfWaitingLoop(f) { f.mutex.write { } } shouldBe 1
            }

            test("contended read { } in a loop: the coroutine's frame is intercepted once, not once per wait") {
                val f = Fixture(policy)
                interceptionsOfWaitingLoop(f) {
                    f.mutex.read {
                        // The hold is booked as this coroutine's before the block runs: an
                        // upgrade is refused at once (unbooked, it would queue behind itself).
                        shouldThrow<IllegalStateException> { f.mutex.write { } }
                    }
                } shouldBe 1
            }
        }
    }
})
