package io.rwlocker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Uses every name of the {@code Guarded} contract (DESIGN.md 4.4) from Java with the declared
 * types, so that a rename, a changed parameter or return type, a lost wildcard or a new checked
 * exception breaks the compilation of this file. Each use is also checked at run time.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class GuardedContractCompileTest {

    @Test
    void factoriesAndLock() {
        Guarded<List<String>> byDefault = Guarded.of(new ArrayList<>());
        RWLock lock = byDefault.lock();
        assertEquals(Policy.WRITER_PREFERRING, lock.policy());

        RWLock fair = RWLock.fair();
        Guarded<String> withLock = Guarded.of("v", fair);
        assertSame(fair, withLock.lock());

        Guarded<String> nothing = Guarded.of(null);
        assertNull(nothing.read(Function.identity()));
    }

    @Test
    void readWriteUpdateSetWithTheDeclaredFunctionTypes() {
        Guarded<List<String>> names = Guarded.of(new ArrayList<>());

        Function<Object, Boolean> addToAny = any -> GuardedContractCompileTest.<List<String>>cast(any).add("ada"); // ? super T
        Boolean added = names.write(addToAny);
        assertEquals(Boolean.TRUE, added);

        Function<List<String>, ArrayList<String>> copy = ArrayList::new;
        List<String> seen = names.<List<String>>read(copy);                                 // ? extends R
        assertEquals(List.of("ada"), seen);

        UnaryOperator<List<String>> replace = old -> new ArrayList<>(List.of("grace"));
        List<String> next = names.update(replace);
        assertEquals(List.of("grace"), next);

        names.set(new ArrayList<>());
        int size = names.read(List::size);
        assertEquals(0, size);
    }

    @SuppressWarnings("unchecked")
    private static <T> T cast(Object value) {
        return (T) value;
    }
}
