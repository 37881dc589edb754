package io.rwlocker.benchmarks;

import io.rwlocker.Guarded;
import io.rwlocker.Policy;
import io.rwlocker.RWLock;
import io.rwlocker.ReadLock;
import io.rwlocker.WriteLock;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of {@link Guarded} over the bare {@link RWLock} it wraps, with no contention (one
 * thread): {@code guarded.read(f)}, {@code guarded.write(f)} and {@code guarded.update(f)} beside
 * the same work done by hand on a bare lock of the same policy ({@code lock(); try { ... }
 * finally { unlock(); }}), in the same class and run.
 *
 * <p>Targets (issue 11): {@code oursGuardedRead} / {@code bareRead} and {@code oursGuardedWrite}
 * / {@code bareWrite} at most 1.1x in time, and 0 B/op beyond the caller's function. The functions
 * here are non-capturing lambdas (one shared instance each, as {@code javac} compiles them), so
 * every byte {@code -prof gc} reports per operation would be {@code Guarded}'s own. Run with:
 *
 * <pre>{@code
 * java -jar benchmarks/target/benchmarks.jar -prof gc '\.GuardedBench\.'
 * }</pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@Threads(1)
public class GuardedBench {

    /** The guarded value: a counter and a payload, mutated in place by the writers. */
    public static final class Holder {
        long count;
        Object payload = "payload";
    }

    /** One guard and one bare lock of the same policy, each with its own holder. */
    @State(Scope.Thread)
    public static class Locks {
        /** The policy of both locks (biased reads under WRITER_PREFERRING, none under EXCLUSIVE). */
        @Param({"WRITER_PREFERRING", "EXCLUSIVE"})
        public Policy policy;

        Guarded<Holder> guarded;
        ReadLock read;
        WriteLock write;
        Holder bare;

        /** Builds the guard and the bare lock for {@link #policy}. */
        @Setup
        public void setup() {
            guarded = Guarded.of(new Holder(), RWLock.builder().policy(policy).build());
            RWLock lock = RWLock.builder().policy(policy).build();
            read = lock.read();
            write = lock.write();
            bare = new Holder();
        }
    }

    /** {@code guarded.read(h -> h.payload)}. */
    @Benchmark
    public Object oursGuardedRead(Locks s) {
        return s.guarded.read(h -> h.payload);
    }

    /** The same work on the bare lock: lock, read the payload, unlock. */
    @Benchmark
    public Object bareRead(Locks s) {
        ReadLock read = s.read;
        read.lock();
        try {
            return s.bare.payload;
        } finally {
            read.unlock();
        }
    }

    /** {@code guarded.write(h -> { h.count++; return h.payload; })} (a reference result: no boxing). */
    @Benchmark
    public Object oursGuardedWrite(Locks s) {
        return s.guarded.write(h -> {
            h.count++;
            return h.payload;
        });
    }

    /** The same work on the bare lock: lock, increment, read the payload, unlock. */
    @Benchmark
    public Object bareWrite(Locks s) {
        WriteLock write = s.write;
        write.lock();
        try {
            Holder h = s.bare;
            h.count++;
            return h.payload;
        } finally {
            write.unlock();
        }
    }

    /** {@code guarded.update(h -> h)}: a replacement under the write lock (the same object). */
    @Benchmark
    public Object oursGuardedUpdate(Locks s) {
        return s.guarded.update(h -> h);
    }

    /** The same work on the bare lock: lock, store the (same) value back, unlock. */
    @Benchmark
    public Object bareUpdate(Locks s) {
        WriteLock write = s.write;
        write.lock();
        try {
            Holder next = s.bare;
            s.bare = next;
            return next;
        } finally {
            write.unlock();
        }
    }
}
