#!/usr/bin/env bash
# One command from sources to benchmarks/RESULTS.md + benchmarks/seed-speedups.png:
# builds benchmarks/target/benchmarks.jar, runs the JMH benchmarks (this library beside its anchors,
# in the same run), then the report generator (io.rwlocker.benchmarks.report.Report).
#
#   benchmarks/run.sh            quick subset (default): 1 fork, 1 warmup + 2 measured iterations of
#                                1 s (3 shots for the seed scenarios); under 10 minutes on 2 cores
#   benchmarks/run.sh --smoke    1 fork, 1 tiny iteration: checks that everything runs (a few minutes);
#                                writes benchmarks/target/smoke/RESULTS.md, never the committed report
#   benchmarks/run.sh --full     the benchmarks' own settings (3 x 1 s warmup, 5 x 1 s measured,
#                                2 seed warmups + 5 shots), 2 forks: about an hour
#   --no-build                   reuse benchmarks/target/benchmarks.jar
#
# Run it on a quiet machine: the report records nproc, the CPU, memory, the load average and the JDK.
# JAVA_HOME, if set, chooses the JDK (for Maven and for the benchmarks).
set -euo pipefail
cd "$(dirname "$0")/.."

mode=quick
build=1
for arg in "$@"; do
  case "$arg" in
    --smoke) mode=smoke ;;
    --quick) mode=quick ;;
    --full) mode=full ;;
    --no-build) build=0 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown option $arg (try --help)" >&2; exit 2 ;;
  esac
done

java_cmd=java
[[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]] && java_cmd="$JAVA_HOME/bin/java"
jar=benchmarks/target/benchmarks.jar
target=benchmarks/target
if [[ $mode == smoke ]]; then
  out_dir=$target/smoke
else
  out_dir=benchmarks
fi

case $mode in
  smoke) jmh_opts=(-f 1 -wi 0 -i 1 -w 200ms -r 200ms) ;;
  quick) jmh_opts=(-f 1 -wi 1 -w 1s -i 2 -r 1s) ;;
  full)  jmh_opts=(-f 2) ;;
esac
# JMH options that hold for every invocation: fail the run's report (not the run) on a broken benchmark.
common_opts=(-foe false -rf json)

