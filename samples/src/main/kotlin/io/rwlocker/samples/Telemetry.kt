package io.rwlocker.samples

import io.rwlocker.Policy
import io.rwlocker.coroutines.ReadWriteMutex
import io.rwlocker.coroutines.read
import io.rwlocker.coroutines.write
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext

/**
 * Telemetry: sensors write samples at a high rate while dashboards read snapshots. With
 * [Policy.FAIR] (phase-fair) reader and writer phases alternate, so neither the sensors nor the
 * dashboards starve, however busy the other side is.
 */
public object Telemetry {
    @JvmStatic
    public fun run(): Unit = runBlocking {
        val mutex = ReadWriteMutex(Policy.FAIR)
        val samples = ArrayList<Int>()
        var snapshots = 0
        withContext(Dispatchers.Default) {
            repeat(4) { sensor ->
                launch {
                    repeat(50) { i ->
                        mutex.write { samples += sensor * 1000 + i }
                        delay(1)
                    }
                }
            }
            repeat(8) {
                launch {
                    repeat(25) {
                        mutex.read {
                            val average = if (samples.isEmpty()) 0.0 else samples.average()
                            check(average >= 0.0)
                            delay(1) // render while holding a consistent snapshot
                        }
                        mutex.write { snapshots++ }
                    }
                }
            }
        }
        println("  4 sensors wrote ${samples.size} samples, 8 dashboards rendered $snapshots snapshots (FAIR)")
        check(samples.size == 200 && snapshots == 200) { "a sample or a snapshot was lost" }
    }

    @JvmStatic
    public fun main(args: Array<String>): Unit = run()
}
