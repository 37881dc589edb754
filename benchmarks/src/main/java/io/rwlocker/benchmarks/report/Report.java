package io.rwlocker.benchmarks.report;

import io.rwlocker.benchmarks.Scenario;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Turns JMH JSON results ({@code -rf json}) into {@code RESULTS.md}: one table per benchmark with
 * our score, each anchor's score and the ratio, the targets with met / not met, the
 * seed scenarios' speedups next to the ideal schedule's, the machine, the JDK and the commands;
 * and draws the seed scenarios' chart ({@link SeedChart}). {@code benchmarks/run.sh} calls it:
 *
 * <pre>{@code
 * java -cp benchmarks/target/benchmarks.jar io.rwlocker.benchmarks.report.Report \
 *     --json benchmarks/target/results-gc.json --json benchmarks/target/results.json \
 *     --meta benchmarks/target/run-meta.tsv --java-version benchmarks/target/java-version.txt \
 *     --out benchmarks/RESULTS.md --png benchmarks/seed-speedups.png
 * }</pre>
 *
 * <p>{@code --meta} is a file of {@code key<TAB>value} lines written by run.sh (mode, date, the
 * commands, wall times, load averages). Every input is optional except one {@code --json}: what
 * is missing is reported as not measured.
 */
public final class Report {

    /** Our benchmark classes' simple names (for the "other classes" section). */
    static final Set<String> KNOWN_CLASSES = Set.of("UncontendedBench", "ReadMostlyBench", "SeedScenarioBench",
            "CoroutineUncontendedBench", "CoroutineContendedBench", "CoroutineConvoyBench", "CoroutineSeedScenarioBench", "GuardedBench",
            "PriorityDispatcherBench", "FifoLockBench", "ObservabilityBench");

    /** The priority dispatcher's ideal time for 1,000 reads of 1 ms, 64 at a time: 16 rounds (ms). */
    static final double PRIORITY_IDEAL_MILLIS = 16.0;
    /** One FifoLock guard per acquisition (12-byte header, three references, two ints: 32 B). */
    static final double FIFO_GUARD_BYTES = 32.5;

    /** The condition-broadcast benchmark (written elsewhere): reported when its results are present. */
    static final String CONDITION_BROADCAST = "ConditionBroadcastBench";

    /** Allocation below this (B/op) rounds to zero: JMH's own bookkeeping leaves a few thousandths. */
    static final double ZERO_ALLOCATION = 0.5;

    private final List<Result> results;
    private final Map<String, String> meta;
    private final String javaVersion;
    private final StringBuilder out = new StringBuilder();

    Report(List<Result> results, Map<String, String> meta, String javaVersion) {
        this.results = results;
        this.meta = meta;
        this.javaVersion = javaVersion;
    }

    /** Command line entry point; see the class comment for the options. */
    public static void main(String[] args) throws IOException {
        List<Path> jsons = new ArrayList<>();
        Path metaFile = null;
        Path javaVersionFile = null;
        Path outFile = Path.of("RESULTS.md");
        Path pngFile = null;
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--json": jsons.add(Path.of(required(args[i], value))); i++; break;
                case "--meta": metaFile = Path.of(required(args[i], value)); i++; break;
                case "--java-version": javaVersionFile = Path.of(required(args[i], value)); i++; break;
                case "--out": outFile = Path.of(required(args[i], value)); i++; break;
                case "--png": pngFile = Path.of(required(args[i], value)); i++; break;
                default: throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (jsons.isEmpty()) {
            throw new IllegalArgumentException("give at least one --json FILE");
        }
        List<Result> results = new ArrayList<>();
        for (Path json : jsons) {
            if (Files.exists(json)) {
                results.addAll(Result.load(json));
            } else {
                System.err.println("report: " + json + " is missing, skipped");
            }
        }
        Map<String, String> meta = new LinkedHashMap<>();
        if (metaFile != null && Files.exists(metaFile)) {
            for (String line : Files.readAllLines(metaFile, StandardCharsets.UTF_8)) {
                int tab = line.indexOf('\t');
                if (tab > 0) {
                    meta.merge(line.substring(0, tab), line.substring(tab + 1), (a, b) -> a + "\n" + b);
                }
            }
        }
        String javaVersion = javaVersionFile != null && Files.exists(javaVersionFile)
                ? Files.readString(javaVersionFile, StandardCharsets.UTF_8).trim()
                : null;
        Report report = new Report(results, meta, javaVersion);
        String pngName = null;
        if (pngFile != null) {
            boolean drawn = SeedChart.draw(results, pngFile, report.isSmoke());
            if (drawn) {
                Path dir = outFile.toAbsolutePath().getParent();
                pngName = dir.relativize(pngFile.toAbsolutePath()).toString();
                System.out.println("report: wrote " + pngFile);
            }
        }
        Path parent = outFile.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(outFile, report.render(pngName), StandardCharsets.UTF_8);
        System.out.println("report: wrote " + outFile + " (" + results.size() + " results)");
    }

    private static String required(String option, String value) {
        if (value == null) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return value;
    }

    boolean isSmoke() {
        return "smoke".equals(meta.get("mode"));
    }

    // ------------------------------------------------------------------ rendering

    String render(String pngName) {
        line("# rwlocker benchmarks: results");
        line();
        if (isSmoke()) {
            line("> **SMOKE RUN** (`run.sh --smoke`: one fork, one tiny iteration, usually on a busy machine).");
            line("> These numbers only show that every benchmark runs and the report is complete;");
            line("> they are **not measurements**. Run `benchmarks/run.sh` on a quiet machine for real figures.");
            line();
        }
        line("JMH benchmarks of this library beside what users would pick instead, all in the same run.");
        line("Scores are JMH's (average time per operation, or one whole scenario per shot for the seed");
        line("scenarios); **ratio = our time / anchor time, so below 1.00 ours is faster** (throughput");
        line("results are compared the same way, as time per operation). `x ± e` is JMH's 99.9% error");
        line("when there were enough iterations to compute one; `(N B)` is `gc.alloc.rate.norm`, the bytes");
        line("allocated per operation, from `-prof gc`.");
        line();
        renderRun();
        renderTargets();
        renderUncontended();
        renderReadMostly();
        renderCoroutines();
        renderGuarded();
        renderFifo();
        renderObservability();
        renderSeed("SeedScenarioBench", "Seed scenarios, threads (`Thread.sleep(1)` inside the lock)",
                "reentrantLock", "ReentrantLock (baseline)", pngName);
        renderSeed("CoroutineSeedScenarioBench", "Seed scenarios, coroutines (`delay(1)` inside the mutex)",
                "mutex", "kotlinx Mutex (baseline)", null);
        renderPriorityDispatcher();
        renderIdealFormula();
        renderLimits();
        renderOtherClasses();
        renderRaw();
        return out.toString();
    }

