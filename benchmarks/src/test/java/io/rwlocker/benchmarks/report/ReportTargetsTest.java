package io.rwlocker.benchmarks.report;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The targets table of {@link Report} for the contended coroutine rows at 4, 16 and 64 coroutines:
 * a row per size, with the ratio computed from the results given (ours against
 * {@code mutexWithLock<n>} of the same size), and "NOT MEASURED" for a size without results.
 */
class ReportTargetsTest {
    @TempDir
    Path temp;

    private static String entry(String method, String policy, double nanos) {
        String params = policy == null ? "" : "\"params\": {\"policy\": \"" + policy + "\"},";
        return String.format(Locale.ROOT, "{\"jmhVersion\": \"1.37\", \"benchmark\": \"io.rwlocker.benchmarks.CoroutineContendedBench.%s\","
                + " \"mode\": \"avgt\", \"threads\": 1, \"forks\": 2, \"jvmArgs\": [], \"jdkVersion\": \"17\","
                + " \"measurementIterations\": 5, %s \"primaryMetric\": {\"score\": %f, \"scoreError\": 1.0,"
                + " \"scoreUnit\": \"ns/op\", \"rawData\": [[%f]]}, \"secondaryMetrics\": {}}", method, params, nanos, nanos);
    }

    @Test
    void everyContendedSizeHasItsOwnRowAgainstTheMutexOfThatSize() throws IOException {
        Path json = temp.resolve("results.json");
        Files.writeString(json, "[" + String.join(",",
                entry("oursWrite64", "WRITER_PREFERRING", 200.0),
                entry("viaRWLockWrite64", null, 100.0),
                entry("mutexWithLock64", null, 100.0),
                entry("oursWrite16", "WRITER_PREFERRING", 50.0),
                entry("viaRWLockWrite16", null, 150.0),
                entry("mutexWithLock16", null, 75.0)) + "]", StandardCharsets.UTF_8);
        Path out = temp.resolve("RESULTS.md");
        Report.main(new String[] {"--json", json.toString(), "--out", out.toString()});
        String report = Files.readString(out, StandardCharsets.UTF_8);

        String row64 = "| Coroutines contended write (64 coroutines) throughput >= 1.0x Mutex | ";
        assertContains(report, row64 + "WRITER_PREFERRING | 0.50x throughput | >= 1.00x | **NOT MET** |");
        assertContains(report, row64 + "RWLock.asReadWriteMutex() | 1.00x throughput | >= 1.00x | met |");
        String row16 = "| Coroutines contended write (16 coroutines) throughput >= 1.0x Mutex | ";
        assertContains(report, row16 + "WRITER_PREFERRING | 1.50x throughput | >= 1.00x | met |");
        assertContains(report, row16 + "RWLock.asReadWriteMutex() | 0.50x throughput | >= 1.00x | **NOT MET** |");
        assertContains(report, "| Coroutines contended write (4 coroutines) throughput >= 1.0x Mutex | RWLock.asReadWriteMutex() | - | >= 1.00x | NOT MEASURED |");
    }

    private static void assertContains(String report, String row) {
        assertTrue(report.contains(row), () -> "the report lacks the row\n" + row);
    }
}
