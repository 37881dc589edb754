package io.rwlocker.coroutines.soak

import io.rwlocker.Policy

/**
 * Every primitive configuration the soak runs. To soak a new primitive, add its factories here
 * (one per configuration worth soaking); [SoakSpec] gives every entry an equal share of the run
 * time, so the whole soak keeps its length as entries are added.
 *
 * Soaked: [RWLock][RWLockSubject] (every policy, with and without a reentrant writer, both faces),
 * [FifoLock][FifoLockSubject] (read, write, mutex and a semaphore pool at once, threads and
 * `withMode` coroutines) and [KeyedLocks][KeyedLocksSubject] (writer-preferring and exclusive,
 * threads and `asKeyedReadWriteMutex()` coroutines). Not soaked: `Guarded` / `GuardedMutex` (a
 * composition over the RWLock faces soaked above) and `PriorityDispatcher` (no blocking face; its
 * own hammer tests are `PriorityConcurrencySpec`).
 */
internal object SoakSubjects {
    val all: List<SoakSubjectFactory> = Policy.entries.flatMap { policy ->
        listOf(false, true).map { reentrant ->
            SoakSubjectFactory(RWLockSubject.nameOf(policy, reentrant)) { tally -> RWLockSubject(policy, reentrant, tally) }
        }
    } + SoakSubjectFactory("FifoLock read/write/mutex/semaphore(3)") { tally -> FifoLockSubject(tally) } +
        listOf(Policy.WRITER_PREFERRING, Policy.EXCLUSIVE).map { policy ->
            SoakSubjectFactory(KeyedLocksSubject.nameOf(policy)) { tally -> KeyedLocksSubject(policy, tally) }
        }
}
