package io.rwlocker.internal;

/*
 * Implementation notes
 *
 * The engine's state word, with the write owner and its hold count (the fields every write
 * acquisition and release writes), on a cache line of their own. Every contended acquire and
 * release CASes `state`; the engine's read-only fields (policy, masks, queues, the reader
 * registry) are read on the same paths. Were they on the state word's line, each CAS or owner
 * store by one core would invalidate them for the other, and a reader would pay a second cache
 * miss before its own CAS. The superclass chain pads at least 60 bytes before and 64 after the
 * hot fields (the JVM lays out superclass fields first), the same trick as ReaderRecord's;
 * ReaderLayoutSpec checks the offsets.
 */

/** Padding before the state word. Internal API. */
abstract class LockEnginePadBefore {
    /** Fills the gap after a compressed header (see ReaderRecordPadding.pad0i). */
    int p0i;
    long p00;
    long p01;
    long p02;
    long p03;
    long p04;
    long p05;
    long p06;
}

/** The state word (see LockEngine's notes for its encoding). */
abstract class LockEngineWord extends LockEnginePadBefore {
    volatile long state;
    /**
     * The write owner. Plain: it is written only by the owner itself (after its acquiring CAS,
     * before its releasing CAS) or by a granter before the node's volatile GRANTED; a thread
     * comparing it with itself therefore always sees its own latest write.
     */
    Object writeOwner;
    /** Write holds of {@link #writeOwner}; written by the owner or by the granter before GRANTED. */
    int writeHolds;
}

/** Padding after the state word; LockEngine's own fields follow. Internal API. */
abstract class LockEngineState extends LockEngineWord {
    long p10;
    long p11;
    long p12;
    long p13;
    long p14;
    long p15;
    long p16;
    long p17;
}
