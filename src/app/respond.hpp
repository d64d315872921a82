// JSON response helpers for routes.cpp files.
#pragma once
#include "core/json.hpp"
#include "http/http.hpp"

namespace manyi {
namespace workflow {
struct Attachment;
}

inline http::Response json_response(const json& j, int status = 200) {
  http::Response r;
  r.status = status;
  r.body = j.dump(-1, ' ', false, json::error_handler_t::replace);
  return r;
}

// Page size from ?limit= (default 50, max 500) and cursor from ?cursor=.
int page_limit(const http::Request& req, int def = 50);
int64_t page_cursor(const http::Request& req);
// ?<name>=YYYY-MM-DD as the start of that local day (def when absent); 422 naming the field.
int64_t date_query(const http::Request& req, const char* name, int64_t def);
// A stored file (workflow/attachments.hpp) as a download: its sniffed type, its sanitised name,
// never cached, sandboxed so that a file can run nothing in the console's origin, its hash as
// the ETag. Case files, ledger evidence and checklist photos all answer through it.
http::Response attachment_response(workflow::Attachment&& a);

}  // namespace manyi
