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
        section("1. Read-heavy cache: RWLock policies vs an exclusive lock (ReadHeavyCache)");
        ReadHeavyCache.run();
        section("2. Atomic downgrade: publish what you wrote, no writer in between (ConfigDowngrade)");
        ConfigDowngrade.run();
        section("3. Job queue: wake exactly n workers with signal(n) (JobQueue)");
        JobQueue.run();
        section("4. Cache refresh: wait for a condition under the READ lock (CacheRefresh)");
        CacheRefresh.run();
        section("5. Coroutines: token refresh with a double-checked write { } (TokenRefresh)");
        TokenRefresh.run();
        section("6. Coroutines: phase-fair telemetry, nobody starves (Telemetry)");
        Telemetry.run();
        section("7. One lock for threads and coroutines (ThreadsAndCoroutines)");
        ThreadsAndCoroutines.run();
        section("8. Seeing inside a named lock: who waits, who reads, what JFR recorded (ContentionRecording)");
        ContentionRecording.run();
        section("9. Coroutines: a named mutex's monitoring snapshot (CoroutineMonitoring)");
        CoroutineMonitoring.run();
        System.out.println();
        System.out.println("Tour done.");
    }

    private static void section(String title) {
        System.out.println();
        System.out.println(title);
    }
}
