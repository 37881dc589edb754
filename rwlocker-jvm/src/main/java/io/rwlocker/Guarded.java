package io.rwlocker;

import io.rwlocker.internal.GuardedAccess;
import io.rwlocker.internal.GuardedCell;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/*
 * Implementation notes
 *
 * A composition over RWLock, not a synchronizer of its own: no state word, no queue, no waiting.
 * State: the value in a GuardedCell (a plain field, shared with the suspending face made by the
 * coroutines module's asGuardedMutex()), and the RWLock that guards it.
 *
 * Every method is: check the argument (before locking, so bad input leaves the lock untouched),
 * lock one side of the RWLock, run the block on the value, unlock in `finally`. lock()/unlock()
 * are called directly, not through a Guard object, so an uncontended call allocates nothing
 * beyond what the caller's function allocates. Re-entry, upgrade detection, fairness and
 * waiting are the lock's, unchanged: a nested call is a nested lock() of the same thread.
 *
 * Invariants: the cell's value is read only under a read or write hold of `lock`, replaced only
 * under its write hold; a method returns (or throws) only after releasing the hold it took.
 *
 * Linearization points: read/write at any point of their hold (the lock excludes writers from
 * both); update/set at the store into the cell, under the write hold.
 */

/**
 * A value reachable only while its {@link RWLock} is held: {@link #read(Function) read} runs a
 * function on it under the read lock (many readers at once), {@link #write(Function) write}
 * under the write lock (to mutate it in place), {@link #update(UnaryOperator) update} and
 * {@link #set(Object) set} replace it under the write lock. There is no getter.
 *
 * <pre>{@code
 * Guarded<Map<String, String>> state = Guarded.of(new HashMap<>());
 *
 * state.write(m -> m.put("key", "example"));                  // exclusive, mutate in place
 * String v = state.read(m -> m.get("key"));                    // shared with other readers
 * Map<String, String> copy = state.read(Map::copyOf);          // a copy may leave the block
 * state.set(new HashMap<>());                                  // replace the value itself
 * int size = state.update(m -> new HashMap<>(m)).size();       // replace, computed from the old
 * }</pre>
 *
 * <h2>What a block may do with the value</h2>
 * <ul>
 *   <li>A {@code read} function may look at the value and everything reachable from it, and
 *       return anything computed from it. It must not mutate it (other readers run at the same
 *       time); only {@code write} may. Java cannot make an arbitrary {@code T} read-only without
 *       an allocation per call, so this class does not wrap the value in a view; for a value
 *       that readers cannot mutate even by mistake, guard an immutable value ({@code List.of},
 *       {@code Map.copyOf}, a record) and change it with {@link #update(UnaryOperator) update}.
 *   <li>No function may keep the value, or a view, iterator or sub-object backed by it, after
 *       it returns: <strong>a reference kept after the block is the caller's bug</strong>, since
 *       the lock no longer protects it. Return a copy instead
 *       ({@code guarded.read(List::copyOf)}, {@code guarded.read(m -> new HashMap<>(m))}) or an
 *       immutable value. Values that are immutable themselves may be returned as they are.
 *   <li>A block must not release or downgrade the lock it runs under (through {@link #lock()}).
 * </ul>
 *
 * <h2>Errors, nesting, {@code null}</h2>
 * <ul>
 *   <li>An exception thrown by a function propagates unchanged and the lock is released;
 *       {@code update} then leaves the old value in place.
 *   <li>A {@code null} function throws {@link NullPointerException} naming the argument, before
 *       the lock is touched. A {@code null} value is allowed: {@code of(null)},
 *       {@code set(null)} and an updater returning {@code null} store it, and the functions
 *       receive it.
 *   <li>Nested calls on the same thread follow the lock's rules, so they fail fast instead of
 *       deadlocking: {@code read} inside {@code read} is a recursive read (it enters even while
 *       writers wait); {@code write}, {@code update} or {@code set} inside {@code read} throw
 *       {@link IllegalStateException} (an upgrade would deadlock); inside {@code write}, every
 *       call re-enters if the lock has a {@linkplain RWLock.Builder#reentrantWriter(boolean)
 *       reentrant writer} and throws {@link IllegalStateException} otherwise. The thrown
 *       exception leaves the inner call without effect and, unless caught, ends the outer block,
 *       which releases its hold.
 *   <li>Waiting is uninterruptible, as {@link java.util.concurrent.locks.Lock#lock()}. For timed
 *       or interruptible access, use {@link #lock()} directly.
 * </ul>
 *
 * <p>Equality is identity: two guards are never equal because their values are.
 * {@link #toString()} shows the lock's state, never the value (which may be a secret).
 *
 * <p>The lock may also guard other state ({@link #of(Object, RWLock)}). Coroutines share the
 * same value and the same lock through the coroutines module's {@code Guarded.asGuardedMutex()}
 * (suspending {@code read}/{@code write}/{@code update}/{@code set}); inside a suspending block
 * use that twin, not this blocking face (the lock's owner there is the coroutine, not the thread).
 *
 * @param <T> the type of the guarded value
 */
