package io.rwlocker.internal;

import io.rwlocker.Policy;
import io.rwlocker.internal.jfr.LockEvents;
import io.rwlocker.internal.jfr.TimingSwitch;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.ReentrantLock;

/*
 * Implementation notes
 *
 * One engine serves both faces: the blocking RWLock (threads park) and the suspending
 * ReadWriteMutex (coroutines suspend). Neither face keeps a state machine of its own; they add
 * only their bookkeeping of who holds what (per-thread read records, coroutine scopes).
 *
 * State word (`state`, a long, CAS via VarHandle):
 *   bits 0..31  READ_MASK      total read holds of all owners (at most Integer.MAX_VALUE)
 *   bit  32     WRITE_HELD     the write lock is held (by `writeOwner`, `writeHolds` times)
 *   bit  33     WRITER_QUEUED  the writer queue is not empty
 *   bit  34     READER_QUEUED  the reader queue is not empty
 *   bit  35     BIAS           threads may take their outermost read hold on the biased path
 *   bit  36     REVOKING       a revocation is moving biased holds into READ_MASK
 * The two QUEUED bits mirror the queues: they are set and cleared only under `queueLock`, in
 * the same CAS that validates the decision to queue or to grant.
 *
 * Biased reads (BRAVO-style, blocking face only): with BIAS set, a thread's newcomer read
 * publishes itself in the thread's own padded ReaderRecord (a volatile store, then a re-check of
 * the state word) instead of CASing the shared word, so readers on different cores do not share
 * a cache line. Those holds are not in READ_MASK. Any writer acquisition that finds BIAS first
 * revokes it under the queue lock (revokeBiasLocked): one CAS turns BIAS into REVOKING, every
 * record holding visibly is migrated into READ_MASK (count first, then CAS HELD -> MIGRATED), and
 * REVOKING is cleared. From then on READ_MASK is exact again and the policies, admission and
 * hand-off below work unchanged: no writer ever waits for biased readers to drain. After a
 * revocation the bias stays off for an inhibit period (at least 9x the revocation's cost); central
 * readers restore it later, and only while nothing is queued or write-held. The period adapts:
 * 20 us after a bias that lived long, doubled (up to 50 ms) after one that was revoked within a
 * few periods of coming back, so mixed read/write workloads settle on the central path instead
 * of paying a revocation (queue lock, registry scan) every few microseconds.
 * Invariant: BIAS implies !WRITE_HELD and !QUEUED (writers revoke before holding or queueing;
 * readers queue only behind a writer; the restoring CAS validates both). So a revocation never
 * happens with waiters queued, and the transient +1/-1 of a migration cannot strand a waiter.
 *
 * Fast paths (no queue lock, no allocation):
 *   - newcomer read: CAS +1 when (state & readerBlockMask) == 0 (policy rule, see Admission);
 *   - newcomer write: CAS 0 -> WRITE_HELD;
 *   - recursive read (the owner already holds read, or holds write): CAS +1, no check;
 *   - release: CAS, unless the release leaves nobody holding while a QUEUED bit is set; then
 *     the slow path takes the queue lock and hands the lock over.
 * Because a queued bit is set by the same CAS that validated "cannot enter now", a concurrent
 * fast-path release either happens before (the CAS fails and the enqueuer re-checks) or sees
 * the bit (and takes the slow path that admits the waiter). No wake-up is lost.
 *
 * Queues: `readers` and `writers`, each FIFO with O(1) unlink, plus a `ticket` per node for
 * the global arrival order that EXCLUSIVE needs. Condition queues live in their conditions
 * but are also guarded by `queueLock`. `queueLock` is held only for O(1) queue edits and one
 * admission pass, never while anyone waits, and never while calling a waiter's wake().
 *
 * Hand-off: admission runs under the queue lock, moves the chosen nodes' holds into the state
 * word with one CAS, unlinks them, marks them GRANTED and chains them; they are woken after the
 * queue lock is released. A node's owner that gives up (timeout, interrupt, cancellation)
 * calls cancel() under the same queue lock: either the node was still WAITING (it is unlinked
 * in O(1) and admission re-runs, since it may have been blocking others) or it was GRANTED (the
 * owner holds the lock and keeps it or releases it). A grant is never lost. Admission skips a
 * node whose requester is gone already (Waiter.isAbandoned: a cancelled coroutine whose handler
 * has not reached the queue lock): it unlinks it as CANCELLED, and that handler's cancel() then
 * returns true (withdrawn, nothing granted), so the lock is never handed to a requester that
 * could only give it back.
 *
 * Invariants (at every point where the queue lock is free):
 *   - WRITE_HELD implies writeOwner != null and writeHolds >= 1 (set before the owner can act);
 *   - WRITE_HELD implies no biased read hold (the writer revoked before it acquired);
 *   - a queue is non-empty iff its QUEUED bit is set;
 *   - no queued node is admissible by decide() (hand-off is eager).
 *
 * Observability (DESIGN.md 4.5): `name` is fixed at construction. The snapshots (readHolders,
 * queuedThreads, queuedCounts, ...) read the queues under the queue lock and the reader registry
 * without it; they are for monitoring, never for control. JFR hold timing (LongHold) of the write
 * lock lives here because every owner's write acquisition passes through here: where a write is
 * acquired (the fast CAS, a grant) and where it ends (releaseWrite, downgrade), `if
 * (TimingSwitch.on())` guards a call that begins or ends the event kept in `writeHoldEvent`. The
 * switch is a JIT constant, so with timing off those paths compile exactly as without it. The
 * event field follows writeOwner's discipline (written by the owner or by its granter before
 * GRANTED).
 *
 * Linearization points: a fast-path acquire or release at its successful CAS; a biased read at
 * its publishing store (validated by the re-check), its release at the CAS HELD -> NONE; a queued acquire
 * at the granting CAS made by the releaser (or by the enqueuer, when it found the lock free);
 * a cancellation at the moment it unlinks the node under the queue lock.
 */

