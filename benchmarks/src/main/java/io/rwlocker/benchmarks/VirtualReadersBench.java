package io.rwlocker.benchmarks;

import io.rwlocker.RWLock;
import io.rwlocker.ReadLock;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Should virtual threads take the biased read path? (issue 9). One operation starts
 * {@value #TASKS} virtual threads (thread per task, as a server on virtual threads does), each
 * takes {@code reads} read lock/unlock pairs of one shared lock and ends; the score is the time
 * of the whole batch (us/op). {@code reads = 1} is a request that reads once; {@code reads =
 * 1000} a longer-lived reader. Ours (WRITER_PREFERRING) beside {@link ReentrantReadWriteLock}
 * (nonfair), in the same run.
 *
 * <p>The biased path is switched by the system property {@code io.rwlocker.biasedReads}, read
 * once per JVM, so the comparison is two invocations on the same jar:
 *
 * <pre>{@code
 * java -jar benchmarks/target/benchmarks.jar -f 2 '\.VirtualReadersBench\.'
 * java -jar benchmarks/target/benchmarks.jar -f 2 -jvmArgsAppend -Dio.rwlocker.biasedReads=false '\.VirtualReadersBench\.'
 * }</pre>
 *
 * <p>Needs JDK 21+ (virtual threads, looked up reflectively so that the module still compiles
 * for 17); on an older JDK the setup fails with a message.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class VirtualReadersBench {

    /** Virtual threads started per operation. */
    static final int TASKS = 64;

    /** Read lock/unlock pairs per virtual thread. */
    @Param({"1", "1000"})
    public int reads;

    private final RWLock ours = RWLock.writerPreferring();
    private final ReentrantReadWriteLock jdk = new ReentrantReadWriteLock();
    private ExecutorService executor;
    private int value = 42;

    /** A virtual-thread-per-task executor (JDK 21+). */
    @Setup(Level.Trial)
    public void setup() throws Exception {
        try {
            executor = (ExecutorService) Executors.class.getMethod("newVirtualThreadPerTaskExecutor").invoke(null);
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException("VirtualReadersBench needs JDK 21+ (virtual threads)", e);
        }
    }

    /** Stops the executor. */
    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
        executor.shutdown();
        executor.awaitTermination(10, TimeUnit.SECONDS);
    }

    /** Ours: each virtual thread reads through {@code RWLock.read()}. */
    @Benchmark
    public long ours() throws InterruptedException {
        ReadLock read = ours.read();
        return batch(read);
    }

    /** Anchor: the JDK's nonfair {@code ReentrantReadWriteLock}. */
    @Benchmark
    public long reentrantReadWriteLock() throws InterruptedException {
        return batch(jdk.readLock());
    }

    private long batch(Lock read) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(TASKS);
        long[] sums = new long[TASKS];
        for (int t = 0; t < TASKS; t++) {
            int slot = t;
            executor.execute(() -> {
                long sum = 0;
                for (int i = 0; i < reads; i++) {
                    read.lock();
                    try {
                        sum += value;
                    } finally {
                        read.unlock();
                    }
                }
                sums[slot] = sum;
                done.countDown();
            });
        }
        if (!done.await(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("virtual readers did not finish");
        }
        long total = 0;
        for (long s : sums) {
            total += s;
        }
        return total;
    }
}
