package io.rwlocker

import io.kotest.assertions.withClue
import io.kotest.matchers.shouldBe

/*
 * Shared helpers of the KeyedLocks specs. They use the table's package-private introspection
 * (users(key), lockOf(key)), visible to Kotlin tests in the same package.
 */

/** A key whose hash code is the same for every instance: distinct keys, equal hashes. */
class Colliding(val id: Int) {
    override fun equals(other: Any?): Boolean = other is Colliding && other.id == id

    override fun hashCode(): Int = 42

    override fun toString(): String = "Colliding($id)"
}

/** Asserts that no key has an entry: nobody holds or waits for any key. */
fun KeyedLocks<*>.shouldBeEmpty() {
    withClue("table should be empty: $this") { size() shouldBe 0 }
}

/** Holders plus waiters of [key] (0 without an entry). */
fun <K> KeyedLocks<K>.usersOf(key: K): Int = users(key)

/** The live lock of [key], or null. */
fun <K> KeyedLocks<K>.lockOfKey(key: K): RWLock? = lockOf(key)

/** Waits, bounded, until [n] threads are queued on [key]'s lock. */
fun <K> KeyedLocks<K>.awaitQueuedOn(key: K, n: Int) =
    awaitTrue("$n queued on key $key", lockOf(key)) { (lockOf(key)?.queueLength ?: 0) == n }

/** Asserts that [key] has no entry, so nobody holds it and nobody waits for it. */
fun <K> KeyedLocks<K>.shouldNotHave(key: K) {
    withClue("key $key should have no entry") { lockOf(key) shouldBe null }
}
