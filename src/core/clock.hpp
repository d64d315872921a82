// Clock: wall time in UTC epoch milliseconds, injectable so tests can move time (escalation,
// session expiry) without sleeping.
#pragma once
#include <atomic>
#include <cstdint>

namespace manyi {

int64_t now_ms();
// Tests and the `--fake-clock` debug flag: pin the clock (0 = real time again).
void set_fake_now_ms(int64_t ms);

}  // namespace manyi
