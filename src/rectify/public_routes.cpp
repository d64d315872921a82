// The public list of a unit's disclosed rectification items (整改公示): no login, the
// public_read rate limit; only items marked public, without names or phone numbers.
//
// The answer is the same for everyone, so each unit's is kept for up to 2 s while this process
// changed no item (detail::changes): a page linked from a unit's QR posters is read far more
// often than it changes (bench/http_bench.sh: ~1,300/s built each time, see bench/README.md).
// Another instance's change shows here within the 2 s.
#include "app/app.hpp"
#include "app/respond.hpp"
#include "core/calendar.hpp"
#include "core/error.hpp"
#include "rectify/internal.hpp"
#include "rectify/routes.hpp"

#include <chrono>
#include <mutex>
#include <unordered_map>

namespace manyi::rectify {

namespace {
struct PublicCache {
  struct Entry {
    uint64_t changes = 0;
    std::chrono::steady_clock::time_point at;
    std::string body;
  };
  static constexpr auto kFresh = std::chrono::seconds(2);
  static constexpr size_t kMaxUnits = 20000;
  std::mutex mu;
  std::unordered_map<std::string, Entry> by_code;

  std::optional<std::string> get(const std::string& code, uint64_t changes) {
    std::lock_guard lock(mu);
    auto it = by_code.find(code);
    if (it == by_code.end() || it->second.changes != changes ||
        std::chrono::steady_clock::now() - it->second.at > kFresh)
      return std::nullopt;
    return it->second.body;
  }
  void put(const std::string& code, uint64_t changes, const std::string& body) {
    std::lock_guard lock(mu);
    if (by_code.size() >= kMaxUnits) by_code.clear();
    by_code[code] = {changes, std::chrono::steady_clock::now(), body};
  }
};

http::Response public_response(std::string body) {
  http::Response res;
  res.body = std::move(body);
  res.header("Cache-Control", "public, max-age=60");
  return res;
}
}  // namespace

void register_public_routes(App& app, RectifyService& svc) {
  auto cache = std::make_shared<PublicCache>();
  app.router
      ->add("GET", "/api/v1/public/rectifications", "public",
            [&svc, cache](http::Ctx& c) {
              auto code = c.req.q("unit").value_or("");
              if (code.empty()) throw invalid("unit", "unit is required (the unit's code)");
              if (code.size() > 64 || !jv::valid_text(code)) throw invalid("unit", "unit is a unit's code");
              uint64_t changes = detail::changes();
              if (auto body = cache->get(code, changes)) return public_response(std::move(*body));
              auto found = svc.public_items(code);
              if (!found) throw not_found("unit");
              json items = json::array();
              for (auto& it : found->second)
                items.push_back({{"problem", it.problem},
                                 {"measures", it.measures},
                                 {"deadline", calendar::format_date(calendar::day_of(it.deadline_at))},
                                 {"status", it.status},
                                 {"closed_at", it.closed_at ? json(*it.closed_at) : json(nullptr)}});
              auto res = json_response({{"unit", {{"name", found->first}}}, {"items", items}});
              cache->put(code, changes, res.body);
              return public_response(std::move(res.body));
            })
      .limit_class = "public_read";
}

}  // namespace manyi::rectify
