// Targets (目标值) of nodes — explicit, inherited down the tree (the generic metric targets,
// series satisfaction.rate and satisfaction.followup), or the default by window or not — and
// the dimensions of a survey.
#include "feedback/service.hpp"

#include <fmt/format.h>
#include <pthread.h>
#include <sodium.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <future>
#include <cstdlib>
#include <unordered_set>

#include "cases/intake.hpp"
#include "cases/pii.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/id.hpp"
#include "core/json.hpp"
#include "forms/json.hpp"
#include "store/claim.hpp"
#include "store/subtree.hpp"
#include "core/period.hpp"
#include "feedback/internal.hpp"
#include "org/service.hpp"

namespace manyi::feedback {
using store::Params;
using store::Value;
using namespace detail;

namespace {
// The generic target series (metrics/targets.hpp) satisfaction keeps its targets in.
const std::string kRateSeries = "satisfaction.rate";
const std::string kFollowupSeries = "satisfaction.followup";
}  // namespace

bool FeedbackService::is_window(const org::Node& n) {
  // A window (窗口) node, or a unit whose children are all windows (收费处, 挂号处), or one
  // whose collection points all use a window-service form.
  if (n.kind == "point") return true;
  auto kids = db_.query("SELECT SUM(CASE WHEN kind = 'point' THEN 1 ELSE 0 END), COUNT(*) FROM org_nodes "
                        "WHERE parent_id = ? AND active = 1",
                        {n.id});
  if (!kids.empty() && kids[0].i64(1) > 0) return kids[0].i64(0) == kids[0].i64(1);
  auto r = db_.query("SELECT DISTINCT template_id FROM collection_points WHERE node_id = ? AND active = 1", {n.id});
  if (r.empty()) return false;
  for (auto& row : r)
    if (!window_template(row.i64(0))) return false;
  return true;
}

bool FeedbackService::window_template(int64_t template_id) {
  {
    std::lock_guard lk(rule_mu_);
    auto it = window_templates_.find(template_id);
    if (it != window_templates_.end()) return it->second;
  }
  bool w = false;
  try {
    w = forms_.current(template_id).def->window;
  } catch (const std::exception&) {
  }
  std::lock_guard lk(rule_mu_);
  if (window_templates_.size() > 10000) window_templates_.clear();
  window_templates_[template_id] = w;
  return w;
}

std::map<int64_t, double> FeedbackService::targets_for(const std::vector<org::Node>& nodes) {
  std::map<int64_t, double> out;
  if (nodes.empty()) return out;
  auto explicit_t = explicit_targets();
  int month = period::month_of(period::local_day(now_ms()));
  Params p;
  std::string in;
  for (auto& n : nodes) {
    in += in.empty() ? "?" : ",?";
    p.emplace_back(n.id);
  }
  std::map<int64_t, std::pair<int64_t, int64_t>> kids;  // parent -> (points, all)
  for (auto& r : db_.query("SELECT parent_id, SUM(CASE WHEN kind = 'point' THEN 1 ELSE 0 END), COUNT(*) FROM org_nodes "
                           "WHERE active = 1 AND parent_id IN (" + in + ") GROUP BY parent_id",
                           p))
    kids[r.i64(0)] = {r.i64(1), r.i64(2)};
  std::map<int64_t, std::vector<int64_t>> tmpls;
  for (auto& r : db_.query("SELECT DISTINCT node_id, template_id FROM collection_points WHERE active = 1 AND node_id IN (" +
                               in + ")",
                           p))
    tmpls[r.i64(0)].push_back(r.i64(1));
  for (auto& n : nodes) {
    if (auto e = explicit_t.resolve(n.path, month)) {
      out[n.id] = e->value;
      continue;
    }
    bool window = n.kind == "point";
    if (!window) {
      auto k = kids.find(n.id);
      if (k != kids.end() && k->second.second > 0) window = k->second.first == k->second.second;
      else if (auto t = tmpls.find(n.id); t != tmpls.end()) {
        window = true;
        for (auto id : t->second) window = window && window_template(id);
      }
    }
    out[n.id] = window ? opts_.window_target : opts_.default_target;
  }
  return out;
}


metrics::targets::Table FeedbackService::explicit_targets() {
  // The whole series, cached for 30 s in each process (set_target clears it here at once).
  {
    std::lock_guard lk(rule_mu_);
    if (targets_cached_at_ && now_ms() - targets_cached_at_ < 30000) return targets_cache_;
  }
  auto t = metrics::targets::Table::load(db_, kRateSeries);
  std::lock_guard lk(rule_mu_);
  targets_cache_ = t;
  targets_cached_at_ = now_ms();
  return t;
}

double FeedbackService::target_for(const org::Node& n) { return targets_for({n}).at(n.id); }

double FeedbackService::followup_target_for(const org::Node& n) {
  if (auto t = metrics::targets::resolve(db_, kFollowupSeries, n.path, period::month_of(period::local_day(now_ms()))))
    return t->value;
  return opts_.default_followup_target;
}

void FeedbackService::set_target(const audit::Actor& who, const org::Node& n, std::optional<double> target,
                                 std::optional<double> followup_target) {
  if (target && !(*target > 0 && *target <= 1)) throw invalid("target", "target is a share between 0 and 1 (0.9 = 90%)");
  if (followup_target && !(*followup_target > 0 && *followup_target <= 1))
    throw invalid("followup_target", "followup_target is a share between 0 and 1");
  db_.write([&](store::Tx& tx) {
    // The node's own rate target is always written (when only the follow-up target is given,
    // the rate in force — inherited or the default — becomes the node's own).
    auto cur = metrics::targets::own(tx, n.id, kRateSeries);
    double t = target.value_or(cur ? *cur : target_for(n));
    int64_t now = now_ms();
    metrics::targets::set(tx, n.id, kRateSeries, 0, t, who.user_id, now);
    if (followup_target) metrics::targets::set(tx, n.id, kFollowupSeries, 0, *followup_target, who.user_id, now);
    {
      std::lock_guard lk(rule_mu_);
      targets_cached_at_ = 0;
    }
    audit::record(tx, who, {"feedback.target.set", "satisfaction_target", n.id, n.id, n.path,
                            cur ? fmt::format("{}", *cur) : "", fmt::format("{}", t),
                            fmt::format("满意度目标 {:.1f}%", t * 100)});
  });
}

std::vector<std::pair<std::string, std::string>> FeedbackService::dimensions(int64_t template_id) {
  if (!template_id) {
    std::lock_guard lk(rule_mu_);
    if (!dims_cache_.empty() && now_ms() - dims_cached_at_ < 30000) return dims_cache_;
  }
  std::vector<std::pair<std::string, std::string>> out;
  auto add = [&](const forms::Definition& d) {
    for (auto& dm : d.dimensions)
      if (std::none_of(out.begin(), out.end(), [&](auto& x) { return x.first == dm.code; }))
        out.emplace_back(dm.code, dm.name);
  };
  if (template_id) {
    add(*forms_.current(template_id).def);
    return out;
  }
  for (auto& t : forms_.list("survey", {}))
    if (t.current_version_id && t.owner_node_id == 0) add(*forms_.version(t.current_version_id).def);
  std::lock_guard lk(rule_mu_);
  dims_cache_ = out;
  dims_cached_at_ = now_ms();
  return out;
}

}  // namespace manyi::feedback
