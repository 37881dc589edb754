package io.rwlocker.benchmarks.report;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One JMH result (one benchmark method with one parameter combination) read from a
 * {@code -rf json} file with Gson: the primary score and, when {@code -prof gc} ran, the
 * allocation per operation ({@code gc.alloc.rate.norm}).
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

    /** Reads every result of one JMH JSON file ({@code -rf json}), parsed with Gson. */
    public static List<Result> load(Path json) throws IOException {
        JsonElement root;
        try (Reader reader = Files.newBufferedReader(json, StandardCharsets.UTF_8)) {
            root = JsonParser.parseReader(reader);
        } catch (JsonParseException e) {
            throw new IOException(json + ": not JSON: " + e.getMessage(), e);
        }
        if (!root.isJsonArray()) {
            throw new IOException(json + ": not a JMH result array");
        }
        List<Result> results = new ArrayList<>();
        for (JsonElement item : root.getAsJsonArray()) {
            if (!item.isJsonObject() || !item.getAsJsonObject().has("benchmark")) {
                throw new IOException(json + ": not a JMH result: " + item);
            }
            JsonObject entry = item.getAsJsonObject();
            String benchmark = entry.get("benchmark").getAsString();
            int lastDot = benchmark.lastIndexOf('.');
            String qualifiedClass = benchmark.substring(0, lastDot);
            String benchClass = qualifiedClass.substring(qualifiedClass.lastIndexOf('.') + 1);
            Map<String, String> params = new LinkedHashMap<>();
            JsonObject rawParams = object(entry, "params");
            if (rawParams != null) {
                for (Map.Entry<String, JsonElement> p : rawParams.entrySet()) {
                    params.put(p.getKey(), p.getValue().getAsString());
                }
            }
            JsonObject primary = object(entry, "primaryMetric");
            if (primary == null) {
                throw new IOException(json + ": " + benchmark + " has no primaryMetric");
            }
            JsonObject secondary = object(entry, "secondaryMetrics");
            JsonObject norm = secondary == null ? null : object(secondary, "gc.alloc.rate.norm");
            Double alloc = norm == null ? null : number(norm.get("score"));
            results.add(new Result(benchClass, benchmark.substring(lastDot + 1), params,
                    text(entry, "mode"), (int) number(entry.get("threads")),
                    number(primary.get("score")), number(primary.get("scoreError")),
                    text(primary, "scoreUnit"), alloc, text(entry, "jdkVersion"),
                    text(entry, "vmName"), text(entry, "vmVersion"), text(entry, "jmhVersion")));
        }
        return results;
    }

    private static JsonObject object(JsonObject parent, String name) {
        JsonElement value = parent.get(name);
        return value != null && value.isJsonObject() ? value.getAsJsonObject() : null;
    }

    private static String text(JsonObject parent, String name) {
        JsonElement value = parent.get(name);
        return value == null || value.isJsonNull() ? "null" : value.getAsString();
    }

    /** A JSON number, or a string JMH wrote for a number ("NaN"); NaN when absent or unreadable. */
    private static double number(JsonElement value) {
        if (value == null || !value.isJsonPrimitive()) {
            return Double.NaN;
        }
        JsonPrimitive primitive = value.getAsJsonPrimitive();
        if (primitive.isNumber()) {
            return primitive.getAsDouble();
        }
        try {
            return Double.parseDouble(primitive.getAsString());
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
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
