package io.rwlocker.coroutines

import io.kotest.matchers.shouldBe
import io.rwlocker.Policy
import io.rwlocker.RWLock
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.withTimeout
import kotlin.time.Duration
import kotlin.time.Duration.Companion.seconds

/**
 * A [ReadWriteMutex] together with the [RWLock] it is the suspending face of, so that a test can
 * see the queue ([RWLock.getQueueLength]) and share the lock with threads.
 */
internal class Fixture(val policy: Policy, reentrant: Boolean = false) {
    /** The blocking face; the same state as [mutex]. */
    val lock: RWLock = RWLock.builder().policy(policy).reentrantWriter(reentrant).build()

    /** The suspending face under test. */
    val mutex: ReadWriteMutex = lock.asReadWriteMutex()

    /**
     * Asserts that nobody holds the lock and nobody waits for it, seen from both faces (the hold
     * counts of both sides are those of the calling thread, which must be 0 too).
     */
    fun shouldBeFree() {
        mutex.isWriteLocked shouldBe false
        mutex.readHolds shouldBe 0
        lock.isWriteLocked shouldBe false
        lock.getReadLockCount() shouldBe 0
        lock.getQueueLength() shouldBe 0
        lock.read().getHoldCount() shouldBe 0
        lock.write().getHoldCount() shouldBe 0
    }

    /** Asserts the exact state: write held or not, read holds, queued waiters. */
    fun shouldHave(writeLocked: Boolean, readHolds: Int, queued: Int) {
        mutex.isWriteLocked shouldBe writeLocked
        mutex.readHolds shouldBe readHolds
        lock.getQueueLength() shouldBe queued
    }

    override fun toString(): String = lock.toString()
}

/** Every policy, for tests that must hold for all of them. */
internal val ALL_POLICIES: List<Policy> = Policy.entries

/**
 * Waits (bounded, by polling) until [RWLock.getQueueLength] is [expected]: the way a test on real
 * dispatchers or threads learns that a waiter is queued, without sleep-and-hope.
 */
internal suspend fun RWLock.awaitQueueLength(expected: Int, timeout: Duration = 10.seconds) {
    withTimeout(timeout) {
        while (getQueueLength() != expected) delay(1)
    }
}

/**
 * A coroutine of a [Stage] that enters a scope, records its name in [Stage.entered], and stays in
 * the scope until [release]d.
 */
internal class Actor(val name: String, val job: Job, private val gate: CompletableDeferred<Unit>) {
    /** Lets the actor leave its scope. */
    fun release() {
        gate.complete(Unit)
    }
}

/**
 * Launches readers and writers on a [scope] (typically a `runTest` scope with its
 * StandardTestDispatcher, so that `runCurrent()` decides when they run) and records the order in
 * which they enter their scopes.
 */
internal class Stage(private val scope: CoroutineScope, private val mutex: ReadWriteMutex) {
    /** Names in the order their scopes were entered. */
    val entered: MutableList<String> = mutableListOf()

    /** Names of the actors currently inside a scope. */
    val inside: MutableSet<String> = mutableSetOf()

    private val actors = mutableListOf<Actor>()

    /** A coroutine that holds a read scope until released. */
    fun reader(name: String): Actor = actor(name) { body -> mutex.read { body() } }

    /** A coroutine that holds a write scope until released. */
    fun writer(name: String): Actor = actor(name) { body -> mutex.write { body() } }

    private fun actor(name: String, scoped: suspend (suspend () -> Unit) -> Unit): Actor {
        val gate = CompletableDeferred<Unit>()
        val job = scope.launch {
            scoped {
                entered += name
                inside += name
                try {
                    gate.await()
                } finally {
                    inside -= name
                }
            }
        }
        return Actor(name, job, gate).also { actors += it }
    }

    /** Releases every actor (for clean-up after a failed assertion). */
    fun releaseAll() {
        actors.forEach { it.release() }
    }
}
