// The case tables in one place: the row <-> struct mapping, history entries, notices, and the
// org lookups a case needs (its institution, owner and the unit above).
#include <fmt/format.h>

#include <set>

#include "cases/internal.hpp"
#include "cases/workflow.hpp"
#include "core/clock.hpp"
#include "core/id.hpp"
#include "org/service.hpp"
#include "workflow/notice.hpp"

namespace manyi::cases::detail {
namespace {
using store::id_or_null;
template <class T>
Value opt(const std::optional<T>& v) {
  return v ? Value(*v) : Value(nullptr);
}
}  // namespace

// ---- the case row <-> struct, in one place ----
const std::vector<std::string> kColumns = {"id",
                                           "tracking_code",
                                           "type",
                                           "channel",
                                           "status",
                                           "node_id",
                                           "node_path",
                                           "unit_id",
                                           "owner_node_id",
                                           "owner_path",
                                           "prev_owner_node_id",
                                           "transfer_to_node_id",
                                           "transfer_to_path",
                                           "transfer_note",
                                           "assignee_id",
                                           "category",
                                           "sensitive",
                                           "multi_dept",
                                           "content",
                                           "complainant_enc",
                                           "complainant_mask",
                                           "phone_mask",
                                           "phone_hash",
                                           "source_rating_id",
                                           "registered_by",
                                           "received_at",
                                           "sla_days",
                                           "warn_at",
                                           "deadline_at",
                                           "supervise_at",
                                           "paused_at",
                                           "level",
                                           "next_check_at",
                                           "ext_days",
                                           "ext_reason",
                                           "ext_by",
                                           "extended_days",
                                           "reply",
                                           "outcome",
                                           "measures",
                                           "needs_rectification",
                                           "replied_at",
                                           "late",
                                           "callback_result",
                                           "callback_at",
                                           "reopen_count",
                                           "merged_into",
                                           "closed_at",
                                           "created_at",
                                           "updated_at",
                                           "reopened_at",
                                           "first_replied_at",
                                           "first_late"};

std::string select_list(const std::string& alias) {
  std::string out;
  for (auto& c : kColumns) out += (out.empty() ? "" : ", ") + alias + "." + c;
  return out;
}


Params to_params(const Case& c) {
  return {c.id,
          c.tracking_code,
          c.type,
          c.channel,
          c.status,
          c.node_id,
          c.node_path,
          c.unit_id,
          c.owner_node_id,
          c.owner_path,
          id_or_null(c.prev_owner_node_id),
          id_or_null(c.transfer_to_node_id),
          c.transfer_to_path.empty() ? Value(nullptr) : Value(c.transfer_to_path),
          c.transfer_note,
          id_or_null(c.assignee_id),
          c.category,
          int64_t{c.sensitive},
          int64_t{c.multi_dept},
          c.content,
          c.complainant_enc.empty() ? Value(nullptr) : Value(store::Blob{c.complainant_enc}),
          c.complainant_mask,
          c.phone_mask,
          c.phone_hash,
          id_or_null(c.source_rating_id),
          id_or_null(c.registered_by),
          c.received_at,
          int64_t{c.sla_days},
          c.warn_at,
          c.deadline_at,
          c.supervise_at,
          opt(c.paused_at),
          int64_t{c.level},
          opt(c.next_check_at),
          opt(c.ext_days),
          c.ext_reason,
          id_or_null(c.ext_by),
          int64_t{c.extended_days},
          c.reply,
          c.outcome,
          c.measures,
          int64_t{c.needs_rectification},
          opt(c.replied_at),
          int64_t{c.late},
          c.callback_result,
          opt(c.callback_at),
          int64_t{c.reopen_count},
          id_or_null(c.merged_into),
          opt(c.closed_at),
          c.created_at,
          c.updated_at,
          opt(c.reopened_at),
          opt(c.first_replied_at),
          int64_t{c.first_late}};
}

Case from_row(const Row& r, size_t extra) {
  Case c;
  size_t i = 0;
  c.id = r.i64(i++);
  c.tracking_code = r.str(i++);
  c.type = r.str(i++);
  c.channel = r.str(i++);
  c.status = r.str(i++);
  c.node_id = r.i64(i++);
  c.node_path = r.str(i++);
  c.unit_id = r.i64(i++);
  c.owner_node_id = r.i64(i++);
  c.owner_path = r.str(i++);
  c.prev_owner_node_id = r.i64(i++);
  c.transfer_to_node_id = r.i64(i++);
  c.transfer_to_path = r.str(i++);
  c.transfer_note = r.str(i++);
  c.assignee_id = r.i64(i++);
  c.category = r.str(i++);
  c.sensitive = r.i64(i++) != 0;
  c.multi_dept = r.i64(i++) != 0;
  c.content = r.str(i++);
  c.complainant_enc = r.str(i++);
  c.complainant_mask = r.str(i++);
  c.phone_mask = r.str(i++);
  c.phone_hash = r.str(i++);
  c.source_rating_id = r.i64(i++);
  c.registered_by = r.i64(i++);
  c.received_at = r.i64(i++);
  c.sla_days = static_cast<int>(r.i64(i++));
  c.warn_at = r.i64(i++);
  c.deadline_at = r.i64(i++);
  c.supervise_at = r.i64(i++);
  c.paused_at = r.opt_i64(i++);
  c.level = static_cast<int>(r.i64(i++));
  c.next_check_at = r.opt_i64(i++);
  if (auto v = r.opt_i64(i++)) c.ext_days = static_cast<int>(*v);
  c.ext_reason = r.str(i++);
  c.ext_by = r.i64(i++);
  c.extended_days = static_cast<int>(r.i64(i++));
  c.reply = r.str(i++);
  c.outcome = r.str(i++);
  c.measures = r.str(i++);
  c.needs_rectification = r.i64(i++) != 0;
  c.replied_at = r.opt_i64(i++);
  c.late = r.i64(i++) != 0;
  c.callback_result = r.str(i++);
  c.callback_at = r.opt_i64(i++);
  c.reopen_count = static_cast<int>(r.i64(i++));
  c.merged_into = r.i64(i++);
  c.closed_at = r.opt_i64(i++);
  c.created_at = r.i64(i++);
  c.updated_at = r.i64(i++);
  c.reopened_at = r.opt_i64(i++);
  c.first_replied_at = r.opt_i64(i++);
  c.first_late = r.i64(i++) != 0;
  if (extra >= 4) {
    c.node_name = r.str(i++);
    c.owner_name = r.str(i++);
    c.transfer_to_name = r.str(i++);
    c.assignee_name = r.str(i++);
  }
  return c;
}

// The case with display names joined in.
std::string select_named() {
  return "SELECT " + select_list("c") +
         ", n.name, o.name, COALESCE(t.name, ''), COALESCE(u.display_name, '') FROM cases c "
         "JOIN org_nodes n ON n.id = c.node_id JOIN org_nodes o ON o.id = c.owner_node_id "
         "LEFT JOIN org_nodes t ON t.id = c.transfer_to_node_id LEFT JOIN users u ON u.id = c.assignee_id ";
}

void insert_case(Tx& tx, const Case& c) {
  std::string cols, qs;
  for (auto& col : kColumns) {
    cols += (cols.empty() ? "" : ", ") + col;
    qs += qs.empty() ? "?" : ", ?";
  }
  tx.exec_deferred("INSERT INTO cases(" + cols + ") VALUES (" + qs + ")", to_params(c));
}

void save_case(Tx& tx, const Case& c) {
  static const std::string sql = [] {
    std::string set;
    for (size_t i = 1; i < kColumns.size(); ++i) set += (i > 1 ? ", " : "") + kColumns[i] + " = ?";
    return "UPDATE cases SET " + set + " WHERE id = ?";
  }();
  auto p = to_params(c);
  p.push_back(p.front());
  p.erase(p.begin());
  tx.exec_deferred(sql, p);
}

std::optional<Case> load_for_update(Tx& tx, int64_t id) {
  std::string sql = "SELECT " + select_list("c") + " FROM cases c WHERE c.id = ?";
  if (tx.backend() == store::Backend::postgres) sql += " FOR UPDATE";
  auto r = tx.query(sql, {id});
  if (r.empty()) return std::nullopt;
  return from_row(r[0]);
}

void add_event(Tx& tx, int64_t case_id, const audit::Actor& who, const std::string& actor_name,
               const std::string& action, const std::string& status, int64_t node_id, const std::string& note,
               bool is_public, int64_t event_id) {
  timeline().append(tx, case_id, who, actor_name, action, status, node_id, note, is_public, event_id);
}

// The in-app inbox of a node; supervision, rectification and reopening also leave the system
// through the outbox (webhook / email) — once per event (`outbound`). Escalation steps are posted
// by the ladder (cases/workflow.cpp).
void notify(Tx& tx, int64_t node_id, const std::string& kind, const std::string& title, const std::string& body,
            int64_t case_id, bool outbound) {
  static const std::set<std::string> kOutbound = {"case.supervise", "case.rectification", "case.reopened"};
  workflow::post(tx, {node_id, kind, title, body, fmt::format("/cases/{}", case_id), outbound && kOutbound.count(kind) > 0});
}

Lineage lineage(Tx& tx, const NodeInfo& n, int64_t owner_id) {
  auto ids = n.path.ids();
  if (owner_id) ids.push_back(owner_id);
  Lineage out;
  out.unit_id = n.id;
  size_t unit_depth = 0;
  for (auto& x : org::nodes_at(tx, ids)) {
    if (x.id == owner_id) out.owner = x;
    if (x.kind == "institution" && n.path.within(x.path) && x.path.str().size() > unit_depth) {
      out.unit_id = x.id;
      unit_depth = x.path.str().size();
    }
  }
  return out;
}

}  // namespace manyi::cases::detail
