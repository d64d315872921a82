// The signed-in user as a work-item service sees them (workflow::Who): the audit actor, the
// display name, and their grants answering "has permission P on the node with this path".
// The returned Who refers to the request context: use it within the request.
#pragma once
#include "app/app.hpp"
#include "workflow/who.hpp"

namespace manyi {

inline workflow::Who who_of(http::Ctx& c) {
  return {actor_of(c), c.me().display_name,
          [&c](const std::string& perm, const std::string& path) { return c.can_path(perm, path); }};
}

}  // namespace manyi
