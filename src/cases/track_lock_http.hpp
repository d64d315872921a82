// The HTTP answer for a locked 查询码 (cases::TrackLocked): 429 track_locked with Retry-After,
// for the public routes that check a code and the last four phone digits.
#pragma once
#include <string>
#include <utility>

#include "cases/service.hpp"
#include "http/router.hpp"

namespace manyi::cases {

template <class F>
http::Response unless_track_locked(F&& handler) {
  try {
    return std::forward<F>(handler)();
  } catch (const TrackLocked& e) {
    auto res = http::error_response(e.status(), e.code(), e.what(), e.field());
    res.header("Retry-After", std::to_string(e.retry_after_s));
    return res;
  }
}

}  // namespace manyi::cases
