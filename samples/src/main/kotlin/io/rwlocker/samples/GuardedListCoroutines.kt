package io.rwlocker.samples

import io.rwlocker.Guarded
import io.rwlocker.coroutines.asGuardedMutex
import java.util.concurrent.atomic.AtomicInteger
import kotlin.concurrent.thread
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.delay
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout

/**
 * The ironfence seed's second example with coroutines, and one value shared with a thread:
 * three coroutines read a guarded list at once (proved: each waits inside `read { }` until all
 * three are in), while a plain thread that wants to append waits for them; then a coroutine
 * appends too. Threads use the [Guarded], coroutines its [asGuardedMutex] twin: the same list,
 * the same lock.
 */
public object GuardedListCoroutines {
    @JvmStatic
    public fun run(): Unit = runBlocking {
        val shared = Guarded.of(mutableListOf<String>())      // for threads
        val twin = shared.asGuardedMutex()                    // for coroutines: same list, same lock

        val inside = AtomicInteger()
        val allInside = CompletableDeferred<Unit>()
        val release = CompletableDeferred<Unit>()
        val readers = List(3) {
            async {
                twin.read { list ->
                    if (inside.incrementAndGet() == 3) allInside.complete(Unit)
                    allInside.await()                         // only completes with all three inside
                    release.await()
                    list.toList()                             // a copy leaves the block
                }
            }
        }
        withTimeout(5.seconds) { allInside.await() }
        val writer = thread { shared.write { it.add("from a thread") } }
        withTimeout(5.seconds) { while (!shared.lock().hasQueuedThreads()) delay(1) } // it waits for the readers
        release.complete(Unit)
        val seen = readers.awaitAll()
        writer.join(5_000)
        twin.write { it.add("from a coroutine") }

        val after = twin.read { it.toList() }
        check(seen == List(3) { emptyList<String>() } && after == listOf("from a thread", "from a coroutine")) {
            "readers saw $seen, afterwards $after"
        }
        println("  3 coroutines inside read { } at once saw ${seen[0]}; a thread waited for them; afterwards: $after")
    }

    @JvmStatic
    public fun main(args: Array<String>): Unit = run()
}
