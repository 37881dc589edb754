package io.rwlocker

import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import java.time.Duration

/**
 * DESIGN.md 4.2 per key: inside `write(k)` of a table without a reentrant writer, `read(k)`,
 * `write(k)`, the timed twins and `readAll`/`writeAll([.., k])` fail at once with
 * IllegalStateException; so does a write of a key the thread reads (upgrade), in any table. A
 * failed call takes nothing: the thread's holds, the other keys and `size()` are as before. With a
 * reentrant writer the same calls succeed and count.
 */
class KeyedMisuseSpec : FunSpec({
    timeout = 60_000L
    blockingTest = true

    /** The state a failed call must not change: the keys in use and this thread's holds of k. */
    fun <K> KeyedLocks<K>.snapshot(key: K) = listOf(size(), usersOf(key), lockOfKey(key)?.holdsHere())

    context("inside write(k) of a non-reentrant table every other acquisition of k fails at once") {
        for (v in nonReentrantVariants) {
            test("$v") {
                val locks = KeyedLocks.create<String>(v.policy, false)
                locks.write("k").use {
                    val before = locks.snapshot("k")
                    val calls = listOf<Pair<String, () -> Unit>>(
                        "read(k)" to { locks.read("k") },
                        "write(k)" to { locks.write("k") },
                        "tryRead(k, 1 s)" to { locks.tryRead("k", Duration.ofSeconds(1)) },
                        "tryWrite(k, 1 s)" to { locks.tryWrite("k", Duration.ofSeconds(1)) },
                        "readAll([j, k])" to { locks.readAll(listOf("j", "k")) },
                        "writeAll([j, k, l])" to { locks.writeAll(listOf("j", "k", "l")) },
                    )
                    for ((name, call) in calls) {
                        io.kotest.assertions.withClue(name) {
                            shouldThrow<IllegalStateException> { call() }
                            locks.snapshot("k") shouldBe before
                            locks.shouldNotHave("j")
                            locks.shouldNotHave("l")
                        }
                    }
                }
                locks.shouldBeEmpty()
            }
        }
    }

    test("writeAll([j, k]) fails at once inside write(k) even while another thread holds j (no wait for j first)") {
        val locks = KeyedLocks.create<String>()
        withActors(1) { (other) ->
            val j = other.call { locks.write("j") } // "j" sorts before "k" (hash codes 106 < 107)
            locks.write("k").use {
                shouldThrow<IllegalStateException> { locks.writeAll(listOf("k", "j")) }
                locks.usersOf("j") shouldBe 1
                locks.usersOf("k") shouldBe 1
                locks.lockOfKey("j")!!.queueLength shouldBe 0
            }
            other.call { j.close() }
        }
        locks.shouldBeEmpty()
    }

    context("upgrade: a write of a key the thread reads fails at once, in every table") {
        for (v in allVariants) {
            test("$v") {
                val locks = KeyedLocks.create<String>(v.policy, v.reentrant)
                locks.read("k").use {
                    val before = locks.snapshot("k")
                    shouldThrow<IllegalStateException> { locks.write("k") }
                    shouldThrow<IllegalStateException> { locks.tryWrite("k", Duration.ofSeconds(1)) }
                    shouldThrow<IllegalStateException> { locks.writeAll(listOf("j", "k")) }
                    locks.snapshot("k") shouldBe before
                    locks.shouldNotHave("j")
                    locks.readAll(listOf("j", "k")).use { locks.usersOf("k") shouldBe 2 } // read recursion is fine
                }
                locks.shouldBeEmpty()
            }
        }
    }

    context("with a reentrant writer the same calls succeed and count") {
        for (v in reentrantVariants) {
            test("$v") {
                val locks = KeyedLocks.create<String>(v.policy, true)
                locks.write("k").use {
                    locks.write("k").use {
                        locks.read("k").use {
                            locks.writeAll(listOf("j", "k")).use {
                                locks.readAll(listOf("k", "l")).use {
                                    val lock = locks.lockOfKey("k")!!
                                    lock.write().holdCount shouldBe 3
                                    lock.read().holdCount shouldBe 2
                                    locks.usersOf("k") shouldBe 5
                                    locks.size() shouldBe 3
                                }
                            }
                        }
                    }
                    locks.tryWrite("k", Duration.ZERO)!!.close()
                    locks.tryRead("k", Duration.ZERO)!!.close()
                    locks.usersOf("k") shouldBe 1
                }
                locks.shouldBeEmpty()
            }
        }
    }

    test("the reentrant write-then-read idiom: closing the write guard leaves the thread a reader of the key") {
        val locks = KeyedLocks.create<String>(Policy.WRITER_PREFERRING, true)
        val write = locks.write("k")
        val read = locks.read("k")
        write.close()
        val lock = locks.lockOfKey("k")!!
        lock.isWriteLocked shouldBe false
        lock.read().holdCount shouldBe 1
        withActors(1) { (other) -> other.call { locks.tryWrite("k", Duration.ZERO) } shouldBe null }
        read.close()
        locks.shouldBeEmpty()
    }
})
