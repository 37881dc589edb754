package io.rwlocker.internal

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe

/**
 * The spin schedule of the blocking faces (see `Spin.java`): the default budget, and a yield on
 * every 64th step counting down, so with the default budgets the very first step of an acquire
 * spin and of a grant poll yields. The speed these buy is checked by JMH (`ReadMostlyBench`),
 * not here; this pins the schedule the measurement was made with.
 */
class SpinScheduleSpec : FunSpec({
    test("the default budget is 512 retries and 256 grant polls (no property set in this JVM)") {
        System.getProperty("io.rwlocker.spins") shouldBe null
        Spin.ACQUIRE shouldBe 512
        Spin.GRANT shouldBe 256
    }

    test("every 64th step counting down yields, the first step of each default loop included") {
        (1..Spin.ACQUIRE).filter { Spin.yieldsAt(it) } shouldBe (1..Spin.ACQUIRE / 64).map { it * 64 }
        Spin.yieldsAt(Spin.ACQUIRE) shouldBe true
        Spin.yieldsAt(Spin.GRANT) shouldBe true
        Spin.yieldsAt(Spin.ACQUIRE - 1) shouldBe false
        Spin.yieldsAt(1) shouldBe false
    }
})
