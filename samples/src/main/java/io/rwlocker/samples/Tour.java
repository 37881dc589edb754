package io.rwlocker.samples;

/**
 * The README's first command runs this: every sample once, in a few seconds.
 *
 * <pre>mvn -q -pl samples -am compile exec:java</pre>
 *
 * Each sample also has its own {@code main}: {@code -Dexec.mainClass=io.rwlocker.samples.JobQueue}.
 */
public final class Tour {
    private Tour() {
    }

    public static void main(String[] args) throws Exception {
        section("Read-heavy cache: RWLock policies vs an exclusive lock (ReadHeavyCache)");
        ReadHeavyCache.run();
        section("Atomic downgrade: publish what you wrote, no writer in between (ConfigDowngrade)");
        ConfigDowngrade.run();
        section("Job queue: wake exactly n workers with signal(n) (JobQueue)");
        JobQueue.run();
        section("Cache refresh: wait for a condition under the READ lock (CacheRefresh)");
        CacheRefresh.run();
        section("Coroutines: token refresh with a double-checked write { } (TokenRefresh)");
        TokenRefresh.run();
        section("Coroutines: phase-fair telemetry, nobody starves (Telemetry)");
        Telemetry.run();
        section("One lock for threads and coroutines (ThreadsAndCoroutines)");
        ThreadsAndCoroutines.run();
        section("Guarded value: a dict behind a mutex, readers get copies (GuardedDict)");
        GuardedDict.run();
        section("Guarded value: concurrent readers and a waiting writer (GuardedList)");
        GuardedList.run();
        section("Coroutines: the guarded dict with GuardedMutex (GuardedDictCoroutines)");
        GuardedDictCoroutines.run();
        section("One guarded list for coroutines and a thread: asGuardedMutex() (GuardedListCoroutines)");
        GuardedListCoroutines.run();
        section("Priority dispatcher: the strictflow quick start done right (LiveConfig)");
        LiveConfig.run();
        section("Priority dispatcher from Java threads, with CompletableFuture (LiveConfigFromJava)");
        LiveConfigFromJava.run();
        section("Java on a lock that coroutines also use: asReadWriteMutex() from Java (JavaWithCoroutines)");
        JavaWithCoroutines.run();
        section("Migration, before and after (FromReentrantReadWriteLock, FromStampedLock, FromMutex, FromKotlinConcurrent)");
        FromReentrantReadWriteLock.run();
        FromStampedLock.run();
        FromMutex.run();
        FromKotlinConcurrent.run();
        section("FIFO lock with your own modes: mutex, read/write, semaphore(3), maintenance (FifoRecipes)");
        FifoRecipes.run();
        section("The same recipes from coroutines with withMode { } (FifoCoroutines)");
        FifoCoroutines.run();
        section("Per-key locks: the fleche store, one global lock vs KeyedLocks (PerKeyStore)");
        PerKeyStore.run();
        section("Coroutines: per-key transfers that cannot deadlock (KeyedTransfers)");
        KeyedTransfers.run();
        section("Seeing inside a named lock: who waits, who reads, what JFR recorded (ContentionRecording)");
        ContentionRecording.run();
        section("Coroutines: a named mutex's monitoring snapshot (CoroutineMonitoring)");
        CoroutineMonitoring.run();
        System.out.println();
        System.out.println("Tour done.");
    }

    private static int sections;

    private static void section(String title) {
        System.out.println();
        System.out.println(++sections + ". " + title);
    }
}