/** The lock state machine shared by the blocking and the suspending faces. Internal API. */
public final class LockEngine extends LockEngineState implements Grantor {
    static final long READ_MASK = 0xFFFF_FFFFL;
    static final long WRITE_HELD = 1L << 32;
    static final long WRITER_QUEUED = 1L << 33;
    static final long READER_QUEUED = 1L << 34;
    static final long QUEUED = WRITER_QUEUED | READER_QUEUED;
    static final long BIAS = 1L << 35;
    static final long REVOKING = 1L << 36;
    static final long MAX_READS = Integer.MAX_VALUE;
    /** Shortest time the bias stays off after a revocation, and the revocation-cost multiplier. */
    private static final long MIN_INHIBIT_NANOS = 20_000L;
    private static final int INHIBIT_FACTOR = 9;
    /** Longest time the bias stays off after a revocation (the adaptive inhibit's cap). */
    private static final long MAX_INHIBIT_NANOS = 50_000_000L;
    /** A thread checks whether the bias may come back once every this many central reads. */
    private static final int BIAS_CHECK_MASK = 63;

    /**
     * Whether reads may take the biased path at all: the system property {@code
     * io.rwlocker.biasedReads} (default true), read once. Off, every read CASes the state word
     * (what EXCLUSIVE always does); the measurement that chose the default for virtual threads
     * is {@code VirtualReadersBench}.
     */
    static final boolean BIASED_READS = biasedReads();

