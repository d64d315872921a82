// Intake: a new case in the caller's transaction (cases/intake.hpp).
#include <fmt/format.h>
#include <sodium.h>

#include <nlohmann/json.hpp>

#include "cases/intake.hpp"
#include "cases/internal.hpp"
#include "cases/pii.hpp"
#include "cases/workflow.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/id.hpp"
#include "core/json.hpp"
#include "workflow/calendar_store.hpp"

namespace manyi::cases {
namespace detail {

std::string generate_tracking_code() {
  static const char kAlphabet[] = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";  // no 0/O, 1/I
  std::string out;
  for (int i = 0; i < 10; ++i) out += kAlphabet[randombytes_uniform(32)];
  return out;
}

bool types_need_outcome(const std::string& type) {
  return type == "complaint" || type == "report" || type == "bad_review" || type == "hotline";
}

}  // namespace detail
using namespace detail;

Opened open_case(Tx& tx, const NewCase& in) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
  auto all_types = codes(types());
  if (std::find(all_types.begin(), all_types.end(), in.type) == all_types.end())
    throw invalid("type", "unknown case type: " + in.type);
  auto all_channels = codes(channels());
  if (std::find(all_channels.begin(), all_channels.end(), in.channel) == all_channels.end())
    throw invalid("channel", "unknown channel: " + in.channel);
  text(in.content, "content", 5000, true);
  text(in.complainant_name, "complainant_name", 50, false);
  std::string phone =
      in.complainant_phone.empty() ? "" : pii::normalise_phone(in.complainant_phone, "complainant_phone");

  if (in.source_rating_id) {  // one case per bad rating, whoever asks twice
    auto r = tx.query("SELECT id, tracking_code FROM cases WHERE source_rating_id = ?", {in.source_rating_id});
    if (!r.empty()) return Opened{r[0].i64(0), r[0].str(1)};
  }
  auto node = org::node_at(tx, in.node_id);
  if (!node) throw invalid("node_id", "the node does not exist");
  if (!node->active) throw invalid("node_id", "the node is no longer active");

  Case c;
  c.id = new_id();
  c.tracking_code = generate_tracking_code();
  c.type = in.type;
  c.channel = in.channel;
  // An operator registering a case (热线登记) has received it: no separate 受理 step.
  c.status = in.received ? "processing" : "pending";
  c.node_id = node->id;
  c.node_path = node->path.str();
  auto line = lineage(tx, *node, in.owner_node_id);
  c.unit_id = line.unit_id;
  auto cfg = config_of(tx);
  c.category = in.category.empty() ? cfg->suggest(in.category_text.value_or(in.content)).category : in.category;
  auto cat = cfg->category(c.category);
  if (!cat || !cat->active) throw invalid("category", "unknown category: " + c.category);
  c.sensitive = cat->sensitive;
  c.multi_dept = in.multi_dept;
  c.content = in.content;

  // Owner: first contact, or the institution the case is about.
  if (in.owner_node_id && !line.owner) throw invalid("owner_node_id", "the owner node does not exist");
  c.owner_node_id = in.owner_node_id ? line.owner->id : c.unit_id;
  auto unit_path = org::Path(c.node_path).upto(c.unit_id);
  c.owner_path = in.owner_node_id ? line.owner->path.str() : unit_path.str();
  if (c.sensitive) {
    // Integrity matters never sit with a department: at least the institution owns them.
    if (!unit_path.empty() && org::Path(c.owner_path).strictly_within(unit_path)) {
      c.owner_node_id = c.unit_id;
      c.owner_path = unit_path.str();
    }
  }

  if (!in.complainant_name.empty() || !phone.empty()) {
    auto key = pii::data_key(tx);
    c.complainant_enc = pii::seal(key, nlohmann::json{{"name", in.complainant_name}, {"phone", phone}}.dump());
    c.complainant_mask = pii::mask_name(in.complainant_name);
    c.phone_mask = pii::mask_phone(phone);
    c.phone_hash = pii::phone_hash(key, phone);
  }
  c.source_rating_id = in.source_rating_id;
  if (in.received && !in.registered_by) throw std::logic_error("a case is received at intake only by its registrant");
  c.registered_by = in.registered_by;
  if (in.registered_by) c.assignee_id = in.registered_by;
  int64_t now = now_ms();
  c.received_at = now;
  Sla s = cfg->sla(c.type);
  c.sla_days = c.multi_dept ? s.multi_days : s.reply_days;
  schedule_period(c, s, workflow::load_calendar(tx));
  c.level = 0;
  set_next_check(c);
  c.created_at = c.updated_at = now;
  insert_case(tx, c);

  audit::Actor actor{in.registered_by, in.registered_by ? in.registered_by_name : "public", in.ip};
  add_event(tx, c.id, actor, in.registered_by ? in.registered_by_name : "群众", "register", c.status, c.owner_node_id,
            fmt::format("{}{}（{}）", in.received ? "登记并受理：" : "", zh(types(), c.type), zh(channels(), c.channel)),
            true);
  audit::record(tx, actor,
                {"case.open", "case", c.id, c.owner_node_id, c.owner_path, "", c.tracking_code,
                 fmt::format("{} {} {}（{}）{}", c.tracking_code, zh(types(), c.type),
                             cat ? cat->name : c.category, zh(channels(), c.channel), c.sensitive ? " 涉及廉洁" : "")});
  notify(tx, c.owner_node_id, "case.new", fmt::format("新{}：{}", zh(types(), c.type), node->name),
         c.sensitive ? "涉及医德医风（廉洁）问题，请按规定处理" : utf8_prefix(c.content, 120), c.id);
  return Opened{c.id, c.tracking_code};
}

}  // namespace manyi::cases
