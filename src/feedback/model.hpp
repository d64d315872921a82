// Feedback plain types: collection points (采集点), ratings and their review, comment lists.
#pragma once
#include <exception>
#include <functional>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "forms/model.hpp"

namespace manyi::feedback {

// Channels a rating can come through. Public: qr, web. Console-entered: the rest.
inline const std::vector<std::string> kPublicChannels = {"qr", "web"};
inline const std::vector<std::string> kConsoleChannels = {"kiosk", "opinion_box", "followup", "phone"};
std::string channel_label(const std::string& channel);  // 扫码评价, 意见箱 …
std::string status_label(const std::string& status);    // 有效, 待审核, 已剔除
std::string level_label(int level);                      // 1 -> 非常不满意 …

struct Point {
  int64_t id = 0, node_id = 0, unit_id = 0, staff_id = 0, template_id = 0;
  std::string code, name, node_name, node_code, node_kind, node_path, unit_name, staff_name, template_name;
  std::string staff_title, staff_no;    // 职称 and 工号 of a staff member's point (posters)
  int template_version = 0;             // the template's current published version (v3)
  bool active = true;
  int64_t created_at = 0;
};

// What intake needs about a point, cached in memory.
struct PointInfo {
  Point point;
  std::vector<int64_t> tree;            // the unit and its ancestors (tree rollups)
  int64_t version_id = 0;
  std::shared_ptr<const forms::Definition> def;
  int64_t loaded_at = 0;
};

struct NewRating {
  std::string point_code;
  int64_t point_id = 0;                 // console entry may name the point by id
  int overall = 0;                      // 1..5
  forms::Answers answers;
  std::string comment, phone, device, channel = "qr";
  std::string ip;
  std::optional<int64_t> elapsed_ms;    // client-measured
  std::string ticket;                   // server-issued when the page loaded
  int64_t entered_by = 0;               // console user, 0 = public
  std::string entered_by_name;
  int64_t at_ms = 0;                    // 0 = now
  std::string form_no;                  // 纸质表单编号 (console entry of paper forms), unique per point
};

struct Submitted {
  int64_t id = 0;
  std::string status;                   // valid | suspect
  std::vector<std::string> flags;
  int64_t case_id = 0;
};

// What a public rater's receipt tells about the rating's bad-review case: state pending (the
// case opener has not opened it yet), ready (tracking_code is its 查询码) or none (no case for
// the rater to track: not a bad review, no phone number left, suspect or rejected).
struct ReceiptCase {
  std::string state;
  std::string tracking_code;
};

// Called once a queued rating is committed (e null) or failed.
using SubmitDone = std::function<void(const Submitted&, std::exception_ptr e)>;

struct Rating {
  int64_t id = 0, point_id = 0, node_id = 0, unit_id = 0, staff_id = 0, template_id = 0, form_version_id = 0;
  std::string channel, answers_json, comment, phone_mask, status, flags, point_name, node_name, unit_name;
  int overall = 0;
  std::optional<double> score;
  std::optional<int64_t> elapsed_ms;
  int64_t created_at = 0, entered_by = 0, case_id = 0;
  bool case_pending = false;  // its bad-review case is being opened (right after the rating)
  std::string review_state, review_reason;
  int64_t reviewed_by = 0, reviewed_at = 0;
};

struct CommentFilter {
  std::vector<std::string> scope;       // subtree paths the caller may read
  std::string node_path;                // optional narrower subtree
  int64_t unit_id = 0;                  // set when node_path is inside one institution (index)
  int64_t from_ms = 0, to_ms = 0;       // [from, to)
  std::vector<int> overall;             // score filter; empty = all
  std::string channel, status, q;
  int64_t cursor = 0;                   // rating id to continue below
  int limit = 50;
};

struct CommentRow {
  int64_t rating_id = 0, node_id = 0, unit_id = 0;
  int overall = 0;
  std::string channel, status, comment, phone_mask, node_name, unit_name;
};

struct ReviewRow {
  int64_t rating_id = 0, node_id = 0, unit_id = 0;
  std::string flags, state, reason, node_name, unit_name, comment, channel;
  int overall = 0;
  int64_t created_at = 0, reviewed_at = 0, reviewed_by = 0;
  int64_t episode_id = 0;  // the burst it was held in (0: none)
  std::string episode_rule;
};

// One episode (事件) of the review queue: the held ratings of one burst inside the reader's
// scope (feedback/integrity.hpp Episode).
struct EpisodeRow {
  int64_t id = 0;
  std::string rule;
  int64_t first_at = 0, last_at = 0;  // the first and last rating held in it
  int64_t n = 0, pending = 0, accepted = 0, rejected = 0, top = 0;  // top: rated 非常满意
  std::vector<std::string> units, points;  // names, at most a few
  int64_t unit_count = 0, point_count = 0;
};

// What deciding an episode did: ratings decided, and those left alone (decided before).
struct EpisodeDecision {
  int64_t decided = 0, skipped = 0, cases = 0;
  std::string status;  // valid | rejected
};

}  // namespace manyi::feedback
