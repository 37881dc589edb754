package io.rwlocker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Uses every name of the {@code KeyedLocks} contract (DESIGN.md section 4.4) from Java with the
 * declared types: the static generic factories, {@code Guard} results, the checked
 * {@code InterruptedException} of the timed methods, and {@code Collection<? extends K>} (a
 * {@code List<String>} passed to a {@code KeyedLocks<CharSequence>}). A rename, a changed return
 * or parameter type or a new checked exception breaks the compilation of this file; each use is
 * also checked at run time.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class KeyedLocksContractTest {

    @Test
    void factories() {
        KeyedLocks<String> plain = KeyedLocks.create();
        assertEquals(Policy.WRITER_PREFERRING, plain.policy());
        assertFalse(plain.isReentrantWriter());
        KeyedLocks<Integer> fair = KeyedLocks.create(Policy.FAIR, true);
        assertEquals(Policy.FAIR, fair.policy());
        assertTrue(fair.isReentrantWriter());
        assertThrows(NullPointerException.class, () -> KeyedLocks.create(null, false));
    }

    @Test
    void singleKeyGuards() throws InterruptedException {
        KeyedLocks<String> locks = KeyedLocks.create();
        try (Guard g = locks.read("k")) {
            assertEquals(1, locks.size());
        }
        try (Guard g = locks.write("k")) {
            assertEquals(1, locks.size());
        }
        Guard read = locks.tryRead("k", Duration.ofSeconds(1));
        assertNotNull(read);
        read.close();
        Guard write = locks.tryWrite("k", Duration.ZERO);
        assertNotNull(write);
        write.close();
        write.close(); // exactly once: the second close does nothing
        assertEquals(0, locks.size());
    }

    @Test
    void timedAttemptReturnsNullOnTimeout() throws Exception {
        KeyedLocks<String> locks = KeyedLocks.create();
        try (Guard held = locks.write("k")) {
            Guard other = CompletableFuture.supplyAsync(() -> {
                try {
                    return locks.tryWrite("k", Duration.ofMillis(10));
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }).get(10, TimeUnit.SECONDS);
            assertNull(other);
            assertEquals(1, locks.size());
        }
        assertEquals(0, locks.size());
    }

    @Test
    void multiKeyGuardsTakeSubtypeCollections() {
        KeyedLocks<CharSequence> locks = KeyedLocks.create();
        List<String> keys = List.of("b", "a", "b");
        try (Guard g = locks.writeAll(keys)) {
            assertEquals(2, locks.size());
        }
        Collection<StringBuilder> none = Set.of();
        try (Guard g = locks.readAll(none)) {
            assertEquals(0, locks.size());
        }
        try (Guard g = locks.readAll(keys)) {
            assertEquals(2, locks.size());
        }
        assertEquals(0, locks.size());
    }
}
