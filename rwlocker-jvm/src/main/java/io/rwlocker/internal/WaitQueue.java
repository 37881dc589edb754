package io.rwlocker.internal;

/*
 * Implementation notes
 *
 * A doubly linked FIFO of Waiter nodes with O(1) append, O(1) removal of any node and O(1)
 * head access. Not thread-safe: every call happens under the owning engine's queue lock.
 * Invariant: size == number of linked nodes; head.prev == null; tail.next == null; a node
 * not in any queue has prev == next == null.
 */

/** FIFO queue of waiter nodes with O(1) unlink; guarded by the engine's queue lock. Internal API. */
public final class WaitQueue {
    Waiter head;
    Waiter tail;
    int size;

    /** Appends {@code node} at the tail. */
    void append(Waiter node) {
        node.next = null;
        node.prev = tail;
        if (tail == null) {
            head = node;
        } else {
            tail.next = node;
        }
        tail = node;
        size++;
    }

    /** Unlinks {@code node}, which must be linked in this queue. */
    void remove(Waiter node) {
        Waiter before = node.prev;
        Waiter after = node.next;
        if (before == null) {
            head = after;
        } else {
            before.next = after;
        }
        if (after == null) {
            tail = before;
        } else {
            after.prev = before;
        }
        node.prev = null;
        node.next = null;
        size--;
    }

    /** The number of linked nodes. */
    public int size() {
        return size;
    }

    boolean isEmpty() {
        return head == null;
    }
}