    private static final VarHandle STATE;
    private static final VarHandle ATTACHMENT;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            STATE = lookup.findVarHandle(LockEngineWord.class, "state", long.class);
            ATTACHMENT = lookup.findVarHandle(LockEngine.class, "attachment", Object.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Policy policy;
    private final boolean reentrantWriter;
    private final String name;
    private final Admission admission;
    private final long readerBlockMask;

    // writeOwner and writeHolds live beside the state word (LockEngineState.java).

    private final ReentrantLock queueLock = new ReentrantLock();
    private final WaitQueue readers = new WaitQueue();
    private final WaitQueue writers = new WaitQueue();
    private final VisibleReaders visibleReaders = new VisibleReaders(this);
    private final boolean biasAllowed;
    private volatile long inhibitUntil;
    /** The current inhibit period (adaptive, see revokeBiasLocked); under the queue lock. */
    private long inhibitNanos = MIN_INHIBIT_NANOS;
    /** When the bias was last turned back on; plain (a stale value only mis-sizes one inhibit). */
    private long biasRestoredAt;
    private long nextTicket;
    private volatile int queueLength;
    /** The suspending face over this engine, created once on demand. */
    private volatile Object attachment;
    /** The LongHold event of the current write hold, while holds are timed (see the notes). */
    private Object writeHoldEvent;

    /** An engine for the given policy, named {@code name} (in toString and JFR events). */
    public LockEngine(Policy policy, boolean reentrantWriter, String name) {
        this.policy = policy;
        this.reentrantWriter = reentrantWriter;
        this.name = name;
        LockEvents.active(); // attaches to JFR if it was initialized (a recording started): cheap
        this.admission = new Admission(policy);
        this.readerBlockMask = admission.readerBlockMask;
        this.biasAllowed = policy != Policy.EXCLUSIVE && BIASED_READS;
        this.state = biasAllowed ? BIAS : 0L;
        this.biasRestoredAt = System.nanoTime();
    }

    private static boolean biasedReads() {
        try {
            return !"false".equalsIgnoreCase(System.getProperty("io.rwlocker.biasedReads"));
        } catch (SecurityException e) {
            return true;
        }
    }

    /** The admission policy. */
    public Policy policy() {
        return policy;
    }

    /** Whether the write owner may re-enter. */
    public boolean isReentrantWriter() {
        return reentrantWriter;
    }

    /** The lock's name. */
    public String name() {
        return name;
    }

    /**
     * The one object attached to this engine (the suspending face), created by {@code create}
     * on first use; later calls return the same object.
     */
    public Object attachment(java.util.function.Function<LockEngine, Object> create) {
        Object current = attachment;
        if (current != null) {
            return current;
        }
        Object created = create.apply(this);
        Object witness = ATTACHMENT.compareAndExchange(this, (Object) null, created);
        return witness == null ? created : witness;
    }

    // ------------------------------------------------------------------ introspection

    /** Whether anyone holds the write lock. A snapshot. */
    public boolean isWriteLocked() {
        return (state & WRITE_HELD) != 0;
    }

    /** The write owner, or null. */
    public Object writeOwner() {
        return writeOwner;
    }

    /** The write holds of {@code owner}: 0 unless it is the write owner. */
    public int writeHoldsOf(Object owner) {
        return writeOwner == owner && owner != null ? writeHolds : 0;
    }

    /** Whether anyone (thread or coroutine) holds the lock, read or write. A snapshot. */
    public boolean isLocked() {
        return (state & (WRITE_HELD | READ_MASK)) != 0L || visibleReaders.anyHolds();
    }

    /** Total read holds of all owners: coroutines and threads (nested holds included). A snapshot. */
    public int readHolds() {
        long[] threads = visibleReaders.tally();
        return clampToInt((state & READ_MASK) - threads[1] + threads[0]);
    }

    /** Nodes waiting to acquire (condition waiters excluded). */
    public int queueLength() {
        return queueLength;
    }

    /**
     * Read holds split by face, {@code [threads, others]}: the holds of the threads' read records
     * (nested holds included) and the rest of the state word's count (coroutines and other
     * owner-less holders). A monitoring snapshot: a thread between its acquiring CAS and the
     * update of its record is counted with the others for that instant.
     */
    public int[] readHoldsByFace() {
        long[] threads = visibleReaders.tally();
        long others = (state & READ_MASK) - threads[1];
        return new int[] {clampToInt(threads[0]), clampToInt(others)};
    }

    private static int clampToInt(long value) {
        return (int) Math.max(0L, Math.min(value, Integer.MAX_VALUE));
    }

    /** The threads waiting to acquire, oldest first (condition waiters excluded). A snapshot. */
    public java.util.List<Thread> queuedThreads() {
        java.util.List<Thread> result = new java.util.ArrayList<>();
        queueLock.lock();
        try {
            // Both queues in arrival order (tickets), merged.
            Waiter r = readers.head;
            Waiter w = writers.head;
            while (r != null || w != null) {
                Waiter next;
                if (w == null || (r != null && r.ticket < w.ticket)) {
                    next = r;
                    r = r.next;
                } else {
                    next = w;
                    w = w.next;
                }
                if (next instanceof ThreadWaiter t) {
                    result.add(t.thread());
                }
            }
        } finally {
            queueLock.unlock();
        }
        return result;
    }

    /** Whether {@code thread} waits to acquire (condition waiters excluded). A snapshot. */
    public boolean isQueued(Thread thread) {
        queueLock.lock();
        try {
            return containsThread(readers, thread) || containsThread(writers, thread);
        } finally {
            queueLock.unlock();
        }
    }

    private static boolean containsThread(WaitQueue queue, Thread thread) {
        for (Waiter n = queue.head; n != null; n = n.next) {
            if (n instanceof ThreadWaiter t && t.thread() == thread) {
                return true;
            }
        }
        return false;
    }

    /**
     * Nodes waiting to acquire by face, {@code [threads, others]} (others: coroutines); condition
     * waiters excluded. A snapshot, consistent within itself (taken under the queue lock).
     */
    public int[] queuedByFace() {
        queueLock.lock();
        try {
            int threads = countThreads(readers) + countThreads(writers);
            return new int[] {threads, readers.size + writers.size - threads};
        } finally {
            queueLock.unlock();
        }
    }

    private static int countThreads(WaitQueue queue) {
        int n = 0;
        for (Waiter node = queue.head; node != null; node = node.next) {
            if (node instanceof ThreadWaiter) {
                n++;
            }
        }
        return n;
    }

    // ------------------------------------------------------------------ fast paths

    /** One newcomer read attempt by the policy's rule; never queues. */
    public boolean tryReadFast() {
        long s = state;
        while ((s & readerBlockMask) == 0) {
            if ((s & READ_MASK) >= MAX_READS) {
                throw new Error("Maximum lock count exceeded");
            }
            if (STATE.weakCompareAndSet(this, s, s + 1)) {
                return true;
            }
            s = state;
        }
        return false;
    }

    /** One newcomer write attempt: succeeds only when nobody holds and nobody is queued. */
    public boolean tryWriteFast(Object owner) {
        long s = state;
        if (s == 0L && STATE.compareAndSet(this, 0L, WRITE_HELD)) {
            writeOwner = owner;
            writeHolds = 1;
            if (TimingSwitch.on()) {
                beginWriteHold();
            }
            return true;
        }
        if (s != 0L && (s & ~(BIAS | REVOKING)) == 0L) {
            // Free, but biased or being revoked: not a reason to fail (tryLock must not fail
            // spuriously). The queue lock is held only for a bounded revocation.
            return revokeThenTryWrite(owner);
        }
        return false;
    }

    /** The lock is free but biased: revoke the bias (migrating visible readers), then try again. */
    private boolean revokeThenTryWrite(Object owner) {
        queueLock.lock();
        try {
            revokeBiasLocked();
            if (STATE.compareAndSet(this, 0L, WRITE_HELD)) {
                writeOwner = owner;
                writeHolds = 1;
                if (TimingSwitch.on()) {
                    beginWriteHold();
                }
                return true;
            }
            return false;
        } finally {
            queueLock.unlock();
        }
    }

    // ------------------------------------------------------------------ biased (visible) reads

    /**
     * Drops the reader records of terminated threads (VisibleReaders.prune), if the queue lock is
     * free at this instant; otherwise a later record creation or revocation does it.
     */
    void pruneReaders() {
        if (queueLock.tryLock()) {
            try {
                visibleReaders.prune();
            } finally {
                queueLock.unlock();
            }
        }
    }

    /** The threads holding read and their hold counts: a monitoring snapshot. */
    public java.util.Map<Thread, Integer> readHolders() {
        return visibleReaders.holders();
    }

    /** The current thread's read record of this lock (created and registered on first use). */
    public ReaderRecord record() {
        return visibleReaders.current();
    }

    /**
     * A newcomer read on the biased path: publish the hold in the thread's own record instead of
     * the shared state word. The caller holds no read of this lock. On success the hold is either
     * visible or (if a revoker migrated it at that instant) central, as the record says.
     */
    public boolean tryReadVisible(ReaderRecord record) {
        if ((state & (BIAS | readerBlockMask)) != BIAS) {
            return false;
        }
        ReaderRecord.VISIBLE.setVolatile(record, ReaderRecord.VISIBLE_HELD);
        if ((state & (BIAS | readerBlockMask)) == BIAS) {
            return true;
        }
        if (ReaderRecord.VISIBLE.compareAndSet(record, ReaderRecord.VISIBLE_HELD, ReaderRecord.VISIBLE_NONE)) {
            return false;
        }
        // A revoker moved the hold into the state word just now: we hold a central read.
        record.visible = ReaderRecord.VISIBLE_NONE;
        record.central++;
        return true;
    }

    /** Releases the shared part of the thread's read holds (its outermost hold(s)). */
    public void releaseThreadShare(ReaderRecord record) {
        int central = record.central;
        if (central > 0) {
            record.central = 0;
            releaseReads(central);
        }
        int visible = record.visible;
        if (visible != ReaderRecord.VISIBLE_NONE) {
            if (visible == ReaderRecord.VISIBLE_MIGRATED
                    || !ReaderRecord.VISIBLE.compareAndSet(record, ReaderRecord.VISIBLE_HELD, ReaderRecord.VISIBLE_NONE)) {
                record.visible = ReaderRecord.VISIBLE_NONE;
                releaseReads(1);
            }
        }
    }

    /**
     * After a central-path read: once every few such reads, turn the bias back on if the
     * inhibition that followed the last revocation has passed. Only while nothing is queued or
     * write-held: then every writer that comes later revokes first (fast path and admission), and
     * the caller's own central hold guarantees a later release that runs admission.
     */
    public void maybeRestoreBias(ReaderRecord record) {
        if (biasAllowed && (++record.centralReads & BIAS_CHECK_MASK) == 0
                && System.nanoTime() - inhibitUntil >= 0L) {
            long s = state;
            if ((s & (BIAS | REVOKING | WRITE_HELD | QUEUED)) == 0L
                    && STATE.compareAndSet(this, s, s | BIAS)) {
                biasRestoredAt = System.nanoTime();
            }
        }
    }

    /**
     * Clears BIAS and moves every visible read hold into the state word's count, so that the
     * count is exact again for writers and admission. Under the queue lock; REVOKING keeps
     * the writer fast path out while the count is not yet complete.
     */
    private void revokeBiasLocked() {
        long begin = System.nanoTime();
        for (;;) {
            long s = state;
            if ((s & BIAS) == 0L) {
                return;
            }
            if (STATE.compareAndSet(this, s, (s & ~BIAS) | REVOKING)) {
                break;
            }
        }
        visibleReaders.migrate(this);
        for (;;) {
            long s = state;
            if (STATE.compareAndSet(this, s, s & ~REVOKING)) {
                break;
            }
        }
        long end = System.nanoTime();
        // Adaptive: a bias that lived less than a few inhibit periods did not pay for its
        // revocation (writers keep coming: a mixed workload), so keep it off twice as long next
        // time, up to MAX_INHIBIT_NANOS; a bias that lived long resets the period.
        long period = inhibitNanos;
        period = begin - biasRestoredAt < 4 * period
                ? Math.min(period * 2, MAX_INHIBIT_NANOS) : MIN_INHIBIT_NANOS;
        inhibitNanos = period;
        inhibitUntil = end + Math.max(period, INHIBIT_FACTOR * (end - begin));
    }

    /** Adds {@code delta} to the central read count, with no admission (revocation only). */
    void addCentralRaw(int delta) {
        for (;;) {
            long s = state;
            if (STATE.compareAndSet(this, s, s + delta)) {
                return;
            }
        }
    }

    /** Adds {@code n} read holds for a caller that already holds read or write (recursion). */
    public void addReadHolds(int n) {
        for (;;) {
            long s = state;
            if ((s & READ_MASK) + n > MAX_READS) {
                throw new Error("Maximum lock count exceeded");
            }
            if (STATE.weakCompareAndSet(this, s, s + n)) {
                return;
            }
        }
    }

    /** Adds one write hold for the write owner (reentrant writer). */
    public void incrementWriteHolds() {
        if (writeHolds == Integer.MAX_VALUE) {
            throw new Error("Maximum lock count exceeded");
        }
        writeHolds++;
    }

    /**
     * Removes one write hold of the write owner; returns the holds left. When none is left the
     * write lock is released and handed over.
     */
    public int decrementWriteHolds() {
        int left = writeHolds - 1;
        if (left > 0) {
            writeHolds = left;
            return left;
        }
        releaseWrite();
        return 0;
    }

    /** Removes {@code n} read holds (the caller checked it has them). */
    public void releaseReads(int n) {
        for (;;) {
            long s = state;
            long next = s - n;
            if ((next & (READ_MASK | WRITE_HELD)) == 0 && (next & QUEUED) != 0) {
                releaseSlow(n, false, false);
                return;
            }
            if (STATE.weakCompareAndSet(this, s, next)) {
                return;
            }
        }
    }

    /** Releases the write lock entirely (all write holds); the caller checked it owns it. */
    public void releaseWrite() {
        if (TimingSwitch.on()) {
            endWriteHold();
        }
        writeHolds = 0;
        writeOwner = null;
        for (;;) {
            long s = state;
            if ((s & QUEUED) != 0) {
                releaseSlow(0, true, false);
                return;
            }
            if (STATE.weakCompareAndSet(this, s, s & ~WRITE_HELD)) {
                return;
            }
        }
    }

    /**
     * Atomically turns the single write hold of the owner into one more read hold; waiting
     * readers are admitted as the policy allows. The caller checked ownership and holds == 1.
     */
    public void downgrade() {
        if (TimingSwitch.on()) {
            endWriteHold();
        }
        writeHolds = 0;
        writeOwner = null;
        for (;;) {
            long s = state;
            if ((s & QUEUED) != 0) {
                releaseSlow(0, true, true);
                return;
            }
            if ((s & READ_MASK) >= MAX_READS) {
                throw new Error("Maximum lock count exceeded");
            }
            if (STATE.weakCompareAndSet(this, s, (s & ~WRITE_HELD) + 1)) {
                return;
            }
        }
    }

    private void releaseSlow(int reads, boolean write, boolean downgrade) {
        Waiter woken;
        queueLock.lock();
        try {
            for (;;) {
                long s = state;
                long next = s - reads;
                if (write) {
                    next &= ~WRITE_HELD;
                }
                if (downgrade) {
                    next += 1;
                }
                if (STATE.compareAndSet(this, s, next)) {
                    break;
                }
            }
            woken = admitLocked(write);
        } finally {
            queueLock.unlock();
        }
        wakeAll(woken);
    }

    // ------------------------------------------------------------------ hold timing (JFR LongHold)

    /** The write lock was just acquired (by its owner or for it, before GRANTED): time the hold. */
    private void beginWriteHold() {
        writeHoldEvent = LockEvents.beginHold();
    }

    /** The write hold ends (the owner releases or downgrades; writeOwner still set). */
    private void endWriteHold() {
        Object event = writeHoldEvent;
        if (event != null) {
            writeHoldEvent = null;
            LockEvents.endHold(event, name, policy, true, !(writeOwner instanceof Thread));
        }
    }

    /** A thread's outermost read hold begins (holds timed only; the caller checked TimingSwitch.on()). */
    public void beginReadHold(ReaderRecord record) {
        record.holdEvent = LockEvents.beginHold();
    }

    /** A thread's outermost read hold ends (the caller checked TimingSwitch.on()). */
    public void endReadHold(ReaderRecord record) {
        Object event = record.holdEvent;
        if (event != null) {
            record.holdEvent = null;
            LockEvents.endHold(event, name, policy, false, false);
        }
    }

    // ------------------------------------------------------------------ queuing

    /**
     * Acquires for {@code node} at once if the policy admits it now, else links it into the
     * lock queue. Returns true when acquired at once (the node is then not queued).
     */
    public boolean acquireOrEnqueue(Waiter node) {
        queueLock.lock();
        try {
            return acquireOrLinkLocked(node);
        } finally {
            queueLock.unlock();
        }
    }

    private boolean acquireOrLinkLocked(Waiter node) {
        boolean write = node.isWrite();
        for (;;) {
            long s = state;
            if (write) {
                if ((s & BIAS) != 0L) {
                    revokeBiasLocked();
                    continue;
                }
                if (s == 0) {
                    if (STATE.compareAndSet(this, 0L, WRITE_HELD + node.readHolds)) {
                        writeOwner = node.owner;
                        writeHolds = node.writeHolds;
                        if (TimingSwitch.on()) {
                            beginWriteHold();
                        }
                        node.status = Waiter.GRANTED;
                        return true;
                    }
                    continue;
                }
                if (STATE.compareAndSet(this, s, s | WRITER_QUEUED)) {
                    link(writers, node);
                    return false;
                }
            } else {
                if ((s & readerBlockMask) == 0) {
                    if ((s & READ_MASK) + node.readHolds > MAX_READS) {
                        throw new Error("Maximum lock count exceeded");
                    }
                    if (STATE.compareAndSet(this, s, s + node.readHolds)) {
                        node.status = Waiter.GRANTED;
                        return true;
                    }
                    continue;
                }
                if (STATE.compareAndSet(this, s, s | READER_QUEUED)) {
                    link(readers, node);
                    return false;
                }
            }
        }
    }

    private void link(WaitQueue queue, Waiter node) {
        node.ticket = nextTicket++;
        node.status = Waiter.WAITING;
        queue.append(node);
        queueLength = readers.size + writers.size;
    }

    /**
     * Gives up a queued request. Returns true if the node was still waiting (it is unlinked, and
     * whoever it was blocking is admitted); false if it had been granted already, in which case
     * the caller holds the lock and must keep or release it.
     */
    @Override
    public boolean cancel(Waiter node) {
        Waiter woken;
        queueLock.lock();
        try {
            if (node.status == Waiter.CANCELLED) {
                return true; // withdrawn by an admission pass already (abandoned): nothing was granted
            }
            if (node.status != Waiter.WAITING) {
                return false;
            }
            unlinkLocked(node);
            node.status = Waiter.CANCELLED;
            woken = admitLocked(false);
        } finally {
            queueLock.unlock();
        }
        wakeAll(woken);
        return true;
    }

    /** Releases the holds granted to {@code node}: its read holds, then its write lock. */
    @Override
    public void giveBack(Waiter node) {
        if (node.readHolds > 0) {
            releaseReads(node.readHolds);
        }
        if (node.writeHolds > 0) {
            releaseWrite();
        }
    }

    private void unlinkLocked(Waiter node) {
        WaitQueue queue = node.isWrite() ? writers : readers;
        queue.remove(node);
        queueLength = readers.size + writers.size;
        if (queue.isEmpty()) {
            long bit = node.isWrite() ? WRITER_QUEUED : READER_QUEUED;
            for (;;) {
                long s = state;
                if (STATE.compareAndSet(this, s, s & ~bit)) {
                    return;
                }
            }
        }
    }

    /** Unlinks a node whose requester is gone (see Waiter.isAbandoned); its handler finds it CANCELLED. */
    private void withdrawAbandonedLocked(Waiter node) {
        unlinkLocked(node);
        node.status = Waiter.CANCELLED;
    }

    /** Grants whom the policy admits now; returns the chain of granted nodes to wake. */
    private Waiter admitLocked(boolean afterWrite) {
        for (;;) {
            long s = state;
            int decision = admission.decide(s, readers.head, writers.head, afterWrite);
            if (decision == Admission.NONE) {
                return null;
            }
            if (decision == Admission.WRITER) {
                if ((s & BIAS) != 0L) {
                    revokeBiasLocked();
                    continue;
                }
                Waiter node = writers.head;
                if (node.isAbandoned()) {
                    withdrawAbandonedLocked(node);
                    continue;
                }
                long next = (s | WRITE_HELD) + node.readHolds;
                if (writers.size == 1) {
                    next &= ~WRITER_QUEUED;
                }
                if (!STATE.compareAndSet(this, s, next)) {
                    continue;
                }
                writers.remove(node);
                queueLength = readers.size + writers.size;
                writeOwner = node.owner;
                writeHolds = node.writeHolds;
                if (TimingSwitch.on()) {
                    beginWriteHold();
                }
                node.wakeNext = null;
                node.status = Waiter.GRANTED;
                return node;
            }
            // Readers: the head alone (EXCLUSIVE) or every queued reader (one phase), as many
            // as fit below the hold limit.
            long available = MAX_READS - (s & READ_MASK);
            long holds = 0;
            int count = 0;
            Waiter abandoned = null;
            for (Waiter n = readers.head; n != null; n = n.next) {
                if (n.isAbandoned()) {
                    abandoned = n;
                    break;
                }
                if (holds + n.readHolds > available) {
                    break;
                }
                holds += n.readHolds;
                count++;
                if (decision == Admission.ONE_READER) {
                    break;
                }
            }
            if (abandoned != null) {
                withdrawAbandonedLocked(abandoned);
                continue; // decide again without it
            }
            if (count == 0) {
                return null;
            }
            long next = s + holds;
            if (count == readers.size) {
                next &= ~READER_QUEUED;
            }
            if (!STATE.compareAndSet(this, s, next)) {
                continue;
            }
            Waiter chain = null;
            for (int i = 0; i < count; i++) {
                Waiter node = readers.head;
                readers.remove(node);
                node.wakeNext = chain;
                node.status = Waiter.GRANTED;
                chain = node;
            }
            queueLength = readers.size + writers.size;
            return chain;
        }
    }

    private static void wakeAll(Waiter chain) {
        Waiter.wakeAll(chain);
    }

    // ------------------------------------------------------------------ conditions

    /** Links {@code node} into a condition queue (the caller still holds the lock). */
    public void conditionEnqueue(WaitQueue condition, Waiter node) {
        queueLock.lock();
        try {
            node.status = Waiter.CONDITION;
            condition.append(node);
        } finally {
            queueLock.unlock();
        }
    }

    /**
     * Signals up to {@code n} condition waiters in FIFO order: each is moved to the lock queue
     * (or granted at once if the policy admits it). Returns how many were signalled.
     */
    public int signal(WaitQueue condition, int n) {
        if (n <= 0) {
            return 0;
        }
        Waiter woken = null;
        int signalled = 0;
        queueLock.lock();
        try {
            while (signalled < n && condition.head != null) {
                Waiter node = condition.head;
                condition.remove(node);
                signalled++;
                if (acquireOrLinkLocked(node)) {
                    node.wakeNext = woken;
                    woken = node;
                }
            }
        } finally {
            queueLock.unlock();
        }
        wakeAll(woken);
        return signalled;
    }

    /**
     * Withdraws a condition waiter that was not signalled (timeout, interrupt, cancellation).
     * Returns true if it was still waiting on the condition (it is unlinked and now holds no
     * claim: the caller must re-acquire); false if a signal already moved it to the lock queue.
     */
    public boolean conditionCancel(WaitQueue condition, Waiter node) {
        queueLock.lock();
        try {
            if (node.status != Waiter.CONDITION) {
                return false;
            }
            condition.remove(node);
            node.status = Waiter.CANCELLED;
            return true;
        } finally {
            queueLock.unlock();
        }
    }

    /** Waiters on a condition queue (read under the queue lock). */
    public int conditionLength(WaitQueue condition) {
        queueLock.lock();
        try {
            return condition.size;
        } finally {
            queueLock.unlock();
        }
    }

    @Override
    public String toString() {
        long s = state;
        Object owner = writeOwner;
        StringBuilder sb = new StringBuilder().append(name).append(": ").append(policy);
        if (reentrantWriter) {
            sb.append(", reentrant writer");
        }
        if ((s & WRITE_HELD) != 0) {
            sb.append(", write locked by ").append(describe(owner));
        } else {
            sb.append(", unlocked for writing");
        }
        return sb.append(", read holds = ").append(readHolds())
                .append(", queued = ").append(queueLength).toString();
    }

    private static String describe(Object owner) {
        if (owner instanceof Thread t) {
            return "thread " + t.getName();
        }
        return String.valueOf(owner);
    }
}
