// The actions on a case (受理, 指派, 转办, 退回, 暂停, 延期, 答复, 回访, 办结, 督办 …), each one
// transaction through CaseService::mutate and the case's state machine (cases/workflow.cpp);
// attachments; and the escalation scan.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "cases/internal.hpp"
#include "cases/public_text.hpp"
#include "cases/service.hpp"
#include "cases/workflow.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/id.hpp"
#include "core/period.hpp"
#include "metrics/series.hpp"
#include "org/roles.hpp"
#include "store/claim.hpp"
#include "workflow/calendar_store.hpp"
#include "workflow/extension.hpp"

namespace manyi::cases {
using namespace detail;

struct CaseService::Change {
  std::string note;        // history note
  bool is_public = false;  // shown on the tracking page
  int64_t node_id = 0;     // node involved (transfer target, escalation target)
  std::string detail;      // audit summary
  int64_t event_id = 0;    // id of the history entry this change appends (set before the change runs)
};

namespace {
// A closed case counts in series cases.on_time (metrics/series.hpp) for its unit on the day it
// closed: 1 of 1 when its answer was in time, 0 of 1 when late. Closed is final, so each case
// counts once.
void count_closure(Tx& tx, const Case& c) {
  int64_t node = c.unit_id ? c.unit_id : c.node_id;
  std::string path = c.unit_id ? org::Path(c.node_path).upto(c.unit_id).str() : c.node_path;
  if (!node || path.empty()) return;
  metrics::series::add(tx, {node, path}, "cases.on_time", period::local_day(c.closed_at.value_or(now_ms())),
                       {1, 0, c.late ? 0 : 1, 1});
}
}  // namespace

Case CaseService::mutate(const Who& who, int64_t id, const char* action,
                         const std::function<void(Tx&, Case&, Change&)>& fn) {
  db_.write([&](Tx& tx) {
    auto c = load_for_update(tx, id);
    if (!c || !visible(who, *c)) throw not_found("case");
    std::string before = fmt::format("{}|{}|{}", c->status, c->owner_node_id, c->level);
    Change ch;
    ch.event_id = new_id();
    bool was_closed = c->status == "closed";
    fn(tx, *c, ch);
    if (c->status == "closed" && !was_closed) count_closure(tx, *c);
    c->updated_at = now_ms();
    set_next_check(*c);
    save_case(tx, *c);
    add_event(tx, c->id, who.actor, who.name, action, c->status, ch.node_id, ch.note, ch.is_public, ch.event_id);
    audit::record(tx, who.actor,
                  {std::string("case.") + action, "case", c->id, c->owner_node_id, c->owner_path, before,
                   fmt::format("{}|{}|{}", c->status, c->owner_node_id, c->level),
                   ch.detail.empty() ? c->tracking_code : ch.detail});
  });
  return *find(id);
}

namespace {
void need(const Who& who, const char* perm, const std::string& path) {
  if (!who.may(perm, path)) throw forbidden(fmt::format("you may not do this on this case ({})", perm));
}
// An action of the case's state machine (cases/workflow.cpp): its permission on `path`, then
// the state.
void take(const Who& who, const char* action, const Case& c, const std::string& path) {
  machine().check(action, c.status, [&](const std::string& perm) { return who.may(perm, path); });
}
}  // namespace

Case CaseService::accept(const Who& who, int64_t id, std::optional<bool> multi_dept) {
  return mutate(who, id, "accept", [&](Tx& tx, Case& c, Change& ch) {
    take(who, "accept", c, c.owner_path);
    c.require_no_transfer();
    c.status = "processing";
    if (!c.assignee_id) c.assignee_id = who.actor.user_id;
    if (multi_dept && *multi_dept != c.multi_dept) {
      Sla s = sla(tx, c.type);
      c.multi_dept = *multi_dept;
      c.sla_days = c.multi_dept ? s.multi_days : s.reply_days;
      schedule_period(c, s, workflow::load_calendar(tx));
      c.level = std::min(c.level, clock_of(c).level_at(now_ms()));
    }
    ch.note = "已受理";
    ch.is_public = true;
  });
}

std::vector<std::string> CaseService::assignee_perms(const Case& c) {
  if (c.sensitive) return {"case.handle", "case.sensitive"};
  return {"case.handle"};
}

Case CaseService::assign(const Who& who, int64_t id, int64_t user_id) {
  return mutate(who, id, "assign", [&](Tx& tx, Case& c, Change& ch) {
    take(who, "assign", c, c.owner_path);
    auto h = org::holder_on(tx, user_id, assignee_perms(c), org::Path(c.owner_path));
    if (!h.holds) throw invalid("user_id", "this user cannot handle cases of the owning unit");
    c.assignee_id = user_id;
    ch.note = "指派给 " + h.display_name;
  });
}

Case CaseService::transfer(const Who& who, int64_t id, int64_t to_node_id, const std::string& note) {
  machine().check_note("transfer", note);
  return mutate(who, id, "transfer", [&](Tx& tx, Case& c, Change& ch) {
    take(who, "transfer", c, c.owner_path);
    c.require_no_transfer();
    auto to = org::node_at(tx, to_node_id);
    if (!to) throw invalid("to_node_id", "the target node does not exist");
    if (!to->active) throw invalid("to_node_id", "the target node is no longer active");
    if (to->id == c.owner_node_id) throw invalid("to_node_id", "the case is already with this node");
    if (!who.may("case.dispatch", to->path.str())) throw forbidden("the target node is outside your dispatch scope");
    if (c.sensitive) {
      // Hidden from the department concerned: the first node below the institution on the path.
      auto dept_path = org::Path(c.node_path).child_below(org::Path(c.node_path).upto(c.unit_id));
      if (!dept_path.empty() && to->path.within(dept_path))
        throw invalid("to_node_id", "an integrity case may not go to the department concerned");
    }
    c.offer(to->id, to->path.str(), note);
    ch.node_id = to->id;
    ch.note = note.empty() ? "转办至 " + to->name : "转办至 " + to->name + "：" + note;
    ch.detail = "转至" + to->name;
    notify(tx, to->id, "case.transfer", fmt::format("待接收转办：{}", zh(types(), c.type)), note, c.id);
  });
}

Case CaseService::accept_transfer(const Who& who, int64_t id) {
  return mutate(who, id, "transfer_accept", [&](Tx&, Case& c, Change& ch) {
    c.require_transfer();
    need(who, "case.handle", c.transfer_to_path);
    c.accept_transfer(who.actor.user_id);
    c.status = "processing";
    ch.node_id = c.owner_node_id;
    ch.note = "已接收转办";
    ch.is_public = true;
  });
}

Case CaseService::decline_transfer(const Who& who, int64_t id, const std::string& reason) {
  machine().check_note("transfer_decline", reason);
  return mutate(who, id, "transfer_decline", [&](Tx& tx, Case& c, Change& ch) {
    c.require_transfer();
    need(who, "case.handle", c.transfer_to_path);
    ch.node_id = c.decline_transfer();
    ch.note = "退回转办：" + reason;
    notify(tx, c.owner_node_id, "case.transfer_declined", "转办被退回", reason, c.id);
  });
}

Case CaseService::send_back(const Who& who, int64_t id, const std::string& reason) {
  machine().check_note("return", reason);
  return mutate(who, id, "return", [&](Tx& tx, Case& c, Change& ch) {
    take(who, "return", c, c.owner_path);
    c.require_no_transfer();
    int64_t back = c.return_target(org::Path(c.owner_path).parent_id());
    if (!back) throw conflict("nowhere_to_return", "there is no unit above to return this case to");
    auto n = org::node_at(tx, back);
    if (!n) throw conflict("nowhere_to_return", "the previous owner no longer exists");
    c.hand_back(n->id, n->path.str());
    c.status = "pending";
    ch.node_id = n->id;
    ch.note = "退回（分办有误）：" + reason;
    notify(tx, n->id, "case.returned", fmt::format("案件被退回：{}", zh(types(), c.type)), reason, c.id);
  });
}

Case CaseService::merge(const Who& who, int64_t id, int64_t into_id) {
  if (id == into_id) throw invalid("into_id", "a case cannot be merged into itself");
  return mutate(who, id, "merge", [&](Tx& tx, Case& c, Change& ch) {
    take(who, "merge", c, c.owner_path);
    c.require_no_transfer();
    auto target = load_for_update(tx, into_id);
    if (!target || !visible(who, *target)) throw invalid("into_id", "the target case does not exist");
    if (!who.may("case.dispatch", target->owner_path)) throw forbidden("the target case is outside your scope");
    if (target->status == "merged" || target->status == "rejected")
      throw invalid("into_id", "the target case is itself merged or rejected");
    c.status = "merged";
    c.merged_into = target->id;
    c.closed_at = now_ms();
    ch.node_id = target->owner_node_id;
    ch.note = "与重复案件合并办理";
    ch.detail = c.tracking_code + " 并入 " + target->tracking_code;
    ch.is_public = true;
    add_event(tx, target->id, who.actor, who.name, "merge_in", target->status, 0, "合并了重复案件 " + c.tracking_code,
              false);
  });
}

Case CaseService::reject(const Who& who, int64_t id, const std::string& reason) {
  machine().check_note("reject", reason);
  return mutate(who, id, "reject", [&](Tx&, Case& c, Change& ch) {
    take(who, "reject", c, c.owner_path);
    c.status = "rejected";
    c.cancel_transfer();
    c.closed_at = now_ms();
    ch.note = "不予受理：" + reason;
    ch.is_public = true;
  });
}

Case CaseService::pause(const Who& who, int64_t id, const std::string& reason) {
  machine().check_note("pause", reason);
  return mutate(who, id, "pause", [&](Tx&, Case& c, Change& ch) {
    take(who, "pause", c, c.owner_path);
    c.status = "waiting";
    auto k = clock_of(c);
    k.pause(now_ms());
    put_clock(c, k);
    ch.note = "暂停计时，等待补充材料：" + reason;
    ch.is_public = true;
  });
}

Case CaseService::resume(const Who& who, int64_t id) {
  return mutate(who, id, "resume", [&](Tx& tx, Case& c, Change& ch) {
    take(who, "resume", c, c.owner_path);
    auto cal = workflow::load_calendar(tx);
    int64_t now = now_ms();
    auto k = clock_of(c);
    // Deadlines in working days move by the counting working days the pause touched (see
    // Calendar::extend_for_pause): not the day the period began, nor a day an earlier pause of
    // this period already took (the day it was resumed).
    calendar::Day first = calendar::day_of(k.started_at) + 1;
    auto last = store::scalar_i64(tx.query(
        "SELECT MAX(at) FROM case_events WHERE case_id = ? AND action = 'resume' AND at > ?", {c.id, k.started_at}));
    if (last && *last > 0) first = std::max(first, calendar::day_of(*last - 1) + 1);
    c.status = "processing";
    k.resume(now, first, cal);
    put_clock(c, k);
    ch.note = "恢复办理";
    ch.is_public = true;
  });
}

Case CaseService::request_extension(const Who& who, int64_t id, int days, const std::string& reason) {
  machine().check_note("extension_request", reason);
  if (days < 1 || days > 30) throw invalid("days", "an extension is 1 to 30 working days");
  return mutate(who, id, "extension_request", [&](Tx& tx, Case& c, Change& ch) {
    take(who, "extension_request", c, c.owner_path);
    workflow::check_extension_request(c.ext_days.has_value(), now_ms(), c.deadline_at);
    c.ext_days = days;
    c.ext_reason = reason;
    c.ext_by = who.actor.user_id;
    ch.note = fmt::format("申请延期 {} 个工作日：{}", days, reason);
    int64_t approver = org::Path(c.owner_path).parent_id();
    notify(tx, approver ? approver : c.owner_node_id, "case.extension", "延期申请待审批", ch.note, c.id);
  });
}

Case CaseService::decide_extension(const Who& who, int64_t id, bool approve, const std::string& note) {
  machine().check_note("extension_decide", note);
  return mutate(who, id, approve ? "extension_approve" : "extension_deny", [&](Tx& tx, Case& c, Change& ch) {
    workflow::require_extension(c.ext_days.has_value());
    // Decided one level up: dispatchers above the owning node (the bureau for a root owner).
    auto above = org::Path(c.owner_path).parent().str();
    if (!(above.empty() ? who.may("case.supervise", c.owner_path) : who.may("case.dispatch", above)))
      throw forbidden("an extension is approved by the unit above the one handling the case");
    workflow::check_not_own_extension(c.ext_by, who.actor.user_id);
    int days = *c.ext_days;
    c.ext_days.reset();
    c.ext_reason.clear();
    c.ext_by = 0;
    if (approve) {
      auto k = clock_of(c);
      k.extend(days, limit_of(c, sla(tx, c.type)), workflow::load_calendar(tx), now_ms());
      put_clock(c, k);
      c.extended_days += days;
      ch.note = fmt::format("同意延期 {} 个工作日", days) + (note.empty() ? "" : "：" + note);
      ch.is_public = true;
    } else {
      ch.note = "不同意延期" + (note.empty() ? "" : "：" + note);
    }
    notify(tx, c.owner_node_id, "case.extension_decided", approve ? "延期申请已批准" : "延期申请未批准", note, c.id);
  });
}

// The finding of a case (on reply, or on closing): the outcome must be known, responsible
// staff and rectification follow only a substantiated finding. c.outcome is already the
// finding in force.
void CaseService::record_finding(Tx& tx, Case& c, const ReplyInput& in) {
  if (!c.outcome.empty()) {
    auto all = codes(outcomes());
    if (std::find(all.begin(), all.end(), c.outcome) == all.end()) throw invalid("outcome", "unknown outcome");
  }
  bool substantiated = c.outcome == "substantiated" || c.outcome == "partly";
  if (!in.responsible_staff.empty() && !substantiated)
    throw invalid("responsible_staff_ids", "responsible staff are named only when the case is substantiated");
  for (auto sid : in.responsible_staff) {
    auto r = tx.query("SELECT unit_id FROM staff WHERE id = ?", {sid});
    if (r.empty() || r[0].i64(0) != c.unit_id)
      throw invalid("responsible_staff_ids", "staff " + std::to_string(sid) + " is not in this institution");
    tx.exec(
        "INSERT INTO case_staff(staff_id, case_id, outcome, at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (staff_id, case_id) DO UPDATE SET outcome = excluded.outcome, at = excluded.at",
        {sid, c.id, c.outcome, now_ms()});
  }
  if (in.needs_rectification && !substantiated)
    throw invalid("needs_rectification", "rectification follows a substantiated (属实 / 部分属实) finding");
  if (in.needs_rectification && !c.needs_rectification) {
    // Once per case (a reopened case answered again does not open a second item).
    c.needs_rectification = true;
    notify(tx, c.unit_id, "case.rectification", "需整改", "投诉查实，需要整改：" + c.tracking_code, c.id);
    for (auto& h : rectification_hooks_) h(tx, c);
  }
}

Case CaseService::reply(const Who& who, int64_t id, const ReplyInput& in) {
  machine().check_note("reply", in.reply);
  text(in.measures, "measures", 2000, false);
  return mutate(who, id, "reply", [&](Tx& tx, Case& c, Change& ch) {
    take(who, "reply", c, c.owner_path);
    c.require_no_transfer();
    if (in.outcome.empty() && types_need_outcome(c.type))
      throw invalid("outcome", "the finding (属实 / 部分属实 / 不属实) is required");
    if (!in.category.empty() && in.category != c.category) {
      auto cat = config_of(tx)->category(in.category);
      if (!cat || !cat->active) throw invalid("category", "unknown category: " + in.category);
      c.category = cat->code;
      if (cat->sensitive && !c.sensitive) {
        c.sensitive = true;  // reclassified as an integrity matter: lift it to the institution
        auto unit_path = org::Path(c.node_path).upto(c.unit_id);
        if (!unit_path.empty() && c.owner_path.size() > unit_path.str().size()) {
          c.owner_node_id = c.unit_id;
          c.owner_path = unit_path.str();
        }
      }
    }
    c.reply = in.reply;
    c.outcome = in.outcome;
    c.measures = in.measures;
    record_finding(tx, c, in);
    int64_t now = now_ms();
    c.replied_at = now;
    c.late = now > c.deadline_at;
    if (!c.first_replied_at) {
      c.first_replied_at = now;
      c.first_late = c.late;
    }
    if (!c.assignee_id) c.assignee_id = who.actor.user_id;
    Sla s = sla(tx, c.type);
    if (s.needs_callback) {
      c.status = "replied";
    } else {
      c.status = "closed";
      c.closed_at = now;
    }
    ch.note = in.reply;
    ch.is_public = true;
    ch.detail = c.tracking_code + (in.outcome.empty() ? "" : " " + zh(outcomes(), in.outcome)) + (c.late ? " 超期" : "");
  });
}

namespace {
// A callback (回访 by staff, or the complainant's own rating). 不满意 reopens the case (重办):
// the reopening is its own history entry with its own deadline, counted from now; the receipt
// time and the first answer stay as they were.
void apply_callback(Tx& tx, CaseService& svc, Case& c, const std::string& result, const std::string& note,
                    std::string& event_note, const Who& who) {
  auto all = codes(callback_results());
  if (std::find(all.begin(), all.end(), result) == all.end())
    throw invalid("result", "result must be satisfied, basically_satisfied or unsatisfied");
  if (!machine().allows("callback", c.status)) machine().refuse(c.status);
  int64_t now = now_ms();
  c.callback_result = result;
  c.callback_at = now;
  event_note = "回访：" + zh(callback_results(), result) + remark(note);
  if (result != "unsatisfied") {
    c.status = "closed";
    c.closed_at = now;
    return;
  }
  Sla s = svc.sla(tx, c.type);
  c.status = "processing";
  c.reopen_count += 1;
  c.reopened_at = now;
  c.replied_at.reset();
  c.late = false;
  schedule_period(c, s, workflow::load_calendar(tx));
  c.level = 0;
  add_event(tx, c.id, who.actor, who.name, "reopen", c.status, c.owner_node_id,
            fmt::format("重新办理，答复期限 {}", calendar::format_date(calendar::day_of(c.deadline_at))), true);
  notify(tx, c.owner_node_id, "case.reopened", fmt::format("案件重办：{}", zh(types(), c.type)), note, c.id);
}
}  // namespace

Case CaseService::callback(const Who& who, int64_t id, const std::string& result, const std::string& note) {
  machine().check_note("callback", note);
  return mutate(who, id, "callback", [&](Tx& tx, Case& c, Change& ch) {
    need(who, "case.handle", c.owner_path);
    apply_callback(tx, *this, c, result, note, ch.note, who);
    ch.is_public = true;
  });
}

Case CaseService::public_callback(const std::string& code, const std::string& phone_last4, const std::string& result,
                                  const std::string& note, const std::string& ip) {
  text(note, "comment", 500, false);
  auto c = track(code, phone_last4);
  if (!c) throw not_found("case");
  Who who{{0, "public", ip}, "群众", {}};
  return mutate(who, c->id, "callback", [&](Tx& tx, Case& cc, Change& ch) {
    apply_callback(tx, *this, cc, result, note, ch.note, who);
    ch.note = "群众评价" + ch.note.substr(std::string("回访").size());
    ch.is_public = true;
  });
}

Case CaseService::close(const Who& who, int64_t id, const std::string& note, const ReplyInput& finding) {
  machine().check_note("close", note);
  text(finding.measures, "measures", 2000, false);
  return mutate(who, id, "close", [&](Tx& tx, Case& c, Change& ch) {
    take(who, "close", c, c.owner_path);
    if (c.status == "pending" || c.status == "processing") {
      // Praise, suggestions and questions may be closed without a reply-and-callback round.
      if (sla(tx, c.type).needs_callback)
        throw conflict("reply_required", "this case needs a reply to the complainant before it is closed");
      c.require_no_transfer();
      if (!c.replied_at) {
        c.replied_at = now_ms();
        c.late = *c.replied_at > c.deadline_at;
      }
      if (!c.first_replied_at) {
        c.first_replied_at = c.replied_at;
        c.first_late = c.late;
      }
    }
    // The finding may be completed (or corrected) on closing.
    if (!finding.outcome.empty()) c.outcome = finding.outcome;
    if (!finding.measures.empty()) c.measures = finding.measures;
    record_finding(tx, c, finding);
    c.status = "closed";
    c.closed_at = now_ms();
    ch.note = "办结：" + note;
    ch.is_public = true;
  });
}

Case CaseService::supervise(const Who& who, int64_t id, const std::string& note, std::optional<int> days) {
  machine().check_note("supervise", note);
  if (days && (*days < 0 || *days > 60)) throw invalid("days", "a supervision deadline is 0 to 60 working days");
  return mutate(who, id, "supervise", [&](Tx& tx, Case& c, Change& ch) {
    take(who, "supervise", c, c.owner_path);
    c.level = 3;
    ch.note = "督办：" + note;
    if (days) {
      auto k = clock_of(c);
      k.set_deadline(now_ms(), *days, workflow::load_calendar(tx));
      put_clock(c, k);
      ch.note += fmt::format("（督办期限：{} 前办结）", calendar::format_date(calendar::day_of(c.deadline_at)));
    }
    notify(tx, c.owner_node_id, "case.supervise", "督办通知", note, c.id);
    if (c.unit_id != c.owner_node_id) notify(tx, c.unit_id, "case.supervise", "督办通知", note, c.id, false);
  });
}

Case CaseService::add_note(const Who& who, int64_t id, const std::string& note) {
  machine().check_note("note", note);
  return mutate(who, id, "note", [&](Tx&, Case& c, Change& ch) {
    if (!may_annotate(who, c)) throw forbidden("you may not add notes to this case");
    ch.note = note;
  });
}

bool CaseService::may_annotate(const Who& who, const Case& c) const {
  return who.may("case.handle", c.owner_path) || who.may("case.handle", c.node_path) ||
         who.may("case.supervise", c.owner_path);
}

// ======================= attachments =======================

namespace {
// Stores one checked file with the history entry the surrounding action appends.
Attachment store_attachment(Tx& tx, const Case& c, int64_t event_id, const Who& who, const char* source,
                            const std::string& name, const std::string& bytes) {
  workflow::check_file(bytes);
  auto counts = workflow::count_attachments(tx, kAttachmentOwner, c.id);
  if (counts.total >= kMaxCaseAttachments)
    throw conflict("too_many_attachments", fmt::format("a case may have at most {} attachments", kMaxCaseAttachments),
                   "file");
  if (std::string_view(source) == "public" && counts.from_public >= kMaxPublicAttachments)
    throw conflict("too_many_attachments",
                   fmt::format("at most {} files may be sent with a submission", kMaxPublicAttachments), "file");
  return workflow::store_attachment(
      tx, {kAttachmentOwner, c.id, event_id, who.actor.user_id, who.name, source, name, bytes});
}
}  // namespace

Attachment CaseService::attach(const Who& who, int64_t id, const std::string& name, const std::string& bytes) {
  Attachment out;
  mutate(who, id, "attach", [&](Tx& tx, Case& c, Change& ch) {
    if (!may_annotate(who, c)) throw forbidden("you may not add attachments to this case");
    out = store_attachment(tx, c, ch.event_id, who, "staff", name, bytes);
    ch.note = out.name;
    ch.detail = workflow::attachment_detail(out);
  });
  return out;
}

Attachment CaseService::public_attach(const std::string& code, const std::string& phone_last4, const std::string& name,
                                      const std::string& bytes, const std::string& ip) {
  auto found = track(code, phone_last4);
  if (!found) throw not_found("case");
  Who who{{0, "public", ip}, "群众", {}};
  Attachment out;
  mutate(who, found->id, "attach", [&](Tx& tx, Case& c, Change& ch) {
    // Only the complainant who just filed on the public form, and only for a while.
    if (c.registered_by || c.source_rating_id || now_ms() - c.created_at > kPublicAttachWindowMs)
      throw conflict("attachment_window_closed",
                     "files can only be added within an hour of filing on the public form", "file");
    out = store_attachment(tx, c, ch.event_id, who, "public", name, bytes);
    ch.note = out.name;
    ch.detail = workflow::attachment_detail(out);
  });
  return out;
}

// ======================= escalation =======================

int CaseService::run_escalations(int64_t now) {
  int steps = 0;
  audit::Actor sys{0, "system", "local"};
  for (;;) {
    int batch = 0;
    db_.write([&](Tx& tx) {
      auto r = tx.query(store::claim(tx, "SELECT " + select_list("c") +
                                             " FROM cases c WHERE c.next_check_at <= ? ORDER BY c.next_check_at LIMIT 200"),
                        {now});
      batch = static_cast<int>(r.size());
      for (auto& row : r) {
        Case c = from_row(row);
        auto k = clock_of(c);
        if (!is_open(c.status) || c.paused_at || k.level_at(now) <= c.level) {
          set_next_check(c);  // stale schedule: just move it on
          if (!c.next_check_at || *c.next_check_at <= now) c.next_check_at.reset();
          save_case(tx, c);
          continue;
        }
        std::string before = fmt::format("{}|{}|{}", c.status, c.owner_node_id, c.level);
        workflow::Parties parties{c.owner_node_id, c.unit_id, org::Path(c.node_path).upto(c.unit_id).parent_id()};
        auto fired = workflow::climb(tx, ladder(), k, parties, now, fmt::format("{}（{}）", zh(types(), c.type), c.tracking_code),
                                     c.tracking_code, fmt::format("/cases/{}", c.id));
        for (auto& step : fired) add_event(tx, c.id, sys, "系统", "escalate", c.status, step.to, step.rung->title, false);
        steps += static_cast<int>(fired.size());
        put_clock(c, k);
        c.updated_at = now_ms();
        set_next_check(c);
        save_case(tx, c);
        audit::record(tx, sys,
                      {"case.escalate", "case", c.id, c.owner_node_id, c.owner_path, before,
                       fmt::format("{}|{}|{}", c.status, c.owner_node_id, c.level), c.tracking_code});
      }
    });
    if (batch < 200) break;
  }
  return steps;
}

}  // namespace manyi::cases
