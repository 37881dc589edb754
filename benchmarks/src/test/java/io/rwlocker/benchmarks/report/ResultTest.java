package io.rwlocker.benchmarks.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Result#load} on real JMH output: {@code jmh-results.json} holds two entries of a
 * {@code benchmarks/run.sh --smoke} run, one with {@code -prof gc} (average time, a parameter, a
 * {@code gc.alloc.rate.norm}) and one single-shot seed scenario. JMH writes a missing error as the
 * string {@code "NaN"}.
 */
class ResultTest {
    @TempDir
    Path temp;

    private static Path fixture() throws URISyntaxException {
        return Path.of(ResultTest.class.getResource("jmh-results.json").toURI());
    }

    @Test
    void readsEveryFieldTheReportUses() throws Exception {
        List<Result> results = Result.load(fixture());
        assertEquals(2, results.size());

        Result read = results.get(0);
        assertEquals("CoroutineUncontendedBench", read.benchClass);
        assertEquals("oursRead", read.method);
        assertEquals(Map.of("policy", "WRITER_PREFERRING"), read.params);
        assertEquals("avgt", read.mode);
        assertEquals(1, read.threads);
        assertEquals(5562.616972972973, read.score);
        assertTrue(Double.isNaN(read.error), "scoreError \"NaN\" is NaN");
        assertEquals("ns/op", read.unit);
        assertEquals(78.6425945945946, read.allocNorm);
        assertEquals("17.0.15", read.jdkVersion);
        assertEquals("1.37", read.jmhVersion);
        assertEquals(5562.616972972973, read.nanosPerOp());

        Result seed = results.get(1);
        assertEquals("CoroutineSeedScenarioBench", seed.benchClass);
        assertEquals("mutex", seed.method);
        assertEquals(Map.of("scenario", "READ_HEAVY"), seed.params);
        assertEquals("ss", seed.mode);
        assertEquals("ms/op", seed.unit);
        assertNull(seed.allocNorm, "no -prof gc in this run");
        assertEquals(1649.024185e6, seed.nanosPerOp(), 1e-3);
    }

    @Test
    void rejectsWhatIsNotAJmhResultFile() throws IOException {
        Path notJson = Files.writeString(temp.resolve("broken.json"), "[{\"benchmark\": ");
        assertThrows(IOException.class, () -> Result.load(notJson));
        Path notArray = Files.writeString(temp.resolve("object.json"), "{\"benchmark\": \"a.B.c\"}");
        assertThrows(IOException.class, () -> Result.load(notArray));
        Path noPrimary = Files.writeString(temp.resolve("no-primary.json"), "[{\"benchmark\": \"a.B.c\"}]");
        assertThrows(IOException.class, () -> Result.load(noPrimary));
    }
}
