// The actions on an item (开始整改, 提交, 验收销号, 重新整改, 延期申请与审批, 撤销), each one
// transaction through RectifyService::mutate and the item's state machine
// (rectify/workflow.cpp); evidence files; and the escalation scan.
#include <fmt/format.h>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/id.hpp"
#include "core/org_path.hpp"
#include "core/period.hpp"
#include "metrics/series.hpp"
#include "rectify/internal.hpp"
#include "rectify/service.hpp"
#include "rectify/workflow.hpp"
#include "store/claim.hpp"
#include "workflow/calendar_store.hpp"
#include "workflow/extension.hpp"
#include "workflow/notice.hpp"

namespace manyi::rectify {

namespace {
// The ledger's figures as metric series (metrics/series.hpp) for the owner unit, counted once
// at 销号 (closed is final): rectify.on_time (closed by the deadline, of closed),
// rectify.days_to_close (calendar days from raising to 销号, a mean) and rectify.redo (closed
// after at least one 重新整改, of closed; sum = the redos).
void count_closure(store::Tx& tx, const Item& it) {
  metrics::series::Node unit{it.unit_id, it.unit_path};
  int day = period::local_day(*it.closed_at);
  bool on_time = *it.closed_at <= it.deadline_at;
  metrics::series::add(tx, unit, "rectify.on_time", day, {1, 0, on_time ? 1 : 0, 1});
  metrics::series::add(tx, unit, "rectify.days_to_close", day,
                       {1, static_cast<double>(*it.closed_at - it.created_at) / calendar::kDayMs, 0, 0});
  metrics::series::add(tx, unit, "rectify.redo", day, {1, static_cast<double>(it.redo_count), it.redo_count > 0 ? 1 : 0, 1});
}
}  // namespace
using namespace detail;
using store::Tx;

namespace {
std::string state_of(const Item& it) { return fmt::format("{}|{}|{}", it.status, it.level, it.deadline_at); }
std::string link_of(const Item& it) { return fmt::format("/rectifications/{}", it.id); }

// Where a permission is checked: verification (rectification.verify) from above the owner unit
// — the owner never verifies or closes its own item (销号) — everything else on the owner unit.
bool may(const Who& who, const std::string& perm, const Item& it) {
  if (perm == "rectification.verify") return who.may(perm, org::Path(it.unit_path).parent().str());
  return who.may(perm, it.unit_path);
}

// An action of the item's machine: the owner's own verifier is told why, then the machine
// checks the permission and the state.
void take(const Who& who, const std::string& action, const Item& it) {
  auto& t = machine().transition(action);
  if (t.perm == "rectification.verify" && !may(who, t.perm, it) && who.may(t.perm, it.unit_path))
    throw Error(403, "owner_cannot_verify", "责任单位不能验收、销号或撤销本单位的整改事项，须由上级验收（rectification.verify）");
  machine().check(action, it.status, [&](const std::string& perm) { return may(who, perm, it); });
}
}  // namespace

Item RectifyService::mutate(const Who& who, int64_t id, const std::string& action,
                            const std::function<std::string(Tx&, Item&, int64_t)>& fn) {
  db_.write([&](Tx& tx) { mutate_in(tx, who, id, action, fn); });
  return *find(id);
}

void RectifyService::mutate_in(Tx& tx, const Who& who, int64_t id, const std::string& action,
                               const std::function<std::string(Tx&, Item&, int64_t)>& fn) {
  auto it = load_for_update(tx, id);
  if (!it || !visible(who, *it)) throw not_found("rectification item");
  std::string before = state_of(*it);
  auto was = count_key(*it);
  int64_t event_id = new_id();
  std::string note = fn(tx, *it, event_id);
  it->updated_at = now_ms();
  put_clock(*it, clock_of(*it));  // next check from the state the action left
  save_item(tx, *it, was);
  timeline().append(tx, it->id, who.actor, who.name, action, it->status, it->unit_id, note, false, event_id);
  audit::record(tx, who.actor,
                {"rectification." + action, "rectification", it->id, it->unit_id, it->unit_path, before,
                 state_of(*it), it->code});
}

Item RectifyService::act(const Who& who, int64_t id, const std::string& action, const std::string& note,
                         const std::optional<std::string>& until) {
  bool known = false;
  for (auto& t : machine().transitions()) known = known || t.action == action;
  if (!known) throw not_found("action");
  machine().check_note(action, note);
  return mutate(who, id, action, [&](Tx& tx, Item& it, int64_t) -> std::string {
    take(who, action, it);
    int64_t now = now_ms();
    if (action == "start") {
      it.status = "rectifying";
      return note.empty() ? "开始整改" : note;
    }
    if (action == "submit") {
      if (!it.measures) throw invalid("measures", "fill in the measures (整改措施) before submitting");
      it.status = "submitted";
      workflow::post(tx, {it.inst_id, "rectification.submitted", "整改待验收", it.code + " " + it.problem, link_of(it), false});
      return note;
    }
    if (action == "verify") {
      it.status = "closed";
      it.closed_at = now;
      it.verified_by = who.name;
      it.extension.reset();
      count_closure(tx, it);
      workflow::post(tx, {it.unit_id, "rectification.closed", "整改已销号", it.code, link_of(it), false});
      return note.empty() ? "验收通过，销号" : note;
    }
    if (action == "redo") {
      std::optional<calendar::Day> day;
      if (until) day = future_date(*until, "until", now);
      it.status = "rectifying";
      it.redo_count += 1;
      it.extension.reset();
      schedule(it, now, day, workflow::load_calendar(tx));
      workflow::post(tx, {it.unit_id, "rectification.redo", "责令重新整改", it.code + " " + note, link_of(it), true});
      return note;
    }
    if (action == "request_extension") {
      workflow::check_extension_request(it.extension.has_value(), now, it.deadline_at, "until");
      if (!until) throw invalid("until", "until is required");
      auto day = future_date(*until, "until", now);
      if (day <= calendar::day_of(it.deadline_at)) throw invalid("until", "until must be after the current deadline");
      it.extension = Extension{calendar::format_date(day), note, now, who.actor.user_id};
      workflow::post(tx, {it.inst_id, "rectification.extension", "整改延期申请", it.code + " 申请延期至 " + *until,
                          link_of(it), false});
      return "申请延期至 " + calendar::format_date(day) + "：" + note;
    }
    if (action == "approve_extension" || action == "refuse_extension") {
      workflow::require_extension(it.extension.has_value());
      workflow::check_not_own_extension(it.extension->by, who.actor.user_id);
      std::string until_day = it.extension->until;
      it.extension.reset();
      bool ok = action == "approve_extension";
      if (ok) move_deadline(it, *calendar::parse_date(until_day), now, workflow::load_calendar(tx));
      workflow::post(tx, {it.unit_id, "rectification.extension", ok ? "延期已同意" : "延期未同意", it.code, link_of(it), false});
      return (ok ? "同意延期至 " + until_day : std::string("不同意延期")) + (note.empty() ? "" : "：" + note);
    }
    // cancel
    it.status = "cancelled";
    it.extension.reset();
    return note;
  });
}

std::vector<std::string> RectifyService::actions(const Who& who, const Item& it, int64_t now) {
  std::vector<std::string> out;
  for (auto& t : machine().transitions()) {
    if (!machine().allows(t.action, it.status) || !may(who, t.perm, it)) continue;
    if (t.action == "request_extension" && (it.extension || now >= it.deadline_at)) continue;
    if ((t.action == "approve_extension" || t.action == "refuse_extension") &&
        (!it.extension || (who.actor.user_id && it.extension->by == who.actor.user_id)))
      continue;
    out.push_back(t.action);
  }
  return out;
}

workflow::Attachment RectifyService::attach(const Who& who, int64_t id, const std::string& name,
                                            const std::string& bytes) {
  workflow::check_file(bytes);
  workflow::Attachment out;
  mutate(who, id, "attach", [&](Tx& tx, Item& it, int64_t event_id) {
    if (!may(who, "rectification.handle", it) && !may(who, "rectification.verify", it))
      throw forbidden("you may not add evidence to this item (rectification.handle)");
    if (!is_open(it.status)) machine().refuse(it.status);
    if (workflow::count_attachments(tx, kAttachmentOwner, it.id).total >= kMaxAttachments)
      throw conflict("too_many_attachments", fmt::format("an item may have at most {} attachments", kMaxAttachments),
                     "file");
    out = workflow::store_attachment(tx, {kAttachmentOwner, it.id, event_id, who.actor.user_id, who.name, "staff", name, bytes});
    return out.name;
  });
  return out;
}

int RectifyService::run_escalations(int64_t now) {
  int steps = 0;
  audit::Actor sys{0, "system", "local"};
  for (;;) {
    int batch = 0;
    db_.write([&](Tx& tx) {
      auto r = tx.query(store::claim(tx, std::string("SELECT ") + kSelect + kFrom +
                                             " WHERE r.next_check_at <= ? ORDER BY r.next_check_at LIMIT 200"),
                        {now});
      batch = static_cast<int>(r.size());
      for (auto& row : r) {
        Item it = from_row(row);
        auto was = count_key(it);
        auto k = clock_of(it);
        if (!is_open(it.status) || k.level_at(now) <= it.level) {
          put_clock(it, k);  // a stale schedule: just move it on
          if (!it.next_check_at || *it.next_check_at <= now) it.next_check_at.reset();
          save_item(tx, it, was);
          continue;
        }
        std::string before = state_of(it);
        workflow::Parties parties{it.unit_id, it.inst_id, above(tx, it.inst_id)};
        auto fired = workflow::climb(tx, ladder(), k, parties, now, it.code + " " + it.problem, it.code, link_of(it));
        for (auto& step : fired)
          timeline().append(tx, it.id, sys, "系统", "escalate", it.status, step.to, step.rung->title, false);
        steps += static_cast<int>(fired.size());
        put_clock(it, k);
        it.updated_at = now_ms();
        save_item(tx, it, was);
        audit::record(tx, sys,
                      {"rectification.escalate", "rectification", it.id, it.unit_id, it.unit_path, before, state_of(it),
                       it.code});
      }
    });
    if (batch < 200) break;
  }
  return steps;
}

}  // namespace manyi::rectify