    private void renderRun() {
        line("## Run");
        line();
        line("| | |");
        line("|---|---|");
        row("Mode", meta.getOrDefault("mode", "?"));
        row("Date", meta.getOrDefault("date", "?"));
        row("Machine", machine());
        if (meta.containsKey("lscpu")) {
            row("lscpu", meta.get("lscpu"));
        }
        row("Load average (1, 5, 15 min) before / after", meta.getOrDefault("load_before", "?") + " / "
                + meta.getOrDefault("load_after", "?"));
        Result any = results.isEmpty() ? null : results.get(0);
        if (any != null) {
            row("JVM in the forks", any.vmName + " " + any.vmVersion + " (JDK " + any.jdkVersion + "), JMH "
                    + any.jmhVersion);
        }
        row("JMH time estimate (printed before the run)", meta.getOrDefault("estimate", "?"));
        row("Wall time: build / JMH / total", meta.getOrDefault("elapsed_build", "?") + " / "
                + meta.getOrDefault("elapsed_jmh", "?") + " / " + meta.getOrDefault("elapsed_total", "?"));
        line();
        if (javaVersion != null) {
            line("`java -version`:");
            line();
            line("```");
            line(javaVersion);
            line("```");
            line();
        }
        line("Commands (from the repository root; `benchmarks/run.sh"
                + (isSmoke() ? " --smoke" : "") + "` runs all of them):");
        line();
        line("```sh");
        for (String key : List.of("command_build", "command_jmh", "command_report")) {
            String value = meta.get(key);
            if (value != null) {
                line(value);
            }
        }
        line("```");
        line();
    }

