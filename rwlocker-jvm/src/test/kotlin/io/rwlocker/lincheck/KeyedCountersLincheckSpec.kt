package io.rwlocker.lincheck

import io.kotest.core.spec.style.FunSpec
import kotlin.time.Duration.Companion.minutes

/**
 * Lincheck model checking and stress of [KeyedCounters] (three per-key counters behind a
 * KeyedLocks, through read, write, tryWrite, writeAll, readAll and re-entry) against the plain
 * counters of [KeyedCountersModel], without and with a reentrant writer (see
 * [KeyedCounterConfigs]). Random scenarios get a fifth of a GuardedCounter check's share (see
 * [LincheckBudget]): a keyed operation adds a map lookup, a reference count and, for a new key,
 * a map insertion and removal, all of which the model checker interleaves. The race where the
 * keyed layer's own bugs show (two transfers in opposite orders) gets a budget of its own, which
 * `KeyedNegativeControlSpec` proves large enough.
 */
class KeyedCountersLincheckSpec : FunSpec({
    timeout = 5.minutes.inWholeMilliseconds
    blockingTest = true

    test("model checking: two transfers in opposite orders, WRITER_PREFERRING") {
        KeyedCounterConfigs.oppositeTransfers(KeyedCounterConfigs.oppositeTransfersBudget)
            .check(KeyedCounterConfigs.WriterPreferring::class.java)
    }

    for ((config, testClass) in KeyedCounterConfigs.all) {
        test("model checking: $config") {
            LincheckBudget.modelChecking(iterationDivisor = 2, invocationDivisor = 25)
                .threads(3).actorsPerThread(2).actorsBefore(1).actorsAfter(1)
                .loopBound(LincheckScenarios.LOOP_BOUND)
                .sequentialSpecification(KeyedCountersModel::class.java)
                .check(testClass)
        }
        test("stress: $config") {
            LincheckBudget.stress(iterationDivisor = 2, invocationDivisor = 10)
                .threads(3).actorsPerThread(3).actorsBefore(1).actorsAfter(1)
                .sequentialSpecification(KeyedCountersModel::class.java)
                .check(testClass)
        }
    }
})
