// Demo organisation: a city health bureau with 3 counties, 14 institutions, typical
// departments and windows, ~1,600 staff with plausible Chinese names, and one login per role
// (password Manyi-demo-1). Deterministic for a given seed.
#pragma once
#include <cstdint>
#include <string>

#include "org/service.hpp"

namespace manyi::demo {

inline constexpr const char* kPassword = "Manyi-demo-1";

struct Summary {
  int nodes = 0, staff = 0, users = 0;
};

// Creates the demo organisation in an empty database; refuses when org nodes exist.
Summary create_org(org::OrgService& org, uint64_t seed = 20261122);

}  // namespace manyi::demo
