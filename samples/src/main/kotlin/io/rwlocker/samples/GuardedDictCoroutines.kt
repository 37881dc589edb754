package io.rwlocker.samples

import io.rwlocker.Policy
import io.rwlocker.coroutines.GuardedMutex
import io.rwlocker.coroutines.ReadWriteMutex
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking

/**
 * The ironfence seed's first example with coroutines, as the seed had it: a dictionary behind a
 * mutex ([GuardedMutex] over an exclusive [ReadWriteMutex]), modified by one coroutine that
 * suspends while it holds the mutex, and read by others, who get a copy, never the map itself.
 */
public object GuardedDictCoroutines {
    @JvmStatic
    public fun run(): Unit = runBlocking {
        val state = GuardedMutex(mutableMapOf<String, String>(), ReadWriteMutex(Policy.EXCLUSIVE))

        val before = state.read { it.toMap() }                // a copy leaves the block
        val modifying = CompletableDeferred<Unit>()
        val modifier = launch {
            state.write { map ->
                modifying.complete(Unit)
                delay(20)                                     // suspends, holding the mutex
                map["key"] = "example"
            }
        }
        modifying.await()
        val during = state.read { it.toMap() }                // suspends until the modifier is done
        modifier.join()

        check(before.isEmpty() && during == mapOf("key" to "example")) { "before=$before during=$during" }
        println("  read before the write: $before; read during it suspended, then saw: $during")
    }

    @JvmStatic
    public fun main(args: Array<String>): Unit = run()
}
