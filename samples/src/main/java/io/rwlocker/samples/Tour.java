package io.rwlocker.samples;

/**
 * The README's first command runs this: every sample once, then the seed's I/O scenario table.
 *
 * <pre>mvn -q -pl samples -am compile exec:java</pre>
 *
 * <p>Each sample prints what it shows and checks its own result: it throws if the check fails,
 * so the tour exits 0 only if every sample got the result it claims. The samples cover every
 * example of the seed documents (the README's "The samples" section maps each example to its
 * sample), then what only this library has. Each sample also has its own {@code main}:
 * {@code -Dexec.mainClass=io.rwlocker.samples.JobQueue}.
 */
public final class Tour {
    private Tour() {
    }

    public static void main(String[] args) throws Exception {
        long began = System.nanoTime();

        part("Quick start (the README's first code)");
        section("Java: a map behind an RWLock, a timed read, an atomic downgrade (QuickStart)");
        QuickStart.run();
        section("Kotlin: a session table behind a ReadWriteMutex (QuickStartCoroutines)");
        QuickStartCoroutines.run();

        part("rwlocker 3.2: its seven examples, in its order");
        section("Example 1 - In-memory cache, read-heavy: readers share the lock (ReadHeavyCache)");
        ReadHeavyCache.run();
        section("Example 2 - Atomic downgrade: publish what you wrote, no writer in between (ConfigDowngrade)");
        ConfigDowngrade.run();
        section("Example 3 - Token refresh in coroutines: a double-checked write { } (TokenRefresh)");
        TokenRefresh.run();
        section("Example 4 - Telemetry in coroutines: phase-fair, nobody starves (Telemetry)");
        Telemetry.run();
        section("Example 5 - Event-driven cache refresh: requests wait on a condition as readers (ConfigRefresh)");
        ConfigRefresh.run();
        section("Example 6 - Job queue: signal(n) wakes exactly n workers (JobQueue)");
        JobQueue.run();
        section("Example 7 - Drop-in: an RWLock where a plain Lock or a ReadWriteLock is expected (DropInLock)");
        DropInLock.run();

        part("strictflow 0.1.0: its quick start");
        section("Priority dispatcher: P1 writes alone and first, P2 reads together (LiveConfig)");
        LiveConfig.run();
        section("The same from Java threads, with CompletableFuture (LiveConfigFromJava)");
        LiveConfigFromJava.run();

        part("ironfence 0.1.0: its Mutex and RWLock examples");
        section("Mutex: a dict reachable only under its lock, readers get copies (GuardedDict)");
        GuardedDict.run();
        section("The same in coroutines with GuardedMutex (GuardedDictCoroutines)");
        GuardedDictCoroutines.run();
        section("RWLock: a list, concurrent readers and a waiting writer (GuardedList)");
        GuardedList.run();
        section("One guarded list for coroutines and a thread: asGuardedMutex() (GuardedListCoroutines)");
        GuardedListCoroutines.run();

        part("fifolock: its three recipes (mutex, read/write, semaphore) and one of our own");
        section("FIFO lock with your own modes, from threads (FifoRecipes)");
        FifoRecipes.run();
        section("The same recipes in coroutines with withMode { } (FifoCoroutines)");
        FifoCoroutines.run();

        part("fleche: its two storage mixins (SerializingMixin, PerKeyLockMixin)");
        section("One global lock vs KeyedLocks around a slow store (PerKeyStore)");
        PerKeyStore.run();
        section("Coroutines: per-key transfers that cannot deadlock (KeyedTransfers)");
        KeyedTransfers.run();

        part("Only here");
        section("A condition under the READ lock, with threads (CacheRefresh)");
        CacheRefresh.run();
        section("One lock for threads and coroutines (ThreadsAndCoroutines)");
        ThreadsAndCoroutines.run();
        section("Java on a lock that coroutines also use: asReadWriteMutex() from Java (JavaWithCoroutines)");
        JavaWithCoroutines.run();
        section("Memoizing cache: check as a reader, compute as the writer, downgrade (MemoCache)");
        MemoCache.run();
        section("Box office in coroutines: never sell a ticket twice (Tickets)");
        Tickets.run();
        section("Seeing inside a named lock: who waits, who reads, what JFR recorded (ContentionRecording)");
        ContentionRecording.run();
        section("Coroutines: a named mutex's monitoring snapshot (CoroutineMonitoring)");
        CoroutineMonitoring.run();

        part("Migration, before and after");
        section("From ReentrantReadWriteLock, StampedLock, kotlinx Mutex, kotlin.concurrent");
        FromReentrantReadWriteLock.run();
        FromStampedLock.run();
        FromMutex.run();
        FromKotlinConcurrent.run();

        part("The rwlocker seed's I/O scenarios, measured now");
        section("Speedup over an exclusive lock, per policy, beside the ideal (SeedScenarios)");
        SeedScenarios.run();

        System.out.println();
        System.out.printf("Tour done: %d sections, every sample checked its own result (%.1f s).%n",
                sections, (System.nanoTime() - began) / 1e9);
    }

    private static int sections;

    private static void part(String title) {
        System.out.println();
        System.out.println("== " + title + " ==");
    }

    private static void section(String title) {
        System.out.println();
        System.out.println(++sections + ". " + title);
    }
}
