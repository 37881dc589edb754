package io.rwlocker;

/**
 * A mode of a {@link FifoLock}: decides whether a request in this mode may join the current
 * holders of the lock.
 *
 * <pre>{@code
 * // At most 3 holders of this mode at once, and none while anyone holds Modes.write().
 * Mode download = new Mode() {
 *     public boolean isCompatible(Holds holds) {
 *         return holds.count(this) < 3 && holds.count(Modes.write()) == 0;
 *     }
 * };
 * Mode maintenance = holds -> holds.total() == 0;   // waits for every holder
 * }</pre>
 *
 * <p>The lock calls {@link #isCompatible(Holds)} for a new request when nobody is waiting, and
 * otherwise for the request at the head of its queue only (requests are granted strictly in
 * arrival order), on the requesting thread or on a thread that is releasing a hold, possibly while
 * it holds its internal queue lock, and possibly more than once per request. So the method must be
 * quick, must not block, and must not use the lock (acquiring or releasing a hold of the same lock
 * from inside it throws {@link IllegalStateException} where it could corrupt the queue). It should
 * depend only on {@code holds}: the lock evaluates the head again whenever the holds change, not
 * when anything else changes.
 *
 * <p>Holds are counted per mode by {@link Object#equals(Object)}: two equal mode objects share one
 * count, and a mode object may be used for any number of requests (it stores no state about them).
 * If {@code isCompatible} throws, the request it was evaluated for fails with that exception, the
 * lock state is untouched and the next request is considered; see {@link FifoLock}.
 */
@FunctionalInterface
public interface Mode {
    /**
     * Whether a request in this mode may be granted while {@code holds} are held.
     *
     * @param holds the current holders, readable only during this call
     * @return true to grant the request now, false to keep it (and everyone behind it) waiting
     */
    boolean isCompatible(Holds holds);
}
