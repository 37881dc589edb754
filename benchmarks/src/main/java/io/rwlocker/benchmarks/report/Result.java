package io.rwlocker.benchmarks.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One JMH result (one benchmark method with one parameter combination) read from a
 * {@code -rf json} file: the primary score and, when {@code -prof gc} ran, the allocation per
 * operation ({@code gc.alloc.rate.norm}).
 *
 * <pre>{@code
 * for (Result r : Result.load(Path.of("benchmarks/target/results.json"))) System.out.println(r);
 * }</pre>
 */
public final class Result {
    /** Simple name of the benchmark class, e.g. {@code UncontendedBench}. */
    public final String benchClass;
    /** Benchmark method (or {@code @Group} name). */
    public final String method;
    /** Parameters, in JMH's order. */
    public final Map<String, String> params;
    /** JMH mode: avgt, thrpt, ss, sample. */
    public final String mode;
    /** Threads that ran the benchmark. */
    public final int threads;
    /** Primary score. */
    public final double score;
    /** JMH's 99.9% error of {@link #score}, NaN when too few iterations. */
    public final double error;
    /** Unit of {@link #score}, e.g. {@code ns/op}, {@code ms/op}, {@code ops/us}. */
    public final String unit;
    /** {@code gc.alloc.rate.norm} in B/op, or null without {@code -prof gc}. */
    public final Double allocNorm;
    /** JDK, VM name and version, JMH version of the fork. */
    public final String jdkVersion;
    /** VM name of the fork. */
    public final String vmName;
    /** VM version of the fork. */
    public final String vmVersion;
    /** JMH version. */
    public final String jmhVersion;

    Result(String benchClass, String method, Map<String, String> params, String mode, int threads, double score,
           double error, String unit, Double allocNorm, String jdkVersion, String vmName, String vmVersion,
           String jmhVersion) {
        this.benchClass = benchClass;
        this.method = method;
        this.params = params;
        this.mode = mode;
        this.threads = threads;
        this.score = score;
        this.error = error;
        this.unit = unit;
        this.allocNorm = allocNorm;
        this.jdkVersion = jdkVersion;
        this.vmName = vmName;
        this.vmVersion = vmVersion;
        this.jmhVersion = jmhVersion;
    }

    /** Reads every result of one JMH JSON file. */
    public static List<Result> load(Path json) throws IOException {
        Object root = Json.parse(Files.readString(json, StandardCharsets.UTF_8));
        List<Result> results = new ArrayList<>();
        if (!(root instanceof List)) {
            throw new IOException(json + ": not a JMH result array");
        }
        for (Object item : (List<?>) root) {
            Map<?, ?> entry = (Map<?, ?>) item;
            String benchmark = (String) entry.get("benchmark");
            int lastDot = benchmark.lastIndexOf('.');
            String qualifiedClass = benchmark.substring(0, lastDot);
            String benchClass = qualifiedClass.substring(qualifiedClass.lastIndexOf('.') + 1);
            Map<String, String> params = new LinkedHashMap<>();
            Object rawParams = entry.get("params");
            if (rawParams instanceof Map) {
                for (Map.Entry<?, ?> p : ((Map<?, ?>) rawParams).entrySet()) {
                    params.put(String.valueOf(p.getKey()), String.valueOf(p.getValue()));
                }
            }
            Map<?, ?> primary = (Map<?, ?>) entry.get("primaryMetric");
            Double alloc = null;
            Object secondary = entry.get("secondaryMetrics");
            if (secondary instanceof Map) {
                Object norm = ((Map<?, ?>) secondary).get("gc.alloc.rate.norm");
                if (norm instanceof Map) {
                    alloc = number(((Map<?, ?>) norm).get("score"));
                }
            }
            results.add(new Result(benchClass, benchmark.substring(lastDot + 1), params,
                    String.valueOf(entry.get("mode")), (int) number(entry.get("threads")),
                    number(primary.get("score")), number(primary.get("scoreError")),
                    String.valueOf(primary.get("scoreUnit")), alloc, String.valueOf(entry.get("jdkVersion")),
                    String.valueOf(entry.get("vmName")), String.valueOf(entry.get("vmVersion")),
                    String.valueOf(entry.get("jmhVersion"))));
        }
        return results;
    }

    private static double number(Object value) {
        if (value instanceof Double) {
            return (Double) value;
        }
        if (value instanceof String) {
            try {
                return Double.parseDouble((String) value);
            } catch (NumberFormatException e) {
                return Double.NaN;
            }
        }
        return Double.NaN;
    }

    /**
     * The score as nanoseconds per operation, whatever the unit: time units are scaled and
     * throughput units inverted, so any two results can be divided.
     */
    public double nanosPerOp() {
        int slash = unit.indexOf('/');
        if (slash < 0) {
            return Double.NaN;
        }
        String left = unit.substring(0, slash);
        String right = unit.substring(slash + 1);
        if (right.equals("op")) {
            return score * nanos(left);
        }
        if (left.equals("ops")) {
            return nanos(right) / score;
        }
        return Double.NaN;
    }

    private static double nanos(String unit) {
        switch (unit) {
            case "ns": return 1;
            case "us": return 1e3;
            case "ms": return 1e6;
            case "s": return 1e9;
            case "min": return 60e9;
            default: return Double.NaN;
        }
    }

    @Override
    public String toString() {
        return benchClass + "." + method + params + " " + score + " " + unit
                + (allocNorm == null ? "" : " " + allocNorm + " B/op");
    }
}
