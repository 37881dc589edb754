package io.rwlocker.samples;

import io.rwlocker.Guard;
import io.rwlocker.KeyedLocks;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The fleche storage pattern: a key-value store whose backend handles different keys at once but
 * must not see two writers of one key. Wrapped first with one global lock around every operation
 * (fleche's {@code SerializingMixin}), then with {@link KeyedLocks} (its {@code PerKeyLockMixin},
 * done right): operations on different keys run in parallel, readers of a key share it, and the
 * multi-key {@code transfer(a, b)} cannot deadlock whatever the argument order, because
 * {@code writeAll} locks in one global order. Every backend access takes 1 ms (a disk or a
 * network round trip). Prints both times and the speedup; checks that no unit was lost and that
 * the table is empty afterwards.
 */
public final class PerKeyStore {
    private static final int ACCOUNTS = 8;
    private static final int ROUNDS = 5;
    private static final long OPENING_BALANCE = 100;

    private PerKeyStore() {
    }

    /** The storage operations the application calls. */
    interface Storage {
        long load(String key);

        void save(String key, long value);

        /** Adds {@code delta} to the value of {@code key}, atomically (read and write under one lock). */
        void add(String key, long delta);

        /** Moves {@code amount} from one key to another, atomically for both keys. */
        void transfer(String from, String to, long amount);
    }

    /** The backend: safe for different keys at once, slow (1 ms per access), no locking of its own. */
    static final class SlowBackend {
        private final ConcurrentHashMap<String, Long> data = new ConcurrentHashMap<>();

        long read(String key) {
            ReadHeavyCache.slowStoreAccess();
            return data.getOrDefault(key, 0L);
        }

        void write(String key, long value) {
            ReadHeavyCache.slowStoreAccess();
            data.put(key, value);
        }
    }

    /** fleche's SerializingMixin: one lock around every operation, whatever the key. */
    static final class GlobalLockStorage implements Storage {
        private final SlowBackend backend = new SlowBackend();
        private final ReentrantLock lock = new ReentrantLock();

        @Override
        public long load(String key) {
            lock.lock();
            try {
                return backend.read(key);
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void save(String key, long value) {
            lock.lock();
            try {
                backend.write(key, value);
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void add(String key, long delta) {
            lock.lock();
            try {
                backend.write(key, backend.read(key) + delta);
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void transfer(String from, String to, long amount) {
            lock.lock();
            try {
                backend.write(from, backend.read(from) - amount);
                backend.write(to, backend.read(to) + amount);
            } finally {
                lock.unlock();
            }
        }
    }

    /** Per-key locks: different keys in parallel, readers of one key together, no ABBA deadlock. */
    static final class KeyedStorage implements Storage {
        private final SlowBackend backend = new SlowBackend();
        final KeyedLocks<String> locks = KeyedLocks.create();   // or KeyedLocks.create(Policy.FAIR, true)

        @Override
        public long load(String key) {
            try (Guard g = locks.read(key)) {            // readers of one key share it
                return backend.read(key);
            }
        }

        @Override
        public void save(String key, long value) {
            try (Guard g = locks.write(key)) {           // one writer per key; other keys go on
                backend.write(key, value);
            }
        }

        @Override
        public void add(String key, long delta) {
            try (Guard g = locks.write(key)) {           // a read-modify-write of one key
                backend.write(key, backend.read(key) + delta);
            }
        }

        @Override
        public void transfer(String from, String to, long amount) {
            try (Guard g = locks.writeAll(List.of(from, to))) {   // any argument order: no deadlock
                backend.write(from, backend.read(from) - amount);
                backend.write(to, backend.read(to) + amount);
            }
        }
    }

    public static void main(String[] args) throws InterruptedException {
        run();
    }

    /** Runs the same workload on both storages, prints the times, and checks the books. */
    public static void run() throws InterruptedException {
        System.out.printf("  %d threads, %d rounds of load + deposit + transfers to and from a neighbour, 1 ms per access%n",
                ACCOUNTS, ROUNDS);
        long global = time(new GlobalLockStorage(), "one global lock");
        KeyedStorage keyed = new KeyedStorage();
        long perKey = time(keyed, "KeyedLocks");
        if (keyed.locks.size() != 0) {
            throw new IllegalStateException("entries left in the table: " + keyed.locks);
        }
        System.out.printf("  per-key locks: %.1fx faster, table empty afterwards (size() == 0)%n",
                (double) global / Math.max(perKey, 1));
    }

    private static long time(Storage storage, String name) throws InterruptedException {
        for (int i = 0; i < ACCOUNTS; i++) {
            storage.save(account(i), OPENING_BALANCE);
        }
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        for (int i = 0; i < ACCOUNTS; i++) {
            String mine = account(i);
            String neighbour = account((i + 1) % ACCOUNTS);
            workers.add(new Thread(() -> {
                ReadHeavyCache.awaitQuietly(start);
                for (int round = 0; round < ROUNDS; round++) {
                    storage.load(neighbour);                         // a read of another thread's key
                    storage.add(mine, 1);                            // a deposit to its own key
                    storage.transfer(mine, neighbour, 1);            // thread i+1 transfers back...
                    storage.transfer(neighbour, mine, 1);            // ...in the opposite order
                }
            }));
        }
        workers.forEach(Thread::start);
        long began = System.nanoTime();
        start.countDown();
        for (Thread t : workers) {
            t.join();
        }
        long ms = (System.nanoTime() - began) / 1_000_000;
        long total = 0;
        for (int i = 0; i < ACCOUNTS; i++) {
            total += storage.load(account(i));
        }
        if (total != ACCOUNTS * (OPENING_BALANCE + ROUNDS)) {
            throw new IllegalStateException(name + ": the books do not balance: " + total);
        }
        System.out.printf("  %-16s %5d ms%n", name, ms);
        return ms;
    }

    private static String account(int i) {
        return "account-" + i;
    }
}
