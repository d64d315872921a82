// One rating, the review of suspect ratings (待审核 → 有效 / 已剔除) and the comments list.
#include "feedback/service.hpp"

#include <fmt/format.h>
#include <pthread.h>
#include <sodium.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
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

namespace manyi::feedback {
using store::Params;
using store::Value;
using namespace detail;

std::optional<Rating> FeedbackService::rating(int64_t id) {
  auto r = db_.query(
      "SELECT r.id, r.point_id, r.node_id, r.unit_id, r.staff_id, r.template_id, r.form_version_id, r.channel, r.answers, "
      "r.comment, r.phone_mask, r.status, r.flags, r.overall, r.score, r.elapsed_ms, r.created_at, r.entered_by, r.case_id, "
      "p.name, n.name, u.name, v.state, v.reason, v.reviewed_by, v.reviewed_at, r.case_pending "
      "FROM ratings r JOIN collection_points p ON p.id = r.point_id JOIN org_nodes n ON n.id = r.node_id "
      "JOIN org_nodes u ON u.id = r.unit_id LEFT JOIN rating_reviews v ON v.rating_id = r.id WHERE r.id = ?",
      {id});
  if (r.empty()) return std::nullopt;
  auto& x = r[0];
  Rating o;
  o.id = x.i64(0);
  o.point_id = x.i64(1);
  o.node_id = x.i64(2);
  o.unit_id = x.i64(3);
  o.staff_id = x.i64(4);
  o.template_id = x.i64(5);
  o.form_version_id = x.i64(6);
  o.channel = x.str(7);
  o.answers_json = x.str(8);
  o.comment = x.str(9);
  o.phone_mask = x.str(10);
  o.status = x.str(11);
  o.flags = x.str(12);
  o.overall = static_cast<int>(x.i64(13));
  if (!x.null(14)) o.score = x.f64(14);
  o.elapsed_ms = x.opt_i64(15);
  o.created_at = x.i64(16);
  o.entered_by = x.i64(17);
  o.case_id = x.i64(18);
  o.point_name = x.str(19);
  o.node_name = x.str(20);
  o.unit_name = x.str(21);
  o.review_state = x.str(22);
  o.review_reason = x.str(23);
  o.reviewed_by = x.i64(24);
  o.reviewed_at = x.i64(25);
  o.case_pending = x.i64(26) != 0;
  return o;
}

Rating FeedbackService::review(const audit::Actor& who, int64_t id, const std::string& decision, const std::string& reason) {
  if (decision != "accept" && decision != "reject") throw invalid("decision", "decision must be accept or reject");
  if (utf8_chars(reason) < 2) throw invalid("reason", "please give a reason (at least 2 characters)");
  auto before = rating(id);
  if (!before) throw not_found("rating");
  int64_t now = now_ms();
  db_.write([&](store::Tx& tx) {
    // Locked on PostgreSQL: a retroactive hold (holds.cpp) on another connection waits, then
    // finds the status changed and leaves the rollups alone (SQLite has one writer).
    auto cur = tx.query(std::string("SELECT status, node_id, template_id, day, overall, answers, form_version_id FROM "
                                    "ratings WHERE id = ?") +
                            (tx.backend() == store::Backend::postgres ? " FOR UPDATE" : ""),
                        {id});
    std::string status = cur[0].str(0);
    int64_t node = cur[0].i64(1), tmpl = cur[0].i64(2);
    int day = static_cast<int>(cur[0].i64(3)), overall = static_cast<int>(cur[0].i64(4));
    auto obs = stored_observations(cur[0].i64(6), overall, cur[0].str(5));
    auto np = org_.node(node);
    auto tree = metrics::tree_nodes(np ? np->path : "", before->unit_id);
    std::string next;
    if (decision == "accept") {
      if (status != "suspect") throw conflict("not_pending", "only a rating waiting for review can be accepted");
      next = "valid";
      metrics::apply_rollups(tx, node, tree, tmpl, day, obs, +1);
      if (overall <= 2) open_case_for(tx, id, &who);
    } else {
      if (status == "rejected") throw conflict("already_rejected", "this rating is already excluded");
      if (status == "valid") metrics::apply_rollups(tx, node, tree, tmpl, day, obs, -1);  // appeal upheld (申诉)
      next = "rejected";
    }
    // A rejected rating's case, if not opened yet, is not opened at all.
    tx.exec("UPDATE ratings SET status = ?, case_pending = 0 WHERE id = ?", {next, id});
    tx.exec("UPDATE rating_comments SET status = ? WHERE rating_id = ?", {next, id});
    std::string state = decision == "accept" ? "accepted" : "rejected";
    tx.exec("INSERT INTO rating_reviews(rating_id, node_id, unit_id, flags, state, reason, reviewed_by, reviewed_at, "
            "created_at) VALUES (?, ?, ?, 'appeal', ?, ?, ?, ?, ?) ON CONFLICT (rating_id) DO UPDATE SET "
            "state = excluded.state, reason = excluded.reason, reviewed_by = excluded.reviewed_by, "
            "reviewed_at = excluded.reviewed_at",
            {id, node, before->unit_id, state, reason, id_or_null(who.user_id), now, now});
    audit::record(tx, who, {decision == "accept" ? "feedback.rating.accept" : "feedback.rating.reject", "rating", id, node,
                            np ? np->path : "", status, next, reason});
  });
  return *rating(id);
}

namespace {
const char* kReviewFrom =
    " FROM rating_reviews v JOIN org_nodes n ON n.id = v.node_id JOIN org_nodes u ON u.id = v.unit_id "
    "JOIN ratings r ON r.id = v.rating_id ";
// The review queue's filter (rating_reviews v joined to its node n): one definition for the
// list and its count.
std::string review_where(const std::vector<std::string>& scope, const std::string& node_path, const std::string& state,
                         Params& p, int64_t episode = 0) {
  std::string where = "(" + store::subtree_condition("n.path", scope, p) + ")";
  if (episode) {
    where += " AND v.episode_id = ?";
    p.emplace_back(episode);
  }
  if (!node_path.empty()) {
    where += " AND n.path >= ? AND n.path < ?";
    p.emplace_back(node_path);
    p.emplace_back(store::subtree_upper(node_path));
  }
  if (!state.empty()) {
    where += " AND v.state = ?";
    p.emplace_back(state);
  }
  return where;
}
}  // namespace

int64_t FeedbackService::review_count(const std::vector<std::string>& scope, const std::string& node_path,
                                      const std::string& state) {
  Params p;
  std::string where = review_where(scope, node_path, state, p);
  return db_.query(std::string("SELECT COUNT(*)") + kReviewFrom + "WHERE " + where, p)[0].i64(0);
}

std::vector<ReviewRow> FeedbackService::review_queue(const std::vector<std::string>& scope, const std::string& node_path,
                                                     const std::string& state, int64_t cursor, int limit,
                                                     int64_t episode) {
  Params p;
  std::string where = review_where(scope, node_path, state, p, episode);
  if (cursor) {
    where += " AND v.rating_id < ?";
    p.emplace_back(cursor);
  }
  p.emplace_back(int64_t{limit});
  std::vector<ReviewRow> out;
  for (auto& r : db_.query(
           "SELECT v.rating_id, v.node_id, v.unit_id, v.flags, v.state, v.reason, v.created_at, v.reviewed_at, "
           "v.reviewed_by, n.name, u.name, r.overall, r.comment, r.channel, v.episode_id, v.episode_rule" +
               std::string(kReviewFrom) +
           "WHERE " + where + " ORDER BY v.rating_id DESC LIMIT ?",
           p)) {
    ReviewRow x;
    x.rating_id = r.i64(0);
    x.node_id = r.i64(1);
    x.unit_id = r.i64(2);
    x.flags = r.str(3);
    x.state = r.str(4);
    x.reason = r.str(5);
    x.created_at = r.i64(6);
    x.reviewed_at = r.i64(7);
    x.reviewed_by = r.i64(8);
    x.node_name = r.str(9);
    x.unit_name = r.str(10);
    x.overall = static_cast<int>(r.i64(11));
    x.comment = r.str(12);
    x.channel = r.str(13);
    x.episode_id = r.i64(14);
    x.episode_rule = r.str(15);
    out.push_back(std::move(x));
  }
  return out;
}

// ---------------------------------------------------------------- episodes (事件)
std::vector<EpisodeRow> FeedbackService::review_episodes(const std::vector<std::string>& scope,
                                                         const std::string& node_path, const std::string& state,
                                                         int64_t cursor, int limit) {
  Params p;
  std::string where = review_where(scope, node_path, "", p) + " AND v.episode_id IS NOT NULL";
  if (cursor) {
    where += " AND v.episode_id < ?";
    p.emplace_back(cursor);
  }
  std::string having = state == "pending" ? " HAVING SUM(CASE WHEN v.state = 'pending' THEN 1 ELSE 0 END) > 0" : "";
  p.emplace_back(int64_t{limit});
  std::vector<EpisodeRow> out;
  std::map<int64_t, size_t> at;
  for (auto& r : db_.query(
           "SELECT v.episode_id, MAX(v.episode_rule), MIN(v.created_at), MAX(v.created_at), COUNT(*), "
           "SUM(CASE WHEN v.state = 'pending' THEN 1 ELSE 0 END), SUM(CASE WHEN v.state = 'accepted' THEN 1 ELSE 0 END), "
           "SUM(CASE WHEN v.state = 'rejected' THEN 1 ELSE 0 END), SUM(CASE WHEN r.overall = 5 THEN 1 ELSE 0 END), "
           "COUNT(DISTINCT v.unit_id), COUNT(DISTINCT r.point_id)" + std::string(kReviewFrom) + "WHERE " + where +
               " GROUP BY v.episode_id" + having + " ORDER BY v.episode_id DESC LIMIT ?",
           p)) {
    EpisodeRow x;
    x.id = r.i64(0);
    x.rule = r.str(1);
    x.first_at = r.i64(2);
    x.last_at = r.i64(3);
    x.n = r.i64(4);
    x.pending = r.i64(5);
    x.accepted = r.i64(6);
    x.rejected = r.i64(7);
    x.top = r.i64(8);
    x.unit_count = r.i64(9);
    x.point_count = r.i64(10);
    at[x.id] = out.size();
    out.push_back(std::move(x));
  }
  if (out.empty()) return out;
  // The names of their units and points (a page's worth, inside the same scope).
  Params q;
  std::string w = review_where(scope, node_path, "", q), in;
  for (auto& x : out) {
    in += in.empty() ? "?" : ",?";
    q.emplace_back(x.id);
  }
  for (auto& r : db_.query("SELECT DISTINCT v.episode_id, u.name, pt.name" + std::string(kReviewFrom) +
                               "JOIN collection_points pt ON pt.id = r.point_id WHERE " + w + " AND v.episode_id IN (" +
                               in + ") ORDER BY v.episode_id, u.name, pt.name",
                           q)) {
    auto& x = out[at[r.i64(0)]];
    if (std::find(x.units.begin(), x.units.end(), r.str(1)) == x.units.end() && x.units.size() < 5)
      x.units.push_back(r.str(1));
    if (std::find(x.points.begin(), x.points.end(), r.str(2)) == x.points.end() && x.points.size() < 5)
      x.points.push_back(r.str(2));
  }
  return out;
}

EpisodeDecision FeedbackService::review_episode(const audit::Actor& who, const std::vector<std::string>& scope,
                                                int64_t episode, const std::string& decision,
                                                const std::string& reason) {
  if (decision != "accept" && decision != "reject") throw invalid("decision", "decision must be accept or reject");
  if (utf8_chars(reason) < 2) throw invalid("reason", "please give a reason (at least 2 characters)");
  EpisodeDecision out;
  out.status = decision == "accept" ? "valid" : "rejected";
  int64_t now = now_ms();
  std::vector<int64_t> to_case;
  db_.write([&](store::Tx& tx) {
    out = EpisodeDecision{0, 0, 0, out.status};
    to_case.clear();
    Params p;
    std::string where = review_where(scope, "", "", p, episode);
    // Locked on PostgreSQL like a single review: a hold or a review on another connection
    // waits, then finds the status changed.
    auto rows = tx.query(
        "SELECT r.id, r.status, r.node_id, r.template_id, r.day, r.overall, r.answers, r.form_version_id, r.unit_id, "
        "n.path, v.state, u.name" + std::string(kReviewFrom) + "WHERE " + where + " ORDER BY r.id" +
            (tx.backend() == store::Backend::postgres ? " FOR UPDATE OF r, v" : ""),
        p);
    if (rows.empty()) throw not_found("episode");
    struct Row {
      int64_t node, tmpl;
      int day;
      std::vector<int64_t> tree;
      std::vector<metrics::Observation> obs;
    };
    std::vector<Row> back;  // accepted: return to the rollups
    std::vector<int64_t> ids;
    int64_t node = 0;
    std::string path, unit;
    for (auto& r : rows) {
      // Only a rating still waiting (held and not decided) is decided here.
      if (r.str(10) != "pending" || r.str(1) != "suspect") {
        ++out.skipped;
        continue;
      }
      int64_t id = r.i64(0);
      ids.push_back(id);
      if (!node) {
        node = r.i64(2);
        path = r.str(9);
        unit = r.str(11);
      }
      if (decision == "accept") {
        int overall = static_cast<int>(r.i64(5));
        back.push_back({r.i64(2), r.i64(3), static_cast<int>(r.i64(4)), metrics::tree_nodes(r.str(9), r.i64(8)),
                        stored_observations(r.i64(7), overall, r.str(6))});
        if (overall <= 2) to_case.push_back(id);
      }
    }
    if (ids.empty()) throw conflict("not_pending", "every rating of this episode has been decided already");
    std::string state = decision == "accept" ? "accepted" : "rejected";
    for (size_t i = 0; i < ids.size(); i += 400) {
      Params q;
      std::string in;
      for (size_t k = i; k < ids.size() && k < i + 400; ++k) {
        in += in.empty() ? "?" : ",?";
        q.emplace_back(ids[k]);
      }
      Params up{out.status};
      up.insert(up.end(), q.begin(), q.end());
      tx.exec("UPDATE ratings SET status = ?, case_pending = 0 WHERE status = 'suspect' AND id IN (" + in + ")", up);
      tx.exec("UPDATE rating_comments SET status = ? WHERE rating_id IN (" + in + ")", up);
      Params rv{state, reason, id_or_null(who.user_id), now};
      rv.insert(rv.end(), q.begin(), q.end());
      tx.exec("UPDATE rating_reviews SET state = ?, reason = ?, reviewed_by = ?, reviewed_at = ? "
              "WHERE state = 'pending' AND rating_id IN (" + in + ")",
              rv);
    }
    if (!back.empty()) {
      std::vector<metrics::RollupInput> in;
      for (auto& b : back) in.push_back({b.node, &b.tree, b.tmpl, b.day, &b.obs, +1});
      metrics::apply_rollups_batch(tx, in);
    }
    for (int64_t id : to_case)
      if (open_case_for(tx, id, &who)) ++out.cases;
    out.decided = static_cast<int64_t>(ids.size());
    audit::record(tx, who,
                  {decision == "accept" ? "feedback.episode.accept" : "feedback.episode.reject", "rating_episode", episode,
                   node, path, "", "",
                   fmt::format("{} · {} 条评价{}（{}）", unit, out.decided,
                               decision == "accept" ? "全部通过" : "全部驳回", reason)});
  });
  return out;
}

std::vector<CommentRow> FeedbackService::comments(const CommentFilter& f) {
  Params p;
  std::string where = "(" + store::subtree_condition("n.path", f.scope, p) + ")";
  if (!f.node_path.empty()) {
    where += " AND n.path >= ? AND n.path < ?";
    p.emplace_back(f.node_path);
    p.emplace_back(store::subtree_upper(f.node_path));
  }
  if (f.unit_id) {
    where += " AND c.unit_id = ?";
    p.emplace_back(f.unit_id);
  }
  if (f.cursor) {
    where += " AND c.rating_id < ?";
    p.emplace_back(f.cursor);
  }
  if (f.from_ms) {
    where += " AND c.rating_id >= ?";
    p.emplace_back(id_floor(f.from_ms));
  }
  if (f.to_ms) {
    where += " AND c.rating_id < ?";
    p.emplace_back(id_floor(f.to_ms));
  }
  if (!f.overall.empty()) {
    where += " AND c.overall IN (";
    for (size_t i = 0; i < f.overall.size(); ++i) {
      where += i ? ",?" : "?";
      p.emplace_back(int64_t{f.overall[i]});
    }
    where += ")";
  }
  if (!f.channel.empty()) {
    where += " AND c.channel = ?";
    p.emplace_back(f.channel);
  }
  if (!f.status.empty()) {
    where += " AND c.status = ?";
    p.emplace_back(f.status);
  }
  if (!f.q.empty()) {
    where += " AND c.comment LIKE ? ESCAPE '\\'";
    p.emplace_back(store::contains_pattern(f.q));
  }
  p.emplace_back(int64_t{f.limit});
  std::vector<CommentRow> out;
  out.reserve(static_cast<size_t>(f.limit));
  for (auto& r : db_.query("SELECT c.rating_id, c.node_id, c.unit_id, c.overall, c.channel, c.status, c.comment, "
                           "c.phone_mask, n.name, u.name FROM rating_comments c JOIN org_nodes n ON n.id = c.node_id "
                           "JOIN org_nodes u ON u.id = c.unit_id WHERE " + where + " ORDER BY c.rating_id DESC LIMIT ?",
                           p)) {
    CommentRow x;
    x.rating_id = r.i64(0);
    x.node_id = r.i64(1);
    x.unit_id = r.i64(2);
    x.overall = static_cast<int>(r.i64(3));
    x.channel = r.str(4);
    x.status = r.str(5);
    x.comment = r.str(6);
    x.phone_mask = r.str(7);
    x.node_name = r.str(8);
    x.unit_name = r.str(9);
    out.push_back(std::move(x));
  }
  return out;
}

// ---------------------------------------------------------------- figures and targets
int FeedbackService::satisfied_min(int64_t template_id) {
  {
    std::lock_guard lk(rule_mu_);
    auto it = rules_.find(template_id);
    if (it != rules_.end()) return it->second;
  }
  int v = 4;
  try {
    v = forms_.current(template_id).def->satisfied_min;
  } catch (const std::exception&) {
  }
  std::lock_guard lk(rule_mu_);
  if (rules_.size() > 10000) rules_.clear();
  rules_[template_id] = v;
  return v;
}

}  // namespace manyi::feedback
