package io.rwlocker.coroutines.lincheck

import io.rwlocker.Policy
import io.rwlocker.coroutines.ReadWriteMutex
import io.rwlocker.coroutines.write
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions
import org.jetbrains.lincheck.datastructures.Operation
import org.junit.jupiter.api.Disabled
import org.junit.jupiter.api.Test

/**
 * Two raw releases racing each other, as custom Lincheck scenarios (model checking only).
 *
 * BUG: EngineMutex's raw releases check ownership and then act in two separate steps:
 *  - `downgrade()` counts the new raw read hold (`rawReads.incrementAndGet()`) before
 *    `engine.downgrade()` adds it to the state word (EngineMutex.kt:80-84). A concurrent
 *    `unlockRead()` consumes that not-yet-existing hold and subtracts 1 from a state word whose
 *    read count is 0: the borrow clears WRITE_HELD and sets the read count to 2^32-1; the
 *    downgrade then throws `Error("Maximum lock count exceeded")`. Observed by [downgradeVsUnlockRead].
 *  - `unlockWrite()` and `downgrade()` test `engine.writeOwner() === rawWriter` and only then
 *    release (EngineMutex.kt:75-84): two releases racing both pass the test, and the second one
 *    releases a lock that is free or already handed to someone else (here a `write { }` scope,
 *    whose exit then fails with "released by someone else"). Observed by [unlockWriteTwice].
 * Expected (DESIGN.md 5.1): a release without a matching raw hold throws IllegalStateException
 * and leaves the state untouched. Disabled so the build stays green; see the report for a patch.
 *
 * Minor, possibly by design ([introspectionBeforeRelease]): `tryLockWrite()` sets WRITE_HELD with
 * its CAS and publishes `writeOwner` just after (LockEngine.tryWriteFast); a coroutine that sees
 * `isWriteLocked == true` in between and then calls `unlockWrite()` gets IllegalStateException,
 * although the write lock is held by a raw (owner-less) call. Not linearizable, but harmless
 * unless introspection is used for control (the JDK documents `isWriteLocked` as monitoring only).
 */
@Disabled("BUG: racing raw releases corrupt the lock state (see the class KDoc)")
class RawReleaseRaceLincheckTest {
    private val mutex = ReadWriteMutex(Policy.WRITER_PREFERRING)

    /** tryLockWrite() (the initial part of a scenario may not suspend). */
    @Operation
    fun tryLockWrite() = mutex.tryLockWrite()

    /** A write scope: takes and releases the write lock as its own owner. */
    @Operation(cancellableOnSuspension = false)
    suspend fun writeScope(): Int = mutex.write { 1 }

    /** unlockRead(). */
    @Operation
    fun unlockRead() = mutex.unlockRead()

    /** unlockWrite(). */
    @Operation
    fun unlockWrite() = mutex.unlockWrite()

    /** downgrade(). */
    @Operation
    fun downgrade() = mutex.downgrade()

    /** isWriteLocked. */
    @Operation
    fun isWriteLocked() = mutex.isWriteLocked

    /** readHolds. */
    @Operation
    fun readHolds() = mutex.readHolds

    /** A writer downgrades while another coroutine releases a read hold it does not have. */
    @Test
    fun downgradeVsUnlockRead() = ModelCheckingOptions()
        .iterations(0)
        .invocationsPerIteration(System.getProperty("lincheck.invocations", "1000").toInt())
        .addCustomScenario {
            initial { actor(::tryLockWrite) }
            parallel {
                thread { actor(::downgrade) }
                thread { actor(::unlockRead) }
            }
            post { actor(::readHolds); actor(::isWriteLocked) }
        }
        .check(this::class)

    /** One coroutine sees the raw write lock held and releases it while another is taking it. */
    @Test
    fun introspectionBeforeRelease() = ModelCheckingOptions()
        .iterations(0)
        .invocationsPerIteration(System.getProperty("lincheck.invocations", "1000").toInt())
        .addCustomScenario {
            parallel {
                thread { actor(::tryLockWrite) }
                thread { actor(::isWriteLocked); actor(::unlockWrite) }
            }
        }
        .check(this::class)

    /** Two coroutines release the one raw write lock while a write scope waits for it. */
    @Test
    fun unlockWriteTwice() = ModelCheckingOptions()
        .iterations(0)
        .invocationsPerIteration(System.getProperty("lincheck.invocations", "1000").toInt())
        .addCustomScenario {
            initial { actor(::tryLockWrite) }
            parallel {
                thread { actor(::unlockWrite) }
                thread { actor(::unlockWrite) }
                thread { actor(::writeScope) }
            }
        }
        .check(this::class)
}
