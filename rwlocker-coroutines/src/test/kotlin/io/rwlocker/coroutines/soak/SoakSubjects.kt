package io.rwlocker.coroutines.soak

import io.rwlocker.Policy

/**
 * Every primitive configuration the soak runs. To soak a new primitive, add its factories here
 * (one per configuration worth soaking); [SoakSpec] gives every entry an equal share of the run
 * time, so the whole soak keeps its length as entries are added.
 *
 * Soaked: [RWLock][RWLockSubject] (every policy, with and without a reentrant writer, both faces),
 * [FifoLock][FifoLockSubject] (read, write, mutex and a semaphore pool at once, threads and
 * `withMode` coroutines), [KeyedLocks][KeyedLocksSubject] (writer-preferring and exclusive,
 * threads and `asKeyedReadWriteMutex()` coroutines), [Guarded][GuardedSubject] (the default lock
 * and a FAIR reentrant one, threads and `asGuardedMutex()` coroutines on one value) and
 * [PriorityDispatcher][PriorityDispatcherSubject] (threads through `writeAsync`/`readAsync`,
 * coroutines through `write { }`/`read { }`/`submitWrite`/`submitRead`).
 */
internal object SoakSubjects {
    val all: List<SoakSubjectFactory> = Policy.entries.flatMap { policy ->
        listOf(false, true).map { reentrant ->
            SoakSubjectFactory(RWLockSubject.nameOf(policy, reentrant)) { tally -> RWLockSubject(policy, reentrant, tally) }
        }
    } + SoakSubjectFactory("FifoLock read/write/mutex/semaphore(3)") { tally -> FifoLockSubject(tally) } +
        listOf(Policy.WRITER_PREFERRING, Policy.EXCLUSIVE).map { policy ->
            SoakSubjectFactory(KeyedLocksSubject.nameOf(policy)) { tally -> KeyedLocksSubject(policy, tally) }
        } +
        listOf(false, true).map { reentrant ->
            SoakSubjectFactory(GuardedSubject.nameOf(reentrant)) { tally -> GuardedSubject(reentrant, tally) }
        } + SoakSubjectFactory(PriorityDispatcherSubject.NAME) { tally -> PriorityDispatcherSubject(tally) }
}
