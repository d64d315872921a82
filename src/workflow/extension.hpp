// 延期: more time for a work item — requested by the unit handling it before the deadline, one
// request at a time, decided one level up (on the unit above the owner; a root owner's own
// level) and never by the person who asked. The item keeps its pending request; these rules
// exist once, with the same errors for every kind. What an approved extension adds (working
// days on the clock, or a new date) is the item's own.
#pragma once
#include <cstdint>
#include <string>

#include "core/error.hpp"

namespace manyi::workflow {

// Before recording a request: 409 extension_pending while one waits, 409 past_deadline at or
// after the deadline (`field` names the request's field, if any).
inline void check_extension_request(bool pending, int64_t now, int64_t deadline_at, const std::string& field = {}) {
  if (pending) throw conflict("extension_pending", "an extension request is already waiting for a decision");
  if (now >= deadline_at) throw conflict("past_deadline", "an extension must be requested before the deadline", field);
}

// Before deciding: 409 no_extension when none waits.
inline void require_extension(bool pending) {
  if (!pending) throw conflict("no_extension", "there is no extension request waiting for a decision");
}
// 403 when the decider is the person who asked.
inline void check_not_own_extension(int64_t requested_by, int64_t decider) {
  if (decider && decider == requested_by) throw forbidden("you cannot approve your own request");
}

}  // namespace manyi::workflow
