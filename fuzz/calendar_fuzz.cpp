// The working-day calendar file an administrator imports, then the SLA arithmetic on the
// calendar it makes (deadlines, working time, pauses).
#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/calendar_import.hpp"
#include "fuzz_util.hpp"

using namespace manyi;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  (void)calendar::parse_date(text);
  fuzz::expect_clean([&] {
    calendar::Import file;
    try {
      file = calendar::parse_import(text);
    } catch (const nlohmann::json::exception&) {
      return;  // the router answers 400 bad_request
    }
    calendar::Calendar cal;
    for (auto& d : file.days) cal.set(d.day, {d.workday, d.name});
    for (int y : file.years) {
      auto first = calendar::make_day(y, 1, 1), last = calendar::make_day(y, 12, 31);
      int64_t t = calendar::day_start(first) + 9 * 3'600'000;
      int64_t dl = cal.deadline_after(t, 15);
      if (dl <= t) std::abort();
      if (cal.working_ms(t, dl) < 0) std::abort();
      (void)cal.add_working_ms(t, 5 * calendar::kDayMs);
      (void)cal.count_workdays(first, last);
      (void)cal.extend_for_pause(dl, t + calendar::kDayMs, t + 3 * calendar::kDayMs, first + 1);
    }
  });
  return 0;
}