# Shell-quotes one command line for the report (single quotes only where needed).
quote() {
  local out="" arg
  for arg in "$@"; do
    if [[ $arg =~ ^[A-Za-z0-9_./=:,+-]+$ ]]; then out+="$arg "; else out+="'${arg//\'/\'\\\'\'}' "; fi
  done
  echo "${out% }"
}
now() { date +%s; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?"; }

start_total=$(now)
mkdir -p "$target"
meta=$target/run-meta.tsv
: > "$meta"
put() { printf '%s\t%s\n' "$1" "$2" >> "$meta"; }
put mode "$mode"
put date "$(date -u '+%Y-%m-%d %H:%M:%S UTC')"
put nproc "$(nproc 2>/dev/null || echo '?')"
put load_before "$(loadavg)"
if command -v lscpu > /dev/null; then
  while IFS= read -r l; do put lscpu "$(echo "$l" | tr -s ' ')"; done \
    < <(lscpu | grep -E '^(Model name|Thread\(s\) per core|Core\(s\) per socket|Socket\(s\)|Hypervisor vendor|L2 cache|L3 cache):' || true)
fi

build_cmd=(mvn -B -ntp -q -pl benchmarks -am package -DskipTests -Dkotlin.compiler.daemon=false)
put command_build "$(quote "${build_cmd[@]}")"
start_build=$(now)
if [[ $build == 1 ]]; then
  echo "== build: $(quote "${build_cmd[@]}")"
  "${build_cmd[@]}"
fi
put elapsed_build "$(( $(now) - start_build )) s$([[ $build == 1 ]] || echo ' (skipped: --no-build)')"
[[ -f $jar ]] || { echo "run.sh: $jar is missing (build failed?)" >&2; exit 1; }
"$java_cmd" -version > "$target/java-version.txt" 2>&1

# Invocation 1, with -prof gc: the allocation-sensitive benchmarks (uncontended, read-mostly,
# coroutine uncontended, Guarded, FIFO lock, keyed locks, JFR events). Invocation 2: contended coroutines, the seed scenarios and, when the jar
# has them, ConditionBroadcastBench and PriorityDispatcherBench (SingleShotTime benchmarks take -wi/-i
# as shot counts).
gc_regex='\.(UncontendedBench|ReadMostlyBench|CoroutineUncontendedBench|GuardedBench|FifoLockBench|KeyedLocksBench|ObservabilityBench)\.'
rest_classes='CoroutineContendedBench|CoroutineConvoyBench|SeedScenarioBench|CoroutineSeedScenarioBench'
listed=$("$java_cmd" -jar "$jar" -l)
for extra in ConditionBroadcastBench PriorityDispatcherBench; do
  if grep -q "\.$extra\." <<< "$listed"; then rest_classes+="|$extra"; fi
done
rest_regex="\.($rest_classes)\."
rm -f "$target/results-gc.json" "$target/results.json"
jmh1=("$java_cmd" -jar "$jar" "${jmh_opts[@]}" "${common_opts[@]}" -prof gc -rff "$target/results-gc.json" "$gc_regex")
jmh2=("$java_cmd" -jar "$jar" "${jmh_opts[@]}" "${common_opts[@]}" -rff "$target/results.json" "$rest_regex")
put command_jmh "$(quote "${jmh1[@]}")"
put command_jmh "$(quote "${jmh2[@]}")"

estimate() { "$java_cmd" -cp "$jar" io.rwlocker.benchmarks.report.Estimate "${jmh_opts[@]}" "$1" | head -n1; }
read -r runs1 secs1 < <(estimate "$gc_regex")
read -r runs2 secs2 < <(estimate "$rest_regex")
runs=$((${runs1:-0} + ${runs2:-0})); secs=$((${secs1:-0} + ${secs2:-0}))
estimate_text="$runs benchmark runs, about $secs s ($((secs / 60)) min $((secs % 60)) s) of JMH"
put estimate "$estimate_text"
echo "== mode: $mode; estimate: $estimate_text (invocation 1: $runs1 runs ~${secs1} s, invocation 2: $runs2 runs ~${secs2} s)"

start_jmh=$(now)
echo "== JMH 1/2: $(quote "${jmh1[@]}")"
"${jmh1[@]}" 2>&1 | tee "$target/jmh-gc.log"
echo "== JMH 2/2: $(quote "${jmh2[@]}")"
"${jmh2[@]}" 2>&1 | tee "$target/jmh.log"
jmh_secs=$(( $(now) - start_jmh ))
put elapsed_jmh "$jmh_secs s"
put load_after "$(loadavg)"

report_cmd=("$java_cmd" -Djava.awt.headless=true -cp "$jar" io.rwlocker.benchmarks.report.Report
  --json "$target/results-gc.json" --json "$target/results.json"
  --meta "$meta" --java-version "$target/java-version.txt"
  --out "$out_dir/RESULTS.md" --png "$out_dir/seed-speedups.png")
put command_report "$(quote "${report_cmd[@]}")"
put elapsed_total "$(( $(now) - start_total )) s (before the report)"
echo "== report: $(quote "${report_cmd[@]}")"
"${report_cmd[@]}"

echo "== done in $(( $(now) - start_total )) s (JMH $jmh_secs s, estimated $secs s): $out_dir/RESULTS.md, $out_dir/seed-speedups.png"
failures=$(cat "$target/jmh-gc.log" "$target/jmh.log" | grep -c '<failure>' || true)
if [[ $failures -gt 0 ]]; then
  echo "run.sh: $failures benchmark(s) failed (see <failure> in $target/jmh*.log); the report marks them NOT MEASURED" >&2
  exit 1
fi
