package io.rwlocker;

/**
 * Admission policy of an {@link RWLock} (and of the suspending {@code ReadWriteMutex}).
 *
 * <table>
 *   <caption>Admission rules</caption>
 *   <tr><th>Policy</th><th>A reader enters when</th><th>A writer enters when</th>
 *       <th>On the last release, who is admitted</th></tr>
 *   <tr><td>{@link #WRITER_PREFERRING}</td><td>no writer holds and none waits</td><td>nobody holds</td>
 *       <td>the oldest waiting writer; else all waiting readers</td></tr>
 *   <tr><td>{@link #READER_PREFERRING}</td><td>no writer holds</td><td>nobody holds and no reader waits</td>
 *       <td>all waiting readers; else the oldest writer</td></tr>
 *   <tr><td>{@link #FAIR}</td><td>no writer holds and none waits</td><td>nobody holds and nobody is queued</td>
 *       <td>after a write: all readers then waiting (one reader phase), else the oldest writer;
 *           after a reader phase: the oldest writer</td></tr>
 *   <tr><td>{@link #EXCLUSIVE}</td><td>nobody holds (read is exclusive too)</td><td>nobody holds</td>
 *       <td>the oldest waiter (FIFO)</td></tr>
 * </table>
 *
 * <p>Common to all policies: a thread that already holds a read may take another read even
 * while writers wait; writers are served in arrival order among themselves.
 *
 * <pre>{@code
 * RWLock lock = RWLock.builder().policy(Policy.FAIR).build();
 * }</pre>
 */
public enum Policy {
    /** Waiting writers block new readers: no writer starvation in read-heavy systems. */
    WRITER_PREFERRING,
    /** Readers enter whenever no writer holds: maximum read parallelism, writers may starve. */
    READER_PREFERRING,
    /** Phase-fair: reader and writer phases alternate, nobody starves, nobody overtakes a queued waiter. */
    FAIR,
    /** Reads are exclusive too: a plain FIFO mutex behind the read-write API. */
    EXCLUSIVE
}
