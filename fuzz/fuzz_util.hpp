// Shared by the fuzz targets: outside input may be refused only with a 4xx manyi::Error (what
// the router turns into the documented error answer). Anything else escaping a parser — a 5xx
// Error, a standard exception, a crash — is a defect and stops the fuzzer.
#pragma once
#include <cstdio>
#include <cstdlib>
#include <exception>

#include "core/error.hpp"

namespace manyi::fuzz {

template <class F>
void expect_clean(F&& f) {
  try {
    f();
  } catch (const manyi::Error& e) {
    if (e.status() < 400 || e.status() > 499) {
      std::fprintf(stderr, "parser answered %d %s: %s\n", e.status(), e.code().c_str(), e.what());
      std::abort();
    }
  }
}

}  // namespace manyi::fuzz
