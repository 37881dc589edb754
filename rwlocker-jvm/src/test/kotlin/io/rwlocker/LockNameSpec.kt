package io.rwlocker

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.string.shouldStartWith

/**
 * A lock's name: the builder's `name(...)`, or by default the policy and the lock's identity hash
 * (the hash thread dumps show for a parked thread's blocker); shown by `toString()` of the lock,
 * its sides and its conditions. Bad names fail in the builder, which stays usable.
 */
class LockNameSpec : FunSpec({
    test("the default name is the policy and the identity hash") {
        for (policy in Policy.entries) {
            val lock = RWLock.builder().policy(policy).build()
            lock.name() shouldBe "$policy@${Integer.toHexString(System.identityHashCode(lock))}"
            lock.toString() shouldStartWith "RWLock[${lock.name()}: $policy, "
        }
        val factories = listOf(RWLock.writerPreferring(), RWLock.readerPreferring(), RWLock.fair(), RWLock.exclusive())
        for (lock in factories) {
            lock.name() shouldBe "${lock.policy()}@${Integer.toHexString(System.identityHashCode(lock))}"
        }
    }

    test("a given name shows in toString of the lock, its sides and its conditions") {
        val lock = RWLock.builder().policy(Policy.FAIR).reentrantWriter(true).name("user-cache").build()
        lock.name() shouldBe "user-cache"
        lock.toString() shouldBe "RWLock[user-cache: FAIR, reentrant writer, unlocked for writing, read holds = 0, queued = 0]"
        lock.read().toString() shouldStartWith "ReadLock[user-cache: FAIR"
        lock.write().toString() shouldStartWith "WriteLock[user-cache: FAIR"
        lock.newCondition().toString() shouldContain "RWLock[user-cache: FAIR"
        lock.write().lock()
        lock.toString() shouldContain "user-cache: FAIR, reentrant writer, write locked by thread ${Thread.currentThread().name}"
        lock.write().unlock()
    }

    test("names need not be unique") {
        val a = RWLock.builder().name("same").build()
        val b = RWLock.builder().name("same").build()
        a.name() shouldBe b.name()
        a.write().lock()
        b.isWriteLocked shouldBe false
        a.write().unlock()
    }

    test("null and empty names fail in the builder, which keeps its settings") {
        val builder = RWLock.builder().policy(Policy.READER_PREFERRING)
        shouldThrow<NullPointerException> { builder.name(null) }.message shouldBe "name"
        shouldThrow<IllegalArgumentException> { builder.name("") }
        val lock = builder.build()
        lock.policy() shouldBe Policy.READER_PREFERRING
        lock.name() shouldBe "READER_PREFERRING@${Integer.toHexString(System.identityHashCode(lock))}"
        builder.name("later").build().name() shouldBe "later"
    }
})
