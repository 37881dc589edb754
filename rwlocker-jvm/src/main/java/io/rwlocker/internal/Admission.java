package io.rwlocker.internal;

import io.rwlocker.Policy;

/*
 * Implementation notes
 *
 * The policies of DESIGN.md 4.1 as two small rules over the engine's state word:
 *
 *  - readerBlockMask(): the state bits that stop a newcomer reader (one that holds nothing).
 *    A newcomer writer always needs the whole word to be 0: nobody holds and nobody queued.
 *  - decide(): whom to admit from the queues now (called under the queue lock on a last
 *    release, a downgrade, a cancellation and a condition transfer).
 *
 * Writers are always granted one at a time from the head of the writer queue (arrival order);
 * "readers" means every queued reader at once (one reader phase), except under EXCLUSIVE,
 * where it means the head reader alone, chosen against the head writer by arrival ticket.
 */

/** The admission rules of one {@link Policy}. Internal API. */
final class Admission {
    static final int NONE = 0;
    static final int WRITER = 1;
    static final int ALL_READERS = 2;
    static final int ONE_READER = 3;

    private final Policy policy;
    final long readerBlockMask;

    Admission(Policy policy) {
        this.policy = policy;
        this.readerBlockMask = switch (policy) {
            case WRITER_PREFERRING, FAIR -> LockEngine.WRITE_HELD | LockEngine.QUEUED;
            case READER_PREFERRING -> LockEngine.WRITE_HELD;
            case EXCLUSIVE -> -1L;
        };
    }

    /**
     * Whom to admit now.
     *
     * @param state      the current state word
     * @param reader     the head of the reader queue, or null
     * @param writer     the head of the writer queue, or null
     * @param afterWrite whether a write phase just ended (write release or downgrade)
     */
    int decide(long state, Waiter reader, Waiter writer, boolean afterWrite) {
        if ((state & LockEngine.WRITE_HELD) != 0 || (reader == null && writer == null)) {
            return NONE;
        }
        boolean free = (state & LockEngine.READ_MASK) == 0;
        switch (policy) {
            case WRITER_PREFERRING:
                if (writer != null) {
                    return free ? WRITER : NONE;
                }
                return ALL_READERS;
            case READER_PREFERRING:
                if (reader != null) {
                    return ALL_READERS;
                }
                return free ? WRITER : NONE;
            case FAIR:
                if (reader != null && (afterWrite || writer == null)) {
                    return ALL_READERS;
                }
                return free && writer != null ? WRITER : NONE;
            case EXCLUSIVE:
            default:
                if (!free) {
                    return NONE;
                }
                if (writer == null) {
                    return ONE_READER;
                }
                if (reader == null) {
                    return WRITER;
                }
                return reader.ticket < writer.ticket ? ONE_READER : WRITER;
        }
    }
}
