package io.rwlocker.coroutines.soak

import io.rwlocker.Policy

/**
 * Every primitive configuration the soak runs. To soak a new primitive, add its factories here
 * (one per configuration worth soaking); [SoakSpec] gives every entry an equal share of the run
 * time, so the whole soak keeps its length as entries are added.
 *
 * Not soaked yet (they are not on this branch's base): Guarded / GuardedMutex, FifoLock /
 * withMode, KeyedLocks / KeyedReadWriteMutex and PriorityDispatcher. Each needs a [SoakSubject]
 * (see the README's Reliability section for what each one's invariants are).
 */
internal object SoakSubjects {
    val all: List<SoakSubjectFactory> = Policy.entries.flatMap { policy ->
        listOf(false, true).map { reentrant ->
            SoakSubjectFactory(RWLockSubject.nameOf(policy, reentrant)) { tally -> RWLockSubject(policy, reentrant, tally) }
        }
    }
}