public final class Guarded<T> {
    static {
        GuardedAccess.install(guarded -> guarded.cell);
    }

    private final GuardedCell<T> cell;
    private final RWLock lock;
    private final ReadLock readLock;
    private final WriteLock writeLock;

    private Guarded(T value, RWLock lock) {
        this.cell = new GuardedCell<>(value);
        this.lock = lock;
        this.readLock = lock.read();
        this.writeLock = lock.write();
    }

    /**
     * Guards {@code value} (which may be {@code null}) with a new
     * {@linkplain RWLock#writerPreferring() writer-preferring}, non-reentrant lock.
     *
     * <pre>{@code
     * Guarded<List<String>> names = Guarded.of(new ArrayList<>());
     * }</pre>
     */
    public static <T> Guarded<T> of(T value) {
        return new Guarded<>(value, RWLock.writerPreferring());
    }

    /**
     * Guards {@code value} (which may be {@code null}) with {@code lock}, of any policy; the lock
     * may guard other state too, and {@link #lock()} returns it.
     *
     * <pre>{@code
     * RWLock lock = RWLock.builder().policy(Policy.FAIR).reentrantWriter(true).build();
     * Guarded<Config> config = Guarded.of(Config.defaults(), lock);
     * }</pre>
     *
     * @throws NullPointerException if {@code lock} is {@code null}
     */
    public static <T> Guarded<T> of(T value, RWLock lock) {
        return new Guarded<>(value, Objects.requireNonNull(lock, "lock"));
    }

    /** The lock that guards the value (the one given to {@link #of(Object, RWLock)}, if any). */
    public RWLock lock() {
        return lock;
    }

    /**
     * Runs {@code reader} on the value under the read lock and returns its result. Other readers
     * may run at the same time; no writer does. The reader must not mutate the value nor keep a
     * reference to it: return a copy (see the class documentation).
     *
     * <pre>{@code
     * int size = names.read(List::size);
     * List<String> copy = names.read(List::copyOf);
     * }</pre>
     *
     * @throws NullPointerException if {@code reader} is {@code null} (the lock is not touched)
     * @throws IllegalStateException if the current thread holds the write lock of a lock
     *         without a reentrant writer
     */
    public <R> R read(Function<? super T, ? extends R> reader) {
        Objects.requireNonNull(reader, "reader");
        ReadLock side = readLock;
        side.lock();
        try {
            return reader.apply(cell.value);
        } finally {
            side.unlock();
        }
    }

    /**
     * Runs {@code writer} on the value under the write lock (alone: no reader, no other writer)
     * and returns its result: the way to mutate the value in place. The writer must not keep a
     * reference to the value.
     *
     * <pre>{@code
     * names.write(list -> list.add("ada"));
     * }</pre>
     *
     * @throws NullPointerException if {@code writer} is {@code null} (the lock is not touched)
     * @throws IllegalStateException if the current thread holds the read lock (an upgrade), or
     *         the write lock of a lock without a reentrant writer
     */
    public <R> R write(Function<? super T, ? extends R> writer) {
        Objects.requireNonNull(writer, "writer");
        WriteLock side = writeLock;
        side.lock();
        try {
            return writer.apply(cell.value);
        } finally {
            side.unlock();
        }
    }

    /**
     * Replaces the value with {@code updater}'s result, computed from the current value under
     * the write lock, and returns the new value. If the updater throws, the value stays as it
     * was. The result may be {@code null}.
     *
     * <p>The returned reference <em>is</em> the guarded value, no longer protected once this
     * method returns: use it freely only if it is immutable (the copy-on-write style below). For a
     * mutable value, compute what you need inside the updater, or read it again with
     * {@link #read(Function)}.
     *
     * <pre>{@code
     * Guarded<List<String>> frozen = Guarded.of(List.of());
     * frozen.update(old -> Stream.concat(old.stream(), Stream.of("ada")).toList());  // copy-on-write
     * }</pre>
     *
     * @throws NullPointerException if {@code updater} is {@code null} (the lock is not touched)
     * @throws IllegalStateException as {@link #write(Function)}
     */
    public T update(UnaryOperator<T> updater) {
        Objects.requireNonNull(updater, "updater");
        WriteLock side = writeLock;
        side.lock();
        try {
            T next = updater.apply(cell.value);
            cell.value = next;
            return next;
        } finally {
            side.unlock();
        }
    }

    /**
     * Replaces the value with {@code value} (which may be {@code null}) under the write lock.
     *
     * <pre>{@code
     * names.set(new ArrayList<>());
     * }</pre>
     *
     * @throws IllegalStateException as {@link #write(Function)}
     */
    public void set(T value) {
        WriteLock side = writeLock;
        side.lock();
        try {
            cell.value = value;
        } finally {
            side.unlock();
        }
    }

    /**
     * The guard's identity and its lock's state, never the value, e.g.
     * {@code Guarded@1b6d3586[RWLock@4554617c[WRITER_PREFERRING, ...]]}.
     */
    @Override
    public String toString() {
        return "Guarded@" + Integer.toHexString(System.identityHashCode(this)) + "[" + lock + "]";
    }
}
