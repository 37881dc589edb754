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
 * Regression tests: raw releases used to check ownership and then act in two steps, so two racing
 * releases could both succeed, and downgrade() counted its raw read hold before it existed (a
 * racing unlockRead() then borrowed through the state word). Both now decide with one CAS on a
 * raw-write flag and count the read after it exists: a release without a matching raw hold throws
 * IllegalStateException with the state untouched (DESIGN.md 5.1).
 *
 * [introspectionBeforeRelease] stays disabled by design: `isWriteLocked` is a monitoring snapshot
 * (as the JDK documents for its own `isWriteLocked`); tryLockWrite() sets WRITE_HELD with its CAS
 * and records the raw owner just after, so a coroutine acting on what it just observed can see the
 * lock held before the raw hold is releasable.
 */
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
    @Disabled("by design: isWriteLocked is a monitoring snapshot, see the class KDoc")
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
