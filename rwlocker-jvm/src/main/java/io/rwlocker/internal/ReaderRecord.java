package io.rwlocker.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.WeakReference;

/*
 * Implementation notes
 *
 * One thread's read holds of one lock (blocking face only: coroutines move between threads and
 * count their holds in the engine's state word). Created on the thread's first read of the lock,
 * registered once in the lock's VisibleReaders registry, and dropped from it (pruned) once its
 * thread has terminated holding nothing. The record names its thread only weakly (`threadRef`)
 * and by id (`threadId`), and links to nothing: neither the lock nor a stale ThreadLocal entry of
 * a live thread keeps a dead thread, or other threads' records, reachable through it.
 *
 * Fields owned by the thread (plain, only it writes them):
 *   holds    every read hold of this thread (ownership, getHoldCount). Only the outermost hold
 *            is shared state; nested holds are purely local, so recursion costs no atomic.
 *   central  how many of this thread's holds are counted in the engine's state word
 *            (a read taken on the central path, a downgrade, a condition re-acquire).
 * Field shared with revokers:
 *   visible  VISIBLE_NONE, VISIBLE_HELD (the outermost hold is published here, not in the state
 *            word: the BRAVO-style biased path) or VISIBLE_MIGRATED (a revoking writer moved that
 *            hold into the state word; the thread releases it there). Transitions:
 *              owner:   NONE -> HELD (volatile store), HELD -> NONE (CAS), MIGRATED -> NONE (store)
 *              revoker: HELD -> MIGRATED (CAS, under the engine's queue lock, after adding 1 to
 *                       the state word's read count)
 *            The CASes on HELD decide every race between a thread leaving and a revoker moving
 *            its hold: exactly one of them wins, so the central count is never off by one.
 *
 * Layout: the hot fields sit between two blocks of padding so that two reading threads never
 * share a cache line (the point of the biased path is that readers touch only their own line).
 * The fields other threads read (`threadId`, by VisibleReaders.current(); `threadRef`, by
 * pruning and introspection) sit after the trailing padding, so reading them does not touch the owner's hot line.
 * So does `holdEvent` (owner-only, used only while JFR times holds: LockEngine.beginReadHold).
 * The JVM fills any gap in a superclass with subclass fields, so every padding class leaves no
 * gap (see `pad0i`), and the hot block is a multiple of 8 bytes; ReaderLayoutSpec asserts the
 * offsets on each JDK the suite runs on.
 */

/** A thread's read holds of one lock; its visible-reader slot. Internal API. */
public final class ReaderRecord extends ReaderRecordFields {
    // Padding after the hot fields (the superclass pads before them): 64 bytes, so the fields
    // below never share a line with the hot ones, whatever the object's alignment.
    long pad10;
    long pad11;
    long pad12;
    long pad13;
    long pad14;
    long pad15;
    long pad16;
    long pad17;

    /** The owning thread's id (unique for the JVM's life): the first-reader cache's check. */
    final long threadId;
    /** The owning thread, weakly: pruning and introspection; never keeps a dead thread alive. */
    final WeakReference<Thread> threadRef;
    /**
     * The JFR LongHold event of the outermost read hold, while holds are timed; owner-only, and off
     * the hot line (written only while a recording times holds).
     */
    public Object holdEvent;

    @SuppressWarnings("deprecation") // Thread.getId(): threadId() is JDK 19+, this is --release 17
    ReaderRecord(Thread thread) {
        this.threadId = thread.getId();
        this.threadRef = new WeakReference<>(thread);
    }

    /** The owning thread, or null once it has been collected. */
    public Thread thread() {
        return threadRef.get();
    }

    /**
     * Whether the owning thread has terminated (or been collected) while this record holds nothing:
     * the record can then never be used again and may be dropped from the registry.
     */
    boolean isAbandoned() {
        Thread t = threadRef.get();
        // isAlive() == false synchronizes with the thread's last action (JLS 17.4.4), so its
        // plain owner-only fields read after it are final values.
        if (t != null && t.isAlive()) {
            return false;
        }
        return holds == 0 && central == 0 && visible == VISIBLE_NONE;
    }

    /** Every read hold of the owning thread. */
    public int holds() {
        return holds;
    }
}

/** Padding before the hot fields. */
abstract class ReaderRecordPadding {
    /**
     * Fills the 4-byte gap after a compressed object header: the JVM puts a subclass's int
     * fields into any gap of its superclasses, which would pull a hot field next to the header
     * (and the previous object). ReaderLayoutSpec checks the resulting offsets.
     */
    int pad0i;
    long pad00;
    long pad01;
    long pad02;
    long pad03;
    long pad04;
    long pad05;
    long pad06;
}

/** The hot fields of a {@link ReaderRecord}. */
abstract class ReaderRecordFields extends ReaderRecordPadding {
    static final int VISIBLE_NONE = 0;
    static final int VISIBLE_HELD = 1;
    static final int VISIBLE_MIGRATED = 2;

    static final VarHandle VISIBLE;

    static {
        try {
            VISIBLE = MethodHandles.lookup().findVarHandle(ReaderRecordFields.class, "visible", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    volatile int visible;
    /** Every read hold of the owning thread; owner-only. */
    public int holds;
    /** Holds of the owning thread counted in the engine's state word; owner-only. */
    public int central;
    /** Central-path reads since the last bias check; owner-only. */
    int centralReads;
}
