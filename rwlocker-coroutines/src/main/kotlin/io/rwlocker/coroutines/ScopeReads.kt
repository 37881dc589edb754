package io.rwlocker.coroutines

import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.atomic.AtomicReferenceArray

/*
 * Implementation notes
 *
 * Which coroutines hold read holds through read { } scopes (or downgraded write scopes) of one
 * mutex, and how many: the knowledge behind read recursion while writers wait and behind upgrade
 * detection. Keyed by the coroutine's Job (identity).
 *
 * Layout: a small table of SLOTS owner slots, addressed by the Job's identity hash with no
 * probing (so removal leaves no tombstones), and an overflow map for a Job whose slot is taken.
 * A slot is claimed by CAS null -> job and released by a store of null when the count drops to 0.
 * `counts[i]` is written only by the coroutine that owns slot i; a coroutine runs sequentially,
 * and a resumption on another thread happens-after its suspension, so plain ints suffice.
 * A Job with no slot and no overflow entry holds nothing. The common case (each reading
 * coroutine alone in its slot) allocates nothing.
 */

/** Scope read holds per coroutine [kotlinx.coroutines.Job] for one mutex. */
internal class ScopeReads {
    private val table = AtomicReferenceArray<Any?>(SLOTS)
    private val counts = IntArray(SLOTS)
    private val overflow = ConcurrentHashMap<Any, IntArray>()

    private fun slotOf(owner: Any): Int = (System.identityHashCode(owner) * -0x61c88647 ushr (32 - BITS))

    /** Read holds of [owner] through scopes. */
    fun holds(owner: Any): Int {
        val t = table
        val slot = slotOf(owner)
        if (t.get(slot) === owner) return counts[slot]
        if (overflow.isEmpty()) return 0
        return overflow[owner]?.get(0) ?: 0
    }

    /** Adds [n] read holds of [owner]. */
    fun add(owner: Any, n: Int = 1) {
        val t = table
        val slot = slotOf(owner)
        val current = t.get(slot)
        if (current === owner) {
            counts[slot] += n
            return
        }
        if (!overflow.isEmpty()) {
            val box = overflow[owner]
            if (box != null) {
                box[0] += n
                return
            }
        }
        if (current == null && t.compareAndSet(slot, null, owner)) {
            counts[slot] = n
            return
        }
        overflow[owner] = intArrayOf(n)
    }

    /** Removes [n] read holds of [owner] (which has them). */
    fun remove(owner: Any, n: Int = 1) {
        val t = table
        val slot = slotOf(owner)
        if (t.get(slot) === owner) {
            val left = counts[slot] - n
            counts[slot] = left
            if (left == 0) t.lazySet(slot, null)
            return
        }
        val box = overflow[owner] ?: error("no scope read hold of $owner")
        box[0] -= n
        if (box[0] == 0) overflow.remove(owner)
    }

    private companion object {
        const val BITS = 5
        const val SLOTS = 1 shl BITS
    }
}
