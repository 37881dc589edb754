package io.rwlocker.samples

import io.rwlocker.coroutines.ReadWriteMutex
import io.rwlocker.coroutines.write
import io.rwlocker.coroutines.writeMutex
import java.util.concurrent.CompletableFuture
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.future.future
import kotlinx.coroutines.launch
import kotlinx.coroutines.sync.withLock
import kotlinx.coroutines.yield

/**
 * A price quote whose two fields must change together: `ask == bid + 1` whenever nobody is
 * writing. Guarded by whatever lock the caller chooses (see [JavaWithCoroutines]).
 */
public class Quote {
    /** The bid price, in cents. */
    @JvmField
    public var bid: Long = 0

    /** The ask price, in cents: one more than [bid] between writes. */
    @JvmField
    public var ask: Long = 1
}

/**
 * The coroutine half of [JavaWithCoroutines]: a feed that updates a [Quote] from several
 * coroutines under a [ReadWriteMutex] that Java code also uses (through the same `RWLock`).
 */
public object QuoteFeed {
    /**
     * Starts [coroutines] coroutines on `Dispatchers.Default`, each applying [updates] updates
     * under the mutex's write lock (half of them through `write { }`, half through the kotlinx
     * `Mutex` view `writeMutex`). The future completes when all updates are done.
     */
    @JvmStatic
    public fun start(mutex: ReadWriteMutex, quote: Quote, coroutines: Int, updates: Int): CompletableFuture<Unit> =
        CoroutineScope(Dispatchers.Default).future {
            repeat(coroutines) { index ->
                launch {
                    repeat(updates) {
                        if (index % 2 == 0) {
                            mutex.write { move(quote) }
                        } else {
                            mutex.writeMutex.withLock { move(quote) }
                        }
                    }
                }
            }
        }

    private suspend fun move(quote: Quote) {
        quote.bid++
        yield() // a reader that got in now would see ask != bid + 1
        quote.ask = quote.bid + 1
    }
}