    private String machine() {
        String nproc = meta.getOrDefault("nproc", String.valueOf(Runtime.getRuntime().availableProcessors()));
        String cpu = "?";
        String memory = "?";
        try {
            for (String l : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (l.startsWith("model name")) {
                    cpu = l.substring(l.indexOf(':') + 1).trim();
                    break;
                }
            }
            for (String l : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (l.startsWith("MemTotal:")) {
                    long kb = Long.parseLong(l.replaceAll("[^0-9]", ""));
                    memory = String.format(Locale.ROOT, "%.1f GiB", kb / 1024.0 / 1024.0);
                    break;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: leave "?"
        }
        return nproc + " CPUs (nproc), " + cpu + ", " + memory + " memory, "
                + System.getProperty("os.name") + " " + System.getProperty("os.version");
    }

    // ------------------------------------------------------------------ targets

    private void renderTargets() {
        line("## Targets (from the issue)");
        line();
        line("Each target is checked per policy where it applies. `NOT MEASURED` means the benchmark was");
        line("not part of this run (or failed).");
        line();
        line("| Target | Case | Measured | Limit | Status |");
        line("|---|---|---:|---:|---|");
        List<String> policies = List.of("WRITER_PREFERRING", "READER_PREFERRING", "FAIR", "EXCLUSIVE");

        for (String p : policies) {
            timeRatio("Uncontended read <= 0.8x RRWL read", p,
                    find("UncontendedBench", "oursRead", "policy", p), find("UncontendedBench", "rrwlRead"), 0.8);
        }
        for (String p : policies) {
            timeRatio("Uncontended read <= 1.0x StampedLock.readLock", p,
                    find("UncontendedBench", "oursRead", "policy", p), find("UncontendedBench", "stampedRead"), 1.0);
        }
        for (String p : policies) {
            timeRatio("Uncontended write <= 1.1x ReentrantLock", p,
                    find("UncontendedBench", "oursWrite", "policy", p), find("UncontendedBench", "reentrantLock"), 1.1);
        }
        for (String p : policies) {
            zeroAllocation("0 B/op, uncontended read", p, find("UncontendedBench", "oursRead", "policy", p));
            zeroAllocation("0 B/op, uncontended write", p, find("UncontendedBench", "oursWrite", "policy", p));
        }
        List<String> mixPolicies = policiesOf("ReadMostlyBench", "oursTwoThreads");
        for (String p : mixPolicies) {
            zeroAllocation("0 B/op, 2-thread read-only", p,
                    find("ReadMostlyBench", "oursTwoThreads", "policy", p, "writePercent", "0"));
        }
        for (String p : mixPolicies) {
            timeRatio("2-thread read-only per-op time <= 2x our 1-thread time", p,
                    find("ReadMostlyBench", "oursTwoThreads", "policy", p, "writePercent", "0"),
                    find("ReadMostlyBench", "oursOneThread", "policy", p, "writePercent", "0"), 2.0);
        }
        for (String p : mixPolicies) {
            throughputRatio("2-thread read-only throughput >= 2x StampedLock.readLock (2 threads)", p,
                    find("ReadMostlyBench", "oursTwoThreads", "policy", p, "writePercent", "0"),
                    find("ReadMostlyBench", "stampedTwoThreads", "writePercent", "0"), 2.0);
        }
        for (String mix : List.of("10", "50")) {
            String name = (100 - Integer.parseInt(mix)) + ":" + mix;
            for (String p : mixPolicies) {
                timeRatio("2 threads " + name + ": no slower than StampedLock", p,
                        find("ReadMostlyBench", "oursTwoThreads", "policy", p, "writePercent", mix),
                        find("ReadMostlyBench", "stampedTwoThreads", "writePercent", mix), 1.0);
            }
            for (String p : mixPolicies) {
                timeRatio("2 threads " + name + ": <= 0.7x RRWL", p,
                        find("ReadMostlyBench", "oursTwoThreads", "policy", p, "writePercent", mix),
                        find("ReadMostlyBench", "rrwlTwoThreads", "writePercent", mix), 0.7);
            }
        }
        for (String p : policiesOf("GuardedBench", "oursGuardedRead")) {
            timeRatio("Guarded read <= 1.1x the same work on a bare RWLock", p,
                    find("GuardedBench", "oursGuardedRead", "policy", p), find("GuardedBench", "bareRead", "policy", p), 1.1);
            timeRatio("Guarded write <= 1.1x the same work on a bare RWLock", p,
                    find("GuardedBench", "oursGuardedWrite", "policy", p), find("GuardedBench", "bareWrite", "policy", p), 1.1);
            zeroAllocation("0 B/op, Guarded read", p, find("GuardedBench", "oursGuardedRead", "policy", p));
            zeroAllocation("0 B/op, Guarded write", p, find("GuardedBench", "oursGuardedWrite", "policy", p));
        }
        for (String p : policiesOf("CoroutineUncontendedBench", "oursRead")) {
            timeRatio("Coroutines uncontended read { } <= 1.0x Mutex.withLock", p,
                    find("CoroutineUncontendedBench", "oursRead", "policy", p),
                    find("CoroutineUncontendedBench", "mutexWithLock"), 1.0);
        }
        for (String p : policiesOf("CoroutineUncontendedBench", "oursWrite")) {
            timeRatio("Coroutines uncontended write { } <= 1.0x Mutex.withLock", p,
                    find("CoroutineUncontendedBench", "oursWrite", "policy", p),
                    find("CoroutineUncontendedBench", "mutexWithLock"), 1.0);
        }
        for (String n : List.of("4", "16", "64")) {
            for (String p : policiesOf("CoroutineContendedBench", "oursWrite" + n)) {
                throughputRatio("Coroutines contended write (" + n + " coroutines) throughput >= 1.0x Mutex", p,
                        find("CoroutineContendedBench", "oursWrite" + n, "policy", p),
                        find("CoroutineContendedBench", "mutexWithLock" + n), 1.0);
            }
            throughputRatio("Coroutines contended write (" + n + " coroutines) throughput >= 1.0x Mutex",
                    "RWLock.asReadWriteMutex()", find("CoroutineContendedBench", "viaRWLockWrite" + n),
                    find("CoroutineContendedBench", "mutexWithLock" + n), 1.0);
        }
        seedTargets("SeedScenarioBench", "threads", "reentrantLock");
        seedTargets("CoroutineSeedScenarioBench", "coroutines", "mutex");
        priorityTargets();
        fifoTargets();
        timeRatio("KeyedLocks, 2 threads 90:10, <= 1.2x a never-cleaned ConcurrentHashMap<K, ReentrantReadWriteLock>",
                "1,000 keys", find("KeyedLocksBench", "ours", "keys", "1000"),
                find("KeyedLocksBench", "neverCleanedMap", "keys", "1000"), 1.2);
        zeroAllocation("0 B/op, KeyedLocks, 2 threads 90:10", "one hot key", find("KeyedLocksBench", "ours", "keys", "1"));
        for (String side : List.of("read", "write")) {
            String plain = side.equals("read") ? "oursRead" : "oursWrite";
            timeRatio("JFR events, no recording: uncontended " + side + " <= 1.03x the plain figure",
                    "WRITER_PREFERRING", find("ObservabilityBench", side, "recording", "none"),
                    find("UncontendedBench", plain, "policy", "WRITER_PREFERRING"), 1.03);
        }
        line();
    }

    private void priorityTargets() {
        String bench = "PriorityDispatcherBench";
        timeRatio("PriorityDispatcher per-task overhead <= 2x", "submitWrite { } vs launch { Mutex.withLock { } }",
                find(bench, "oursSubmitWrite"), find(bench, "mutexWithLock"), 2.0);
        timeRatio("PriorityDispatcher per-task overhead <= 2x", "submitRead { } vs launch { Semaphore(64).withPermit { } }",
                find(bench, "oursSubmitRead"), find(bench, "semaphoreWithPermit"), 2.0);
        timeRatio("PriorityDispatcher per-task overhead <= 2x", "launch { write { } } vs launch { Mutex.withLock { } }",
                find(bench, "oursWriteCalls"), find(bench, "mutexWithLock"), 2.0);
        timeRatio("PriorityDispatcher per-task overhead <= 2x", "launch { read { } } vs launch { Semaphore(64).withPermit { } }",
                find(bench, "oursReadCalls"), find(bench, "semaphoreWithPermit"), 2.0);
        String target = "PriorityDispatcher 1,000 reads of delay(1), readParallelism 64: <= 1.3x ideal 16 ms";
        Result reads = find(bench, "oursDelayReads");
        if (reads == null) {
            targetRow(target, "oursDelayReads", "-", "<= 1.30x", "NOT MEASURED");
        } else {
            double ratio = reads.nanosPerOp() / (PRIORITY_IDEAL_MILLIS * 1e6);
            targetRow(target, "oursDelayReads", String.format(Locale.ROOT, "%.1f ms = %.2fx", reads.nanosPerOp() / 1e6, ratio),
                    "<= 1.30x", status(ratio <= 1.3));
        }
    }

    private void fifoTargets() {
        timeRatio("FifoLock uncontended acquire(read) + close <= 2x RWLock.read()", "-",
                find("FifoLockBench", "fifoRead"), find("FifoLockBench", "rwlockRead"), 2.0);
        allocationAtMost("FifoLock: at most one small guard per acquisition", "uncontended acquire(read)",
                find("FifoLockBench", "fifoRead"), FIFO_GUARD_BYTES);
    }

    private void allocationAtMost(String target, String label, Result ours, double bytes) {
        String limit = String.format(Locale.ROOT, "<= %.0f B/op", Math.floor(bytes));
        if (ours == null || ours.allocNorm == null) {
            targetRow(target, label, "-", limit, ours == null ? "NOT MEASURED" : "NOT MEASURED (no -prof gc)");
            return;
        }
        targetRow(target, label, String.format(Locale.ROOT, "%.3f B/op", ours.allocNorm), limit,
                status(ours.allocNorm < bytes));
    }

    private void seedTargets(String benchClass, String kind, String baselineMethod) {
        for (Scenario scenario : Scenario.values()) {
            Result baseline = find(benchClass, baselineMethod, "scenario", scenario.name());
            for (String p : policiesOf(benchClass, "ours")) {
                String target = "Seed " + kind + ": speedup >= 90% of ideal";
                String label = scenario.name() + ", " + p;
                Result ours = find(benchClass, "ours", "scenario", scenario.name(), "policy", p);
                if ("EXCLUSIVE".equals(p)) {
                    String measured = ours != null && baseline != null
                            ? String.format(Locale.ROOT, "%.2fx", baseline.nanosPerOp() / ours.nanosPerOp()) : "-";
                    targetRow(target, label, measured, "n/a", "n/a (exclusive by design)");
                    continue;
                }
                if (ours == null || baseline == null) {
                    targetRow(target, label, "-", ">= 90%", "NOT MEASURED");
                    continue;
                }
                double speedup = baseline.nanosPerOp() / ours.nanosPerOp();
                double share = speedup / scenario.idealSpeedup();
                targetRow(target, label, String.format(Locale.ROOT, "%.2fx of ideal %.2fx = %.0f%%", speedup,
                        scenario.idealSpeedup(), share * 100), ">= 90%", status(share >= 0.9));
            }
        }
    }

    private void timeRatio(String target, String label, Result ours, Result anchor, double limit) {
        if (ours == null || anchor == null) {
            targetRow(target, label, "-", String.format(Locale.ROOT, "<= %.2fx", limit), "NOT MEASURED");
            return;
        }
        double ratio = ours.nanosPerOp() / anchor.nanosPerOp();
        targetRow(target, label, String.format(Locale.ROOT, "%.2fx time", ratio),
                String.format(Locale.ROOT, "<= %.2fx", limit), status(ratio <= limit));
    }

    private void throughputRatio(String target, String label, Result ours, Result anchor, double limit) {
        if (ours == null || anchor == null) {
            targetRow(target, label, "-", String.format(Locale.ROOT, ">= %.2fx", limit), "NOT MEASURED");
            return;
        }
        double ratio = anchor.nanosPerOp() / ours.nanosPerOp();
        targetRow(target, label, String.format(Locale.ROOT, "%.2fx throughput", ratio),
                String.format(Locale.ROOT, ">= %.2fx", limit), status(ratio >= limit));
    }

    private void zeroAllocation(String target, String label, Result ours) {
        if (ours == null || ours.allocNorm == null) {
            targetRow(target, label, "-", "0 B/op", ours == null ? "NOT MEASURED" : "NOT MEASURED (no -prof gc)");
            return;
        }
        targetRow(target, label, String.format(Locale.ROOT, "%.3f B/op", ours.allocNorm), "0 B/op",
                status(ours.allocNorm < ZERO_ALLOCATION));
    }

    private void targetRow(String target, String label, String measured, String limit, String status) {
        line("| " + target + " | " + label + " | " + measured + " | " + limit + " | " + status + " |");
    }

    private static String status(boolean met) {
        return met ? "met" : "**NOT MET**";
    }

    // ------------------------------------------------------------------ comparison tables

    /** A method shown in a comparison, with its label. */
    record Column(String method, String label) {
    }

    private void renderUncontended() {
        if (!hasClass("UncontendedBench")) {
            return;
        }
        line("## Uncontended lock + unlock, one thread (`UncontendedBench`)");
        line();
        line("Critical section: read or increment one field. Ratios are our time over the anchor's time.");
        line();
        List<Column> common = List.of(new Column("reentrantLock", "ReentrantLock"),
                new Column("synchronizedBlock", "synchronized"));
        comparison("Read side", "UncontendedBench", List.of(new Column("oursRead", "ours read")),
                concat(List.of(new Column("rrwlRead", "RRWL read"), new Column("rrwlFairRead", "RRWL fair read"),
                        new Column("stampedRead", "StampedLock.readLock")), common));
        comparison("Write side", "UncontendedBench", List.of(new Column("oursWrite", "ours write")),
                concat(List.of(new Column("rrwlWrite", "RRWL write"), new Column("rrwlFairWrite", "RRWL fair write"),
                        new Column("stampedWrite", "StampedLock.writeLock")), common));
    }

    private void renderReadMostly() {
        if (!hasClass("ReadMostlyBench")) {
            return;
        }
        line("## Read-only and read-mostly mixes, one lock (`ReadMostlyBench`)");
        line();
        line("`R:W` is the share of reads and writes; the critical section sums or increments a 4-slot");
        line("array. The score is the time of one operation of one thread: with two threads, perfect");
        line("scaling keeps it equal to the one-thread time. RRWL is nonfair; StampedLock uses");
        line("`readLock`/`writeLock`.");
        line();
        comparison("1 thread", "ReadMostlyBench", List.of(new Column("oursOneThread", "ours")),
                List.of(new Column("rrwlOneThread", "RRWL"), new Column("stampedOneThread", "StampedLock")));
        comparison("2 threads", "ReadMostlyBench", List.of(new Column("oursTwoThreads", "ours")),
                List.of(new Column("rrwlTwoThreads", "RRWL"), new Column("stampedTwoThreads", "StampedLock"),
                        new Column("oursOneThread", "ours, 1 thread")));
        comparison("4 threads (oversubscribed)", "ReadMostlyBench", List.of(new Column("oursFourThreads", "ours")),
                List.of(new Column("rrwlFourThreads", "RRWL"), new Column("stampedFourThreads", "StampedLock")));
        comparison("8 threads (oversubscribed)", "ReadMostlyBench", List.of(new Column("oursEightThreads", "ours")),
                List.of(new Column("rrwlEightThreads", "RRWL"), new Column("stampedEightThreads", "StampedLock")));
    }

    private void renderGuarded() {
        if (!hasClass("GuardedBench")) {
            return;
        }
        line("## Guarded values over a bare lock, uncontended (`GuardedBench`)");
        line();
        line("One thread. `Guarded.read`/`write`/`update` with a non-capturing lambda, against the same");
        line("work done by hand (`lock(); try { ... } finally { unlock(); }`) on a bare `RWLock` of the");
        line("same policy: the ratio is what the guard itself costs.");
        line();
        comparison("read", "GuardedBench", List.of(new Column("oursGuardedRead", "guarded.read")),
                List.of(new Column("bareRead", "bare read lock")));
        comparison("write", "GuardedBench", List.of(new Column("oursGuardedWrite", "guarded.write")),
                List.of(new Column("bareWrite", "bare write lock")));
        comparison("update", "GuardedBench", List.of(new Column("oursGuardedUpdate", "guarded.update")),
                List.of(new Column("bareUpdate", "bare write lock")));
    }

    private void renderCoroutines() {
        if (hasClass("CoroutineUncontendedBench")) {
            line("## Coroutines, uncontended (`CoroutineUncontendedBench`)");
            line();
            line("One coroutine, batches of 1,000 calls in one `runBlocking` (score per call). The");
            line("anchors are kotlinx.coroutines' `Mutex.withLock { }` and `Semaphore(1).withPermit { }`.");
            line("Every score includes 1/1000 of a `runBlocking` (a few ns, and the few hundred bytes it");
            line("allocates: about 0.4 B/op), the same for every lock.");
            line();
            List<Column> anchors = List.of(new Column("mutexWithLock", "Mutex.withLock"),
                    new Column("semaphoreWithPermit", "Semaphore.withPermit"));
            comparison("read { }", "CoroutineUncontendedBench", List.of(new Column("oursRead", "ours read { }")), anchors);
            comparison("write { }", "CoroutineUncontendedBench", List.of(new Column("oursWrite", "ours write { }")), anchors);
        }
        if (hasClass("CoroutineContendedBench")) {
            line("## Coroutines, contended write-only (`CoroutineContendedBench`)");
            line();
            line("N coroutines on `Dispatchers.Default`, 250 increments each under the lock; score per");
            line("increment (launching included). `via RWLock` is a blocking `RWLock` (WRITER_PREFERRING) used");
            line("through `asReadWriteMutex()`.");
            line();
            for (String n : List.of("4", "16")) {
                comparison(n + " coroutines", "CoroutineContendedBench",
                        List.of(new Column("oursWrite" + n, "ours write { }"),
                                new Column("viaRWLockWrite" + n, "via RWLock write { }")),
                        List.of(new Column("mutexWithLock" + n, "Mutex.withLock")));
            }
        }
        if (hasClass("CoroutineConvoyBench")) {
            line("## Coroutines, sustained contended writes (`CoroutineConvoyBench`)");
            line();
            line("64,000 increments per invocation, split among N coroutines on `Dispatchers.Default`; score");
            line("per increment. Each coroutine runs long enough for a FIFO hand-off convoy to form (both locks");
            line("hand the lock to the oldest waiter), so most increments suspend and are resumed: the score is");
            line("mostly the cost of one wait and one hand-off. Ours is WRITER_PREFERRING.");
            line();
            comparison("write { } against Mutex.withLock { }", "CoroutineConvoyBench",
                    List.of(new Column("ours", "ours write { }")), List.of(new Column("mutex", "Mutex.withLock")));
        }
    }

    private void renderPriorityDispatcher() {
        String bench = "PriorityDispatcherBench";
        if (!hasClass(bench)) {
            return;
        }
        line("## Priority dispatcher (`" + bench + "`)");
        line();
        line("1,000 tasks per invocation on `Dispatchers.Default`, started together, awaited together; score");
        line("per task. Every task is a coroutine in every case; `write { }`/`read { }` calls add a caller");
        line("coroutine per call. The read bound and the semaphore's permits are 64.");
        line();
        comparison("Empty write tasks", bench, List.of(new Column("oursSubmitWrite", "ours submitWrite { }"),
                new Column("oursWriteCalls", "ours launch { write { } }")),
                List.of(new Column("mutexWithLock", "launch { Mutex.withLock { } }")));
        comparison("Empty read tasks", bench, List.of(new Column("oursSubmitRead", "ours submitRead { }"),
                new Column("oursReadCalls", "ours launch { read { } }")),
                List.of(new Column("semaphoreWithPermit", "launch { Semaphore(64).withPermit { } }")));
        line(String.format(Locale.ROOT, "1,000 reads of `delay(1)`, 64 at a time: the ideal schedule is 16 rounds of 1 ms ="
                + " %.0f ms (the seed's single thread needs 1,000 ms); the target compares ours with it.", PRIORITY_IDEAL_MILLIS));
        line();
        comparison("1,000 reads of `delay(1)`, 64 at a time", bench, List.of(new Column("oursDelayReads", "ours submitRead { delay(1) }")),
                List.of(new Column("semaphoreDelayReads", "launch { Semaphore(64).withPermit { delay(1) } }")));
    }

    private void renderFifo() {
        if (!hasClass("FifoLockBench")) {
            return;
        }
        line("## FIFO lock with modes (`FifoLockBench`)");
        line();
        line("`FifoLock.acquire(mode)` + `close()` of its guard. Uncontended: one thread, against our own");
        line("`RWLock.read()` (writer-preferring) and `java.util.concurrent.Semaphore`. Mix: two threads on one");
        line("lock, each drawing read or write per operation, against `new ReentrantReadWriteLock(true)` (the");
        line("JDK's arrival-order option) and our phase-fair `RWLock.fair()`.");
        line();
        comparison("Uncontended", "FifoLockBench",
                List.of(new Column("fifoRead", "acquire(read)"), new Column("fifoWrite", "acquire(write)")),
                List.of(new Column("rwlockRead", "RWLock.read()"), new Column("semaphore", "Semaphore"),
                        new Column("fairSemaphore", "Semaphore (fair)")));
        comparison("2 threads, read/write mix", "FifoLockBench", List.of(new Column("fifoMix", "FifoLock")),
                List.of(new Column("rrwlFairMix", "RRWL fair"), new Column("rwlockFairMix", "RWLock.fair()")));
    }

    /**
     * One table: a row per result of each of our methods (per parameter combination), then our
     * score and, for each anchor, its score (same parameters, where it has them) and the ratio.
     */
    private void comparison(String title, String benchClass, List<Column> ours, List<Column> anchors) {
        List<Result> rows = new ArrayList<>();
        for (Column column : ours) {
            rows.addAll(sorted(select(r -> r.benchClass.equals(benchClass) && r.method.equals(column.method))));
        }
        if (rows.isEmpty()) {
            return;
        }
        line("### " + title);
        line();
        StringBuilder header = new StringBuilder("| Case | Ours |");
        StringBuilder rule = new StringBuilder("|---|---:|");
        for (Column anchor : anchors) {
            header.append(' ').append(anchor.label).append(" | ratio |");
            rule.append("---:|---:|");
        }
        line(header.toString());
        line(rule.toString());
        for (Result r : rows) {
            String label = ours.stream().filter(c -> c.method.equals(r.method)).findFirst().map(Column::label)
                    .orElse(r.method);
            StringBuilder row = new StringBuilder("| ").append(label).append(describe(r.params)).append(" | ")
                    .append(cell(r)).append(" |");
            for (Column anchor : anchors) {
                Result a = match(benchClass, anchor.method, r.params);
                if (a == null) {
                    row.append(" - | - |");
                } else {
                    row.append(' ').append(cell(a)).append(" | ")
                            .append(String.format(Locale.ROOT, "%.2f", r.nanosPerOp() / a.nanosPerOp())).append(" |");
                }
            }
            line(row.toString());
        }
        line();
        boolean throughput = rows.get(0).unit.startsWith("ops/");
        line("Unit: " + rows.get(0).unit + "; ratio = our time per operation / the anchor's"
                + (throughput ? " (throughputs inverted)" : "") + ", below 1.00 ours is faster.");
        line();
    }

    private void renderObservability() {
        if (!hasClass("ObservabilityBench")) {
            return;
        }
        line("## JFR events on the uncontended path (`ObservabilityBench`)");
        line();
        line("Lock + unlock of a WRITER_PREFERRING lock, one thread, with no recording (`none`), a recording");
        line("with the JDK's default settings and the library's events disabled (`eventsOff`), and the same");
        line("with ContendedAcquire and LongHold (10 ms) enabled (`eventsOn`: every hold is timed). \"plain\"");
        line("is `UncontendedBench` (same lock, same critical section) from the same run; RRWL runs under the");
        line("same recording.");
        line();
        line("| Case | Ours | plain | ratio | RRWL | ratio |");
        line("|---|---:|---:|---:|---:|---:|");
        for (String side : List.of("read", "write")) {
            Result plain = find("UncontendedBench", side.equals("read") ? "oursRead" : "oursWrite",
                    "policy", "WRITER_PREFERRING");
            for (String recording : List.of("none", "eventsOff", "eventsOn")) {
                Result ours = find("ObservabilityBench", side, "recording", recording);
                if (ours == null) {
                    continue;
                }
                Result rrwl = find("ObservabilityBench", side.equals("read") ? "rrwlRead" : "rrwlWrite",
                        "recording", recording);
                line("| " + side + ", " + recording + " | " + cell(ours) + " | "
                        + (plain == null ? "- | -" : cell(plain) + " | " + ratio(ours, plain)) + " | "
                        + (rrwl == null ? "- | -" : cell(rrwl) + " | " + ratio(ours, rrwl)) + " |");
            }
        }
        line();
        line("Unit: " + results.stream().filter(r -> r.benchClass.equals("ObservabilityBench")).findFirst()
                .map(r -> r.unit).orElse("?") + "; ratio = our time / the other's, below 1.00 ours is faster.");
        line();
    }

    private static String ratio(Result ours, Result other) {
        return String.format(Locale.ROOT, "%.2f", ours.nanosPerOp() / other.nanosPerOp());
    }

    // ------------------------------------------------------------------ seed scenarios

    private void renderSeed(String benchClass, String title, String baselineMethod, String baselineLabel,
                            String pngName) {
        if (!hasClass(benchClass)) {
            return;
        }
        line("## " + title + " (`" + benchClass + "`)");
        line();
        line("One shot = a whole scenario (workers created first, released together; 10 iterations each,");
        line("1 ms hold). Speedup = baseline time / lock time; \"% ideal\" = speedup / ideal speedup (see");
        line("the formula below; it does not apply to exclusive locks). Times are the mean of the measured");
        line("shots; the ideal schedule's time is the baseline's scaled by ideal / exclusive units.");
        line();
        StringBuilder header = new StringBuilder("| Lock |");
        StringBuilder rule = new StringBuilder("|---|");
        for (Scenario s : Scenario.values()) {
            String name = s.name() + " (" + s.readers + "R+" + s.writers + "W)";
            header.append(' ').append(name).append(" ms | speedup | % ideal |");
            rule.append("---:|---:|---:|");
        }
        line(header.toString());
        line(rule.toString());
        StringBuilder ideal = new StringBuilder("| *ideal schedule* |");
        for (Scenario s : Scenario.values()) {
            Result base = find(benchClass, baselineMethod, "scenario", s.name());
            String time = base == null ? "-" : format(base.score * s.idealUnits() / s.exclusiveUnits());
            ideal.append(' ').append(time).append(String.format(Locale.ROOT, " | %.2fx | 100%% |", s.idealSpeedup()));
        }
        line(ideal.toString());
        List<String[]> locks = new ArrayList<>();
        for (String p : policiesOf(benchClass, "ours")) {
            locks.add(new String[] {"ours", p, "ours " + p});
        }
        for (String method : methodsOf(benchClass)) {
            if (!method.equals("ours") && !method.equals(baselineMethod)) {
                locks.add(new String[] {method, null, label(method)});
            }
        }
        locks.add(new String[] {baselineMethod, null, baselineLabel});
        for (String[] lock : locks) {
            boolean exclusive = lock[0].equals(baselineMethod) || "EXCLUSIVE".equals(lock[1]);
            StringBuilder row = new StringBuilder("| " + lock[2] + " |");
            for (Scenario s : Scenario.values()) {
                Result r = lock[1] == null ? find(benchClass, lock[0], "scenario", s.name())
                        : find(benchClass, lock[0], "scenario", s.name(), "policy", lock[1]);
                Result base = find(benchClass, baselineMethod, "scenario", s.name());
                if (r == null) {
                    row.append(" - | - | - |");
                } else if (base == null) {
                    row.append(' ').append(cell(r)).append(" | - | - |");
                } else {
                    double speedup = base.nanosPerOp() / r.nanosPerOp();
                    row.append(' ').append(cell(r)).append(String.format(Locale.ROOT, " | %.2fx |", speedup))
                            .append(exclusive ? " n/a |"
                                    : String.format(Locale.ROOT, " %.0f%% |", 100 * speedup / s.idealSpeedup()));
                }
            }
            line(row.toString());
        }
        line();
        if (pngName != null) {
            line("![Seed scenarios: speedup per policy vs ideal](" + pngName + ")");
            line();
        }
    }

    private static String label(String method) {
        switch (method) {
            case "rrwl": return "ReentrantReadWriteLock (nonfair)";
            case "reentrantLock": return "ReentrantLock";
            case "mutex": return "kotlinx Mutex";
            default: return method;
        }
    }

    private void renderIdealFormula() {
        line("## The ideal schedule (seed scenarios)");
        line();
        line("R readers and W writers each take their side N = " + Scenario.ITERATIONS + " times in a row and");
        line("hold it one unit (1 ms). An exclusive lock runs every hold alone:");
        line();
        line("    exclusive = (R + W) x N units");
        line();
        line("The best a read-write lock can do: writes never overlap anything, so they take W x N units;");
        line("each reader needs N units of its own one after another, and all R readers can share the");
        line("same N units (a reader phase holds all of them). Nothing shorter is possible, and every");
        line("policy can reach it (writer-preferring: all writes then N reader phases; phase-fair:");
        line("reader phases alternate with writes). So");
        line();
        line("    ideal = W x N + N  (W x N if R = 0)      ideal speedup = exclusive / ideal = (R + W) / (W + 1)");
        line();
        line("| Scenario | R | W | exclusive (units) | ideal (units) | ideal speedup |");
        line("|---|---:|---:|---:|---:|---:|");
        for (Scenario s : Scenario.values()) {
            line(String.format(Locale.ROOT, "| %s | %d | %d | %d | %d | %.2fx |", s.name(), s.readers, s.writers,
                    s.exclusiveUnits(), s.idealUnits(), s.idealSpeedup()));
        }
        line();
        line("Both sides of the ratio pay the same per-hold overheads (sleep overshoot, wake-up); the ideal");
        line("ignores the cost of waking a whole reader phase at once, which on few cores is not small.");
        line();
    }

    private void renderLimits() {
        line("## What these runs can and cannot show");
        line();
        line("* **Two threads on a two-CPU machine** (`ReadMostlyBench` 2 threads): the benchmark threads");
        line("  take both CPUs, so JIT, GC and any other process steal from them. On a virtual machine");
        line("  the two vCPUs may be SMT siblings of one physical core (`lscpu` above cannot tell), which");
        line("  makes a shared-counter CAS (StampedLock, RRWL) cheap and hides what a scalable read path");
        line("  gains: the `>= 2x StampedLock` target needs real cores, ideally more than two.");
        line("* **Contended coroutines** run on `Dispatchers.Default`, which has as many threads as CPUs:");
        line("  16 coroutines on 2 threads contend between 2 threads; the rest is suspension and resumption.");
        line("* **Seed scenarios**: 102 platform threads on 2 CPUs. The ideal schedule assumes a reader phase");
        line("  costs one hold; waking 100 parked threads (or resuming 100 coroutines) on 2 CPUs costs a");
        line("  noticeable part of the 1 ms hold, so READ_HEAVY's 90%-of-ideal target is hard on this size");
        line("  of machine. The thread baseline, a nonfair `ReentrantLock`, lets a releasing worker barge and");
        line("  run its next hold at once (no wake-up), while a FIFO hand-off (FAIR, kotlinx `Mutex`) pays");
        line("  one wake-up per hold: exclusive-like cases (WRITE_HEAVY) can come out below 1.00x for the");
        line("  fair policy for that reason alone.");
        line("* **Smoke runs** (`--smoke`) measure cold code (no warmup, 200 ms): their numbers are");
        line("  meaningless; the quick default (1 warmup + 2 measured seconds, 1 fork) gives indications");
        line("  with wide error bars; `--full` is the setting to quote.");
        line();
    }

    private void renderOtherClasses() {
        Set<String> others = new LinkedHashSet<>();
        for (Result r : results) {
            if (!KNOWN_CLASSES.contains(r.benchClass)) {
                others.add(r.benchClass);
            }
        }
        // The condition-broadcast benchmark first, when present.
        List<String> order = new ArrayList<>(others);
        order.sort(Comparator.comparing((String c) -> !c.equals(CONDITION_BROADCAST)));
        for (String benchClass : order) {
            line("## " + (benchClass.equals(CONDITION_BROADCAST) ? "Condition broadcast" : benchClass)
                    + " (`" + benchClass + "`)");
            line();
            List<Column> ours = new ArrayList<>();
            List<Column> anchors = new ArrayList<>();
            for (String method : methodsOf(benchClass)) {
                String lower = method.toLowerCase(Locale.ROOT);
                (lower.startsWith("ours") || lower.contains("rwlock") || lower.contains("rwcondition")
                        ? ours : anchors).add(new Column(method, method));
            }
            if (ours.isEmpty() || anchors.isEmpty()) {
                line("(No our-vs-anchor split could be guessed from the method names: see the raw results.)");
                line();
            } else {
                line("Methods named `ours*` (or naming RWLock/RWCondition) against the others.");
                line();
                comparison("Results", benchClass, ours, anchors);
            }
        }
    }

    private void renderRaw() {
        line("## All results");
        line();
        line("<details><summary>Every benchmark of the run</summary>");
        line();
        line("| Benchmark | Parameters | Mode | Threads | Score | Unit | B/op |");
        line("|---|---|---|---:|---:|---|---:|");
        for (Result r : results) {
            line("| " + r.benchClass + "." + r.method + " | " + (r.params.isEmpty() ? "" : r.params.toString())
                    + " | " + r.mode + " | " + r.threads + " | " + scoreWithError(r) + " | " + r.unit + " | "
                    + (r.allocNorm == null ? "" : String.format(Locale.ROOT, "%.3f", r.allocNorm)) + " |");
        }
        line();
        line("</details>");
        line();
    }

    // ------------------------------------------------------------------ helpers

    private boolean hasClass(String benchClass) {
        return results.stream().anyMatch(r -> r.benchClass.equals(benchClass));
    }

    private List<Result> select(Predicate<Result> filter) {
        List<Result> list = new ArrayList<>();
        for (Result r : results) {
            if (filter.test(r)) {
                list.add(r);
            }
        }
        return list;
    }

    /** The result of {@code method} whose parameters include the given name/value pairs. */
    Result find(String benchClass, String method, String... params) {
        for (Result r : results) {
            if (!r.benchClass.equals(benchClass) || !r.method.equals(method)) {
                continue;
            }
            boolean all = true;
            for (int i = 0; i + 1 < params.length; i += 2) {
                all &= params[i + 1].equals(r.params.get(params[i]));
            }
            if (all) {
                return r;
            }
        }
        return null;
    }

    /** The anchor result whose parameters agree with {@code params} on every name they share. */
    private Result match(String benchClass, String method, Map<String, String> params) {
        for (Result r : results) {
            if (!r.benchClass.equals(benchClass) || !r.method.equals(method)) {
                continue;
            }
            boolean agree = true;
            for (Map.Entry<String, String> e : r.params.entrySet()) {
                String mine = params.get(e.getKey());
                agree &= mine == null || mine.equals(e.getValue());
            }
            if (agree) {
                return r;
            }
        }
        return null;
    }

    private List<String> policiesOf(String benchClass, String method) {
        List<String> policies = new ArrayList<>();
        for (Result r : results) {
            String p = r.params.get("policy");
            if (r.benchClass.equals(benchClass) && r.method.equals(method) && p != null && !policies.contains(p)) {
                policies.add(p);
            }
        }
        policies.sort(Comparator.comparingInt(Report::policyOrder));
        return policies;
    }

    private List<String> methodsOf(String benchClass) {
        List<String> methods = new ArrayList<>();
        for (Result r : results) {
            if (r.benchClass.equals(benchClass) && !methods.contains(r.method)) {
                methods.add(r.method);
            }
        }
        return methods;
    }

    private static int policyOrder(String policy) {
        int i = List.of("WRITER_PREFERRING", "READER_PREFERRING", "FAIR", "EXCLUSIVE").indexOf(policy);
        return i < 0 ? 99 : i;
    }

    /** Rows ordered by their non-policy parameters (numbers numerically), then by policy. */
    private static List<Result> sorted(List<Result> rows) {
        List<Result> copy = new ArrayList<>(rows);
        copy.sort((a, b) -> {
            for (String key : a.params.keySet()) {
                if (key.equals("policy")) {
                    continue;
                }
                String x = a.params.get(key);
                String y = b.params.get(key);
                if (y == null || x.equals(y)) {
                    continue;
                }
                try {
                    return Double.compare(Double.parseDouble(x), Double.parseDouble(y));
                } catch (NumberFormatException e) {
                    return 0;
                }
            }
            return Integer.compare(policyOrder(a.params.getOrDefault("policy", "")),
                    policyOrder(b.params.getOrDefault("policy", "")));
        });
        return copy;
    }

    private static String describe(Map<String, String> params) {
        List<String> parts = new ArrayList<>();
        String policy = params.get("policy");
        for (Map.Entry<String, String> e : params.entrySet()) {
            if (e.getKey().equals("policy")) {
                continue;
            }
            if (e.getKey().equals("writePercent")) {
                int w = Integer.parseInt(e.getValue());
                parts.add("R:W " + (100 - w) + ":" + w);
            } else {
                parts.add(e.getKey() + "=" + e.getValue());
            }
        }
        String text = policy == null ? "" : " " + policy;
        return parts.isEmpty() ? text : text + ", " + String.join(", ", parts);
    }

    private static String cell(Result r) {
        String text = scoreWithError(r);
        if (r.allocNorm != null) {
            text += " (" + (r.allocNorm < ZERO_ALLOCATION ? "0" : format(r.allocNorm)) + " B)";
        }
        return text;
    }

    private static String scoreWithError(Result r) {
        String text = format(r.score);
        if (Double.isFinite(r.error) && r.error > 0) {
            text += " ± " + format(r.error);
        }
        return text;
    }

    static String format(double value) {
        double a = Math.abs(value);
        if (a >= 100) {
            return String.format(Locale.ROOT, "%.0f", value);
        }
        if (a >= 10) {
            return String.format(Locale.ROOT, "%.1f", value);
        }
        if (a >= 0.1) {
            return String.format(Locale.ROOT, "%.2f", value);
        }
        return String.format(Locale.ROOT, "%.3g", value);
    }

    @SafeVarargs
    private static <T> List<T> concat(List<T>... lists) {
        List<T> all = new ArrayList<>();
        Arrays.stream(lists).forEach(all::addAll);
        return all;
    }

    private void row(String key, String value) {
        line("| " + key + " | " + value.replace("|", "\\|").replace("\n", "<br>") + " |");
    }

    private void line(String text) {
        out.append(text).append('\n');
    }

    private void line() {
        out.append('\n');
    }
}
