package io.rwlocker.samples

import io.rwlocker.KeyedLocks
import io.rwlocker.coroutines.KeyedReadWriteMutex
import io.rwlocker.coroutines.ReadWriteMutex
import io.rwlocker.coroutines.asKeyedReadWriteMutex
import io.rwlocker.coroutines.write
import java.util.concurrent.ConcurrentHashMap
import kotlin.concurrent.thread
import kotlin.random.Random
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext

/**
 * Account transfers with coroutines: each transfer locks its two accounts with
 * [KeyedReadWriteMutex.writeAll] and calls a slow ledger service (1 ms `delay`), so transfers
 * between different accounts overlap, while a transfer and its reverse can never deadlock. The
 * same workload behind one [ReadWriteMutex] runs one transfer at a time. Then blocking threads
 * join in on the same table through [KeyedLocks.asKeyedReadWriteMutex]. Prints both times and
 * checks that no money was created or lost and that the table is empty afterwards.
 */
public object KeyedTransfers {
    private const val ACCOUNTS = 8
    private const val TRANSFERS = 200

    /** Balances by account; each account is changed only under its own per-key write lock. */
    private class Bank {
        val balances = ConcurrentHashMap((0 until ACCOUNTS).associate { "account-$it" to 100L })
        val total: Long get() = balances.values.sum()
    }

    private suspend fun Bank.move(from: String, to: String, amount: Long) {
        delay(1) // the ledger service's round trip
        balances[from] = balances.getValue(from) - amount
        balances[to] = balances.getValue(to) + amount
    }

    /** Transfers under per-key locks: only the two accounts involved are locked. */
    private suspend fun Bank.transfer(locks: KeyedReadWriteMutex<String>, from: String, to: String, amount: Long) =
        locks.writeAll(listOf(from, to)) { // any argument order: no deadlock
            move(from, to, amount)
        }

    private fun pairs(): List<Pair<String, String>> {
        val random = Random(42)
        return List(TRANSFERS) {
            val a = random.nextInt(ACCOUNTS)
            val b = (a + 1 + random.nextInt(ACCOUNTS - 1)) % ACCOUNTS
            "account-$a" to "account-$b"
        }
    }

    private fun millis(block: () -> Unit): Long {
        val began = System.nanoTime()
        block()
        return (System.nanoTime() - began) / 1_000_000
    }

    @JvmStatic
    public fun run() {
        println("  $TRANSFERS concurrent transfers between $ACCOUNTS accounts, 1 ms ledger call each")
        val single = Bank()
        val mutex = ReadWriteMutex()
        val globalMs = millis {
            runBlocking(Dispatchers.Default) {
                for ((from, to) in pairs()) launch { mutex.write { single.move(from, to, 1) } }
            }
        }
        val keyed = Bank()
        val locks = KeyedReadWriteMutex<String>()
        val keyedMs = millis {
            runBlocking(Dispatchers.Default) {
                for ((from, to) in pairs()) launch { keyed.transfer(locks, from, to, 1) }
            }
        }
        check(single.total == 100L * ACCOUNTS && keyed.total == 100L * ACCOUNTS) { "money was created or lost" }
        check(locks.size == 0) { "entries left in the table" }
        println("  one ReadWriteMutex   %5d ms".format(globalMs))
        println("  KeyedReadWriteMutex  %5d ms  (%.1fx faster)".format(keyedMs, globalMs.toDouble() / maxOf(keyedMs, 1)))
        threadsAndCoroutines()
    }

    /** Blocking threads and coroutines move money between the same accounts through one table. */
    private fun threadsAndCoroutines() {
        val bank = Bank()
        val table = KeyedLocks.create<String>()
        val mutex = table.asKeyedReadWriteMutex() // the same entries: threads and coroutines exclude each other
        val threads = (0 until 2).map { t ->
            thread {
                repeat(500) { i ->
                    val from = "account-${(i + t) % ACCOUNTS}"
                    val to = "account-${(i + t + 1) % ACCOUNTS}"
                    table.writeAll(listOf(to, from)).use {
                        bank.balances[from] = bank.balances.getValue(from) - 1
                        bank.balances[to] = bank.balances.getValue(to) + 1
                    }
                }
            }
        }
        runBlocking {
            withContext(Dispatchers.Default) {
                repeat(4) { c ->
                    launch {
                        repeat(250) { i ->
                            val from = "account-${(i + c) % ACCOUNTS}"
                            val to = "account-${(i + c + 3) % ACCOUNTS}"
                            mutex.writeAll(listOf(from, to)) {
                                bank.balances[from] = bank.balances.getValue(from) - 1
                                bank.balances[to] = bank.balances.getValue(to) + 1
                            }
                        }
                    }
                }
            }
        }
        threads.forEach { it.join() }
        check(bank.total == 100L * ACCOUNTS) { "money was created or lost" }
        check(table.size() == 0) { "entries left in the table" }
        println("  2 threads x 500 + 4 coroutines x 250 transfers on one table: books balance, table empty")
    }

    @JvmStatic
    public fun main(args: Array<String>): Unit = run()
}
