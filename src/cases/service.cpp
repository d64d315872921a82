#include "cases/service.hpp"

#include <fmt/format.h>
#include <sodium.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <unordered_map>

#include "cases/pii.hpp"
#include "cases/public_input.hpp"
#include "cases/public_text.hpp"
#include "cases/workflow.hpp"
#include "store/snapshot.hpp"
#include "workflow/calendar_store.hpp"
#include "workflow/notice.hpp"
#include "core/calendar_import.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/id.hpp"
#include "core/json.hpp"
#include "org/roles.hpp"
#include "store/claim.hpp"
#include "store/subtree.hpp"

namespace manyi::cases {
namespace {

using store::Params;
using store::Row;
using store::Tx;
using store::Value;

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

Value id_or_null(int64_t v) { return v ? Value(v) : Value(nullptr); }
template <class T>
Value opt(const std::optional<T>& v) {
  return v ? Value(static_cast<int64_t>(*v)) : Value(nullptr);
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

Case from_row(const Row& r, size_t extra = 0) {
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
               bool is_public, int64_t event_id = 0) {
  tx.exec_deferred(
      "INSERT INTO case_events(id, case_id, at, actor_id, actor_name, action, status, node_id, note, public) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      {event_id ? event_id : new_id(), case_id, now_ms(), id_or_null(who.user_id), actor_name.empty() ? who.username : actor_name, action,
       status, id_or_null(node_id), note, int64_t{is_public}});
}

// The in-app inbox of a node; supervision, rectification and reopening also leave the system
// through the outbox (webhook / email) — once per event (`outbound`). Escalation steps are posted
// by the ladder (cases/workflow.cpp).
void notify(Tx& tx, int64_t node_id, const std::string& kind, const std::string& title, const std::string& body,
            int64_t case_id, bool outbound = true) {
  static const std::set<std::string> kOutbound = {"case.supervise", "case.rectification", "case.reopened"};
  workflow::post(tx, {node_id, kind, title, body, fmt::format("/cases/{}", case_id), outbound && kOutbound.count(kind) > 0});
}

std::vector<int64_t> path_ids(const std::string& path) {
  std::vector<int64_t> out;
  size_t i = 1;
  while (i < path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string::npos) break;
    out.push_back(parse_id(path.substr(i, j - i)));
    i = j + 1;
  }
  return out;
}

// The path of an ancestor (a prefix of path ending at that node), "" if not on the path.
std::string path_upto(const std::string& path, int64_t node_id) {
  std::string needle = "/" + std::to_string(node_id) + "/";
  auto p = path.find(needle);
  return p == std::string::npos ? std::string() : path.substr(0, p + needle.size());
}
std::string parent_path(const std::string& path) {
  if (path.size() < 2) return {};
  auto p = path.rfind('/', path.size() - 2);
  return p == std::string::npos || p == 0 ? std::string() : path.substr(0, p + 1);
}
int64_t parent_of(const std::string& path) {
  auto ids = path_ids(path);
  return ids.size() >= 2 ? ids[ids.size() - 2] : 0;
}

struct NodeInfo {
  int64_t id = 0;
  std::string path, kind, name;
  bool active = false;
};
std::optional<NodeInfo> node_info(Tx& tx, int64_t id) {
  auto r = tx.query("SELECT id, path, kind, name, active FROM org_nodes WHERE id = ?", {id});
  if (r.empty()) return std::nullopt;
  return NodeInfo{r[0].i64(0), r[0].str(1), r[0].str(2), r[0].str(3), r[0].i64(4) != 0};
}

// In one query: the nearest institution at or above the node (the node itself when there is
// none) and the owner node when one is given.
struct Lineage {
  int64_t unit_id = 0;
  std::optional<NodeInfo> owner;
};
Lineage lineage(Tx& tx, const NodeInfo& n, int64_t owner_id) {
  auto ids = path_ids(n.path);
  if (owner_id) ids.push_back(owner_id);
  std::string in;
  Params p;
  for (auto id : ids) {
    in += in.empty() ? "?" : ", ?";
    p.push_back(id);
  }
  Lineage out;
  out.unit_id = n.id;
  size_t unit_depth = 0;
  for (auto& r : tx.query("SELECT id, path, kind, name, active FROM org_nodes WHERE id IN (" + in + ")", p)) {
    NodeInfo x{r.i64(0), r.str(1), r.str(2), r.str(3), r.i64(4) != 0};
    if (x.id == owner_id) out.owner = x;
    if (x.kind == "institution" && n.path.rfind(x.path, 0) == 0 && x.path.size() > unit_depth) {
      out.unit_id = x.id;
      unit_depth = x.path.size();
    }
  }
  return out;
}

std::string text(const std::string& v, const char* field, size_t max_chars, bool required) {
  return workflow::check_text(v, field, max_chars, required);
}

Sla sla_row(const Row& r) {
  Sla s;
  s.type = r.str(0);
  s.name = r.str(1);
  s.reply_days = static_cast<int>(r.i64(2));
  s.multi_days = static_cast<int>(r.i64(3));
  s.warn_ratio = r.f64(4);
  s.bureau_after_days = static_cast<int>(r.i64(5));
  s.needs_callback = r.i64(6) != 0;
  return s;
}
const char* kSlaSelect =
    "SELECT type, name, reply_days, multi_days, warn_ratio, bureau_after_days, needs_callback FROM case_sla";

Category category_row(const Row& r) {
  return Category{r.str(0), r.str(1),          r.str(2), r.str(3), r.i64(4) != 0, r.i64(6) != 0, static_cast<int>(r.i64(5)),
                  r.str(7)};
}
const char* kCategorySelect =
    "SELECT code, name, name_en, keywords, sensitive, sort, active, parent FROM case_categories";

std::vector<std::string> split_keywords(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  auto flush = [&] {
    auto b = cur.find_first_not_of(' '), e = cur.find_last_not_of(' ');
    if (b != std::string::npos) out.push_back(cur.substr(b, e - b + 1));
    cur.clear();
  };
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == ',' || s[i] == '\n')
      flush();
    else if (s.compare(i, 3, "，") == 0) {  // full-width comma
      flush();
      i += 2;
    } else
      cur += s[i];
  }
  flush();
  return out;
}

// ---- configuration snapshot: categories and time limits (store/snapshot.hpp) ----
struct Config {
  std::vector<Category> categories;
  std::map<std::string, Sla> slas;

  const Category* category(const std::string& code) const {
    for (auto& c : categories)
      if (c.code == code) return &c;
    return nullptr;
  }
  Sla sla(const std::string& type) const {
    auto it = slas.find(type);
    if (it != slas.end()) return it->second;
    Sla s;
    s.type = type;
    return s;
  }
  // Keyword lists, split once per configuration snapshot (suggest runs for every new case):
  // every distinct word once, and per category the indexes of its own words and, per top
  // category, of its own and its active sub-categories' words, each word once.
  std::vector<std::string> words;
  std::vector<int> weight;  // characters (code points) of each word
  std::vector<std::vector<size_t>> own_words, group_words;
  void prepare_keywords() {
    words.clear();
    weight.clear();
    own_words.clear();
    group_words.clear();
    auto word_ix = [&](const std::string& w) {
      auto it = std::find(words.begin(), words.end(), w);
      if (it != words.end()) return static_cast<size_t>(it - words.begin());
      words.push_back(w);
      weight.push_back(static_cast<int>(std::count_if(w.begin(), w.end(), [](char ch) { return (ch & 0xC0) != 0x80; })));
      return words.size() - 1;
    };
    auto add_unique = [&](std::vector<size_t>& to, const std::string& list) {
      for (auto& k : split_keywords(list))
        if (size_t i = word_ix(k); std::find(to.begin(), to.end(), i) == to.end()) to.push_back(i);
    };
    for (auto& cat : categories) {
      own_words.emplace_back();
      add_unique(own_words.back(), cat.keywords);
      group_words.emplace_back(own_words.back());
      for (auto& k : categories)
        if (k.active && k.parent == cat.code) add_unique(group_words.back(), k.keywords);
    }
  }
  // Two levels: the top category whose keywords (its own and its sub-categories', each word
  // once) occur most often in the text, each occurrence weighed by the word's length — ties go to an integrity category, which must reach
  // the discipline office — then, inside it, the sub-category with the most hits, if any.
  Suggestion suggest(const std::string& content) const {
    std::vector<int> seen(words.size(), -1);  // occurrences of each keyword, counted once
    auto count = [&](size_t i) {
      if (seen[i] < 0) {
        const std::string& k = words[i];
        int n = 0;
        for (size_t p = content.find(k); p != std::string::npos; p = content.find(k, p + k.size())) ++n;
        seen[i] = n;
      }
      return seen[i];
    };
    // A match weighs its length in characters: 等报告 says more than 等, 态度恶劣 more than 凶.
    auto hits_of = [&](const std::vector<size_t>& ix) {
      int n = 0;
      for (size_t i : ix) n += count(i) * weight[i];
      return n;
    };
    const Category* top = nullptr;
    size_t top_i = 0;
    int top_hits = 0;
    for (size_t i = 0; i < categories.size(); ++i) {
      auto& cat = categories[i];
      if (!cat.active || !cat.parent.empty()) continue;
      int n = hits_of(group_words[i]);
      if (n > top_hits || (n > 0 && n == top_hits && cat.sensitive && !top->sensitive)) {
        top = &cat;
        top_i = i;
        top_hits = n;
      }
    }
    if (!top) return {"other", {}};
    size_t pick = top_i;
    int sub_hits = 0;
    for (size_t i = 0; i < categories.size(); ++i) {
      auto& k = categories[i];
      if (!k.active || k.parent != top->code) continue;
      if (int n = hits_of(own_words[i]); n > sub_hits) {
        pick = i;
        sub_hits = n;
      }
    }
    Suggestion out{categories[pick].code, {}};
    add_matched(top_i, count, out.matched);
    if (pick != top_i) add_matched(pick, count, out.matched);
    return out;
  }
  // Appends the own keywords of category c that occur in the text (occurs(word index)), each once.
  template <class Occurs>
  void add_matched(size_t c, Occurs&& occurs, std::vector<std::string>& out) const {
    for (size_t i : own_words[c])
      if (occurs(i) && std::find(out.begin(), out.end(), words[i]) == out.end()) out.push_back(words[i]);
  }
  // The codes a category filter covers: the category and its sub-categories.
  std::vector<std::string> with_children(const std::string& code) const {
    std::vector<std::string> out{code};
    for (auto& c : categories)
      if (c.parent == code) out.push_back(c.code);
    return out;
  }
};

store::Snapshots<Config>& configs() {
  static store::Snapshots<Config> s("cases.config");
  return s;
}

template <class Reader>  // Tx or Db: both have query()
std::shared_ptr<const Config> config_of(Reader& rd) {
  return configs().get(rd, [](Reader& r) {
    Config cfg;
    for (auto& row : r.query(std::string(kCategorySelect) + " ORDER BY sort, code"))
      cfg.categories.push_back(category_row(row));
    for (auto& row : r.query(kSlaSelect)) {
      auto s = sla_row(row);
      cfg.slas[s.type] = s;
    }
    cfg.prepare_keywords();
    return cfg;
  });
}

void config_changed(Tx& tx) { configs().changed(tx); }

// ---- SLA clock (workflow::Clock; the case's limit and ladder in cases/workflow.cpp) ----
// A new period (intake, reopening, a changed limit): deadline, warning and supervision points.
void schedule_period(Case& c, const Sla& s, const calendar::Calendar& cal) {
  auto k = clock_of(c);
  k.schedule(limit_of(c, s), cal);
  put_clock(c, k);
}
void set_next_check(Case& c) { c.next_check_at = clock_of(c).next_check(is_open(c.status)); }

std::string generate_tracking_code() {
  static const char kAlphabet[] = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";  // no 0/O, 1/I
  std::string out;
  for (int i = 0; i < 10; ++i) out += kAlphabet[randombytes_uniform(32)];
  return out;
}

bool types_need_outcome(const std::string& type) {
  return type == "complaint" || type == "report" || type == "bad_review" || type == "hotline";
}

}  // namespace

// ======================= intake =======================

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
  auto node = node_info(tx, in.node_id);
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
  c.node_path = node->path;
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
  c.owner_path = in.owner_node_id ? line.owner->path : path_upto(c.node_path, c.unit_id);
  if (c.sensitive) {
    // Integrity matters never sit with a department: at least the institution owns them.
    auto unit_path = path_upto(c.node_path, c.unit_id);
    if (!unit_path.empty() && c.owner_path.size() > unit_path.size() && c.owner_path.rfind(unit_path, 0) == 0) {
      c.owner_node_id = c.unit_id;
      c.owner_path = unit_path;
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

// ======================= service =======================

struct CaseService::Change {
  std::string note;        // history note
  bool is_public = false;  // shown on the tracking page
  int64_t node_id = 0;     // node involved (transfer target, escalation target)
  std::string detail;      // audit summary
  int64_t event_id = 0;    // id of the history entry this change appends (set before the change runs)
};

CaseService::~CaseService() = default;

Opened CaseService::open(const NewCase& c) {
  Opened o;
  db_.write([&](Tx& tx) { o = open_case(tx, c); });
  return o;
}

Suggestion CaseService::suggest_category(const std::string& text) { return config_of(db_)->suggest(text); }

std::vector<std::string> CaseService::matched_keywords(const std::string& text, const std::string& category) {
  auto cfg = config_of(db_);
  std::vector<std::string> out;
  auto occurs = [&](size_t i) { return text.find(cfg->words[i]) != std::string::npos; };
  for (auto cat = cfg->category(category); cat; cat = cat->parent.empty() ? nullptr : cfg->category(cat->parent))
    cfg->add_matched(static_cast<size_t>(cat - cfg->categories.data()), occurs, out);
  return out;
}

bool CaseService::visible(const Who& who, const Case& c) const {
  const char* perm = c.sensitive ? "case.sensitive" : "case.read";
  return who.may(perm, c.owner_path) || who.may(perm, c.node_path) ||
         (!c.transfer_to_path.empty() && who.may(perm, c.transfer_to_path));
}

std::optional<Case> CaseService::find(int64_t id) {
  auto r = db_.query(select_named() + "WHERE c.id = ?", {id});
  if (r.empty()) return std::nullopt;
  return from_row(r[0], 4);
}

Case CaseService::get(const Who& who, int64_t id) {
  auto c = find(id);
  if (!c || !visible(who, *c)) throw not_found("case");
  return *c;
}

std::optional<Case> CaseService::by_tracking_code(const std::string& code) {
  auto norm = normalise_tracking_code(code);
  if (norm.size() != 10) return std::nullopt;
  auto r = db_.query(select_named() + "WHERE c.tracking_code = ?", {norm});
  if (r.empty()) return std::nullopt;
  return from_row(r[0], 4);
}

std::optional<Case> CaseService::track(const std::string& code, const std::string& phone_last4) {
  auto c = by_tracking_code(code);
  if (!c) return std::nullopt;
  if (!c->phone_mask.empty()) {
    int64_t now = now_ms();
    // Per 查询码: after kTrackMaxFailures wrong guesses in a window, every attempt (right or
    // wrong) waits for the window to end — the per-address limit alone lets many addresses
    // share the 10,000 possibilities of one code.
    auto r = db_.query("SELECT failures, window_start FROM case_track_failures WHERE case_id = ?", {c->id});
    if (!r.empty() && r[0].i64(0) >= kTrackMaxFailures && now - r[0].i64(1) < kTrackWindowMs) {
      int wait = static_cast<int>((r[0].i64(1) + kTrackWindowMs - now + 999) / 1000);
      throw TrackLocked(wait);
    }
    // The mask keeps the number's last four digits.
    const auto& m = c->phone_mask;
    if (phone_last4.size() != 4 || m.size() < 4 || m.compare(m.size() - 4, 4, phone_last4) != 0) {
      db_.write([&](Tx& tx) {
        // Counted in the database, atomically: parallel guesses (or instances) share the count.
        tx.exec(
            "INSERT INTO case_track_failures(case_id, failures, window_start) VALUES (?, 1, ?) "
            "ON CONFLICT (case_id) DO UPDATE SET "
            "failures = CASE WHEN case_track_failures.window_start <= ? THEN 1 ELSE case_track_failures.failures + 1 END, "
            "window_start = CASE WHEN case_track_failures.window_start <= ? THEN excluded.window_start "
            "ELSE case_track_failures.window_start END",
            {c->id, now, now - kTrackWindowMs, now - kTrackWindowMs});
      });
      return std::nullopt;
    }
  }
  return c;
}

std::vector<std::string> CaseService::actions(const Who& who, const Case& c) {
  std::vector<std::string> out;
  auto add = [&](bool ok, const char* name) {
    if (ok) out.push_back(name);
  };
  // The state machine's permission on the owning unit and its state, then the case's own guards.
  auto can = [&](const char* action) {
    auto& t = machine().transition(action);
    return who.may(t.perm, c.owner_path) && machine().allows(action, c.status);
  };
  bool moving = c.transfer_to_node_id != 0;
  add(can("accept") && !moving, "accept");
  add(moving && who.may("case.handle", c.transfer_to_path), "transfer_accept");
  add(moving && who.may("case.handle", c.transfer_to_path), "transfer_decline");
  add(can("assign"), "assign");
  add(can("transfer") && !moving, "transfer");
  add(can("return") && !moving && (c.prev_owner_node_id || parent_of(c.owner_path)), "return");
  add(can("reject"), "reject");
  add(can("pause"), "pause");
  add(can("resume"), "resume");
  add(can("extension_request") && !c.ext_days && now_ms() < c.deadline_at, "extension");
  auto above = parent_path(c.owner_path);
  add(c.ext_days && (above.empty() ? who.may("case.supervise", c.owner_path) : who.may("case.dispatch", above)) &&
          !(who.actor.user_id && who.actor.user_id == c.ext_by),
      "extension_decide");
  add(can("reply") && !moving, "reply");
  add(can("callback"), "callback");
  bool needs_callback = config_of(db_)->sla(c.type).needs_callback;
  add(can("close") && (c.status == "replied" || (!moving && !needs_callback)), "close");
  add(can("merge") && !moving, "merge");
  add(can("supervise"), "supervise");
  add(may_annotate(who, c), "note");
  return out;
}

std::vector<Event> CaseService::events(int64_t case_id, bool public_only) {
  auto r = db_.query(
      std::string("SELECT e.id, e.case_id, e.at, e.actor_id, e.actor_name, e.action, e.status, e.node_id, e.note, "
                  "e.public, COALESCE(n.name, '') FROM case_events e LEFT JOIN org_nodes n ON n.id = e.node_id "
                  "WHERE e.case_id = ?") +
          (public_only ? " AND e.public = 1" : "") + " ORDER BY e.id",
      {case_id});
  std::vector<Event> out;
  for (auto& row : r) {
    Event e;
    e.id = row.i64(0);
    e.case_id = row.i64(1);
    e.at = row.i64(2);
    e.actor_id = row.i64(3);
    e.actor_name = row.str(4);
    e.action = row.str(5);
    e.status = row.str(6);
    e.node_id = row.i64(7);
    e.note = row.str(8);
    e.is_public = row.i64(9) != 0;
    e.node_name = row.str(10);
    out.push_back(std::move(e));
  }
  return out;
}

std::vector<Case> CaseService::list(const ListFilter& f, int64_t* next_cursor) {
  Params p;
  std::string where = scope_sql(f.read_scope, f.sensitive_scope, f.node_path, p, false);
  auto eq = [&](const char* col, const std::string& v) {
    if (v.empty()) return;
    where += fmt::format(" AND c.{} = ?", col);
    p.push_back(v);
  };
  eq("status", f.status);
  eq("type", f.type);
  if (!f.category.empty()) {
    auto codes = config_of(db_)->with_children(f.category);
    where += " AND c.category IN (";
    for (size_t i = 0; i < codes.size(); ++i) {
      where += i ? ", ?" : "?";
      p.push_back(codes[i]);
    }
    where += ")";
  }
  eq("channel", f.channel);
  eq("phone_hash", f.phone_hash);
  if (!f.tracking_code.empty()) eq("tracking_code", normalise_tracking_code(f.tracking_code));
  if (!f.q.empty()) {
    where += " AND c.content LIKE ? ESCAPE '\\'";
    p.push_back(store::contains_pattern(f.q));
  }
  int64_t now = now_ms();
  // A work queue: exactly the predicate its count uses (model.hpp). kOpenSql is what lets the
  // databases walk the id-ordered index of open cases only (cases_open_id, migration 0006)
  // instead of every case below the cursor: a department's last overdue page at 1 million
  // cases, 440 ms -> 1 ms.
  std::string queue = f.overdue && f.queue.empty() ? "overdue" : f.queue;
  if (!queue.empty()) where += queue_sql(queue, now, f.user_id, p);
  if (f.pending_transfer) where += " AND c.transfer_to_node_id IS NOT NULL";
  if (f.needs_rectification) where += " AND c.needs_rectification = 1";
  if (f.min_level > 0) {
    where += " AND c.level >= ?";
    p.push_back(int64_t{f.min_level});
  }
  if (f.assignee_id) {
    where += " AND c.assignee_id = ?";
    p.push_back(f.assignee_id);
  }
  if (f.from_ms) {
    where += " AND c.received_at >= ?";
    p.push_back(f.from_ms);
  }
  if (f.to_ms) {
    where += " AND c.received_at < ?";
    p.push_back(f.to_ms);
  }
  if (f.cursor) {
    where += " AND c.id < ?";
    p.push_back(f.cursor);
  }
  p.push_back(int64_t{f.limit + 1});
  auto r = db_.query(select_named() + "WHERE " + where + " ORDER BY c.id DESC LIMIT ?", p);
  std::vector<Case> out;
  for (auto& row : r) out.push_back(from_row(row, 4));
  *next_cursor = 0;
  if (static_cast<int>(out.size()) > f.limit) {
    out.resize(f.limit);
    *next_cursor = out.back().id;
  }
  return out;
}

InboxCounts CaseService::inbox_counts(const std::vector<std::string>& read_scope,
                                      const std::vector<std::string>& sensitive_scope, const std::string& node_path,
                                      int64_t user_id) {
  // The visibility rule (scope_sql) is an OR over owner, subject and transfer target. Counted
  // as written, the databases gather every row of the scope through three indexes and read the
  // table for each (1 s for a hospital, 10 s for the bureau at 1 million cases). Instead the
  // visible open cases are split into disjoint branches — owner in scope; subject in scope but
  // not the owner; only the transfer target in scope — and each branch is counted from the
  // partial covering indexes of migration 0006 (open cases only) without reading the table.
  // COUNT(*) FILTER (SQLite 3.30+, PostgreSQL 9.4+) costs ~25% less per row than SUM(CASE …).
  int64_t now = now_ms();
  Params p;
  std::string branches;
  // One branch's counts; subtract = true counts it negatively (see the root scope below).
  auto add = [&](const std::string& where, const Params& wp, bool subtract = false) {
    if (!branches.empty()) branches += " UNION ALL ";
    std::string m = subtract ? "-" : "";
    branches += "SELECT " + m + "COUNT(*) AS n, " + m + "COUNT(*) FILTER (WHERE " + kMineSql + ") AS mine, " + m +
                "COUNT(*) FILTER (WHERE " + kDueSoonSql + ") AS due_soon, " + m + "COUNT(*) FILTER (WHERE " +
                kOverdueSql + ") AS overdue, " + m + "COUNT(*) FILTER (WHERE " + kSupervisedSql +
                ") AS supervised FROM cases c WHERE " + kOpenSql +
                (where.empty() ? "" : " AND " + where);
    p.push_back(user_id);
    p.push_back(now);
    p.push_back(now);
    p.insert(p.end(), wp.begin(), wp.end());
  };
  // sensitive: "c.sensitive = 0 AND ", "c.sensitive = 1 AND " or "" (both, same scope).
  auto visible_in = [&](const std::string& sensitive, const std::vector<std::string>& scope) {
    if (scope.empty()) return;
    auto narrow = [&](std::string w, Params& q) {
      if (node_path.empty()) return w;
      std::vector<std::string> one{node_path};
      return w + " AND (" + store::subtree_condition("c.node_path", one, q) + " OR " +
             store::subtree_condition("c.owner_path", one, q) + ")";
    };
    {  // the owner is in scope
      Params q;
      auto w = sensitive + store::subtree_condition("c.owner_path", scope, q);
      add(narrow(w, q), q);
    }
    // The subject is in scope, the owner is not. A scope that is one root of the tree holds
    // (nearly) every case: read the owner index outside the scope's range (empty) rather than
    // walking the whole subject index to find nothing.
    if (scope.size() == 1 && std::count(scope[0].begin(), scope[0].end(), '/') == 2) {
      const std::pair<const char*, std::string> outside[] = {{"c.owner_path < ?", scope[0]},
                                                              {"c.owner_path >= ?", store::subtree_upper(scope[0])}};
      for (auto& [cond, bound] : outside) {
        Params q{bound};
        auto w = sensitive + cond + " AND " + store::subtree_condition("c.node_path", scope, q);
        add(narrow(w, q), q);
      }
    } else {
      Params q;
      auto w = sensitive + store::subtree_condition("c.node_path", scope, q);
      w += " AND NOT " + store::subtree_condition("c.owner_path", scope, q);
      add(narrow(w, q), q);
    }
    {  // only the pending transfer's target is in scope
      Params q;
      auto w = sensitive + store::subtree_condition("c.transfer_to_path", scope, q);
      w += " AND NOT " + store::subtree_condition("c.owner_path", scope, q);
      w += " AND NOT " + store::subtree_condition("c.node_path", scope, q);
      add(narrow(w, q), q);
    }
  };
  const bool root = read_scope.size() == 1 &&
                    std::count(read_scope[0].begin(), read_scope[0].end(), '/') == 2;  // "/<id>/"
  if (root && read_scope == sensitive_scope && node_path.empty()) {
    // The root of the tree (the city bureau) sees every open case but those wholly outside its
    // subtree (owner, subject and any transfer target elsewhere): count all open cases without
    // testing paths — one pass over the smallest covering index, about half the cost per row of
    // the range scan — and subtract the outsiders, found from the owner index outside the range.
    const auto& r = read_scope[0];
    // All open cases: the total and 逾期 in one pass over the narrow (deadline_at, status) index
    // of open cases; 我的, 临期 and 督办 each read only their own range of the indexes of
    // migration 0008 — instead of one pass testing every tab's condition on every open case.
    const std::string open = std::string("FROM cases c WHERE ") + kOpenSql;
    if (!branches.empty()) branches += " UNION ALL ";
    branches += "SELECT t.n, (SELECT COUNT(*) " + open + " AND " + kMineSql + ") AS mine, (SELECT COUNT(*) " + open +
                " AND " + kDueSoonSql + ") AS due_soon, t.overdue, (SELECT COUNT(*) " + open + " AND " +
                kSupervisedSql + ") AS supervised FROM (SELECT COUNT(*) AS n, COUNT(*) FILTER (WHERE " + kOverdueSql +
                ") AS overdue " + open + ") t";
    p.push_back(user_id);
    p.push_back(now);
    p.push_back(now);
    const std::pair<const char*, std::string> outside[] = {{"c.owner_path < ?", r},
                                                          {"c.owner_path >= ?", store::subtree_upper(r)}};
    for (auto& [cond, bound] : outside) {
      Params q{bound};
      std::string w = std::string(cond) + " AND NOT " + store::subtree_condition("c.node_path", read_scope, q);
      w += " AND (c.transfer_to_path IS NULL OR NOT " + store::subtree_condition("c.transfer_to_path", read_scope, q) +
           ")";
      add(w, q, true);
    }
  } else if (read_scope == sensitive_scope) {
    visible_in("", read_scope);
  } else {
    visible_in("c.sensitive = 0 AND ", read_scope);
    visible_in("c.sensitive = 1 AND ", sensitive_scope);
  }
  InboxCounts out;
  if (branches.empty()) return out;
  auto r = db_.query("SELECT COALESCE(SUM(n), 0), COALESCE(SUM(mine), 0), COALESCE(SUM(due_soon), 0), "
                     "COALESCE(SUM(overdue), 0), COALESCE(SUM(supervised), 0) FROM (" +
                         branches + ") x",
                     p);
  if (r.empty()) return out;
  out.unit = r[0].i64(0);
  out.mine = r[0].i64(1);
  out.due_soon = r[0].i64(2);
  out.overdue = r[0].i64(3);
  out.supervised = r[0].i64(4);
  return out;
}

std::vector<Case> CaseService::duplicates_of(const Case& c, int limit) {
  if (c.phone_hash.empty()) return {};
  auto r = db_.query(select_named() +
                         "WHERE c.phone_hash = ? AND c.id <> ? AND c.unit_id = ? AND c.status IN ('pending', "
                         "'processing', 'waiting', 'replied') ORDER BY c.id DESC LIMIT ?",
                     {c.phone_hash, c.id, c.unit_id, int64_t{limit}});
  std::vector<Case> out;
  for (auto& row : r) out.push_back(from_row(row, 4));
  return out;
}

std::pair<std::string, std::string> CaseService::reveal_contact(const Who& who, int64_t id) {
  std::pair<std::string, std::string> out;
  db_.write([&](Tx& tx) {
    auto c = load_for_update(tx, id);
    if (!c || !visible(who, *c)) throw not_found("case");
    if (!who.may("case.contact", c->owner_path) && !who.may("case.contact", c->node_path))
      throw forbidden("your role may not see the complainant's contact details");
    if (!c->complainant_enc.empty()) {
      auto j = nlohmann::json::parse(pii::open(pii::data_key(tx), c->complainant_enc));
      out = {j.value("name", ""), j.value("phone", "")};
    }
    audit::record(
        tx, who.actor,
        {"case.contact.reveal", "case", id, c->owner_node_id, c->owner_path, "", "", "查看了投诉人联系方式"});
  });
  return out;
}

// ======================= workflow =======================

Case CaseService::mutate(const Who& who, int64_t id, const char* action,
                         const std::function<void(Tx&, Case&, Change&)>& fn) {
  db_.write([&](Tx& tx) {
    auto c = load_for_update(tx, id);
    if (!c || !visible(who, *c)) throw not_found("case");
    std::string before = fmt::format("{}|{}|{}", c->status, c->owner_node_id, c->level);
    Change ch;
    ch.event_id = new_id();
    fn(tx, *c, ch);
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
void need_no_transfer(const Case& c) {
  if (c.transfer_to_node_id) throw conflict("transfer_pending", "a transfer of this case is waiting for an answer");
}
}  // namespace

Case CaseService::accept(const Who& who, int64_t id, std::optional<bool> multi_dept) {
  return mutate(who, id, "accept", [&](Tx& tx, Case& c, Change& ch) {
    take(who, "accept", c, c.owner_path);
    need_no_transfer(c);
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
    auto r = tx.query(
        "SELECT g.role, n.path, u.display_name FROM role_grants g JOIN org_nodes n ON n.id = g.node_id "
        "JOIN users u ON u.id = g.user_id WHERE g.user_id = ? AND u.active = 1",
        {user_id});
    bool ok = false;
    std::string name;
    auto perms = assignee_perms(c);
    for (auto& row : r) {
      name = row.str(2);
      bool all = true;
      for (auto& perm : perms) all = all && org::role_has(row.str(0), perm);
      if (all && c.owner_path.rfind(row.str(1), 0) == 0) ok = true;
    }
    if (!ok) throw invalid("user_id", "this user cannot handle cases of the owning unit");
    c.assignee_id = user_id;
    ch.note = "指派给 " + name;
  });
}

Case CaseService::transfer(const Who& who, int64_t id, int64_t to_node_id, const std::string& note) {
  machine().check_note("transfer", note);
  return mutate(who, id, "transfer", [&](Tx& tx, Case& c, Change& ch) {
    take(who, "transfer", c, c.owner_path);
    need_no_transfer(c);
    auto to = node_info(tx, to_node_id);
    if (!to) throw invalid("to_node_id", "the target node does not exist");
    if (!to->active) throw invalid("to_node_id", "the target node is no longer active");
    if (to->id == c.owner_node_id) throw invalid("to_node_id", "the case is already with this node");
    if (!who.may("case.dispatch", to->path)) throw forbidden("the target node is outside your dispatch scope");
    if (c.sensitive) {
      // Hidden from the department concerned: the first node below the institution on the path.
      auto unit_path = path_upto(c.node_path, c.unit_id);
      if (!unit_path.empty() && c.node_path.size() > unit_path.size()) {
        auto rest = c.node_path.substr(unit_path.size());
        auto dept_path = unit_path + rest.substr(0, rest.find('/') + 1);
        if (to->path.rfind(dept_path, 0) == 0)
          throw invalid("to_node_id", "an integrity case may not go to the department concerned");
      }
    }
    c.transfer_to_node_id = to->id;
    c.transfer_to_path = to->path;
    c.transfer_note = note;
    ch.node_id = to->id;
    ch.note = note.empty() ? "转办至 " + to->name : "转办至 " + to->name + "：" + note;
    ch.detail = "转至" + to->name;
    notify(tx, to->id, "case.transfer", fmt::format("待接收转办：{}", zh(types(), c.type)), note, c.id);
  });
}

Case CaseService::accept_transfer(const Who& who, int64_t id) {
  return mutate(who, id, "transfer_accept", [&](Tx&, Case& c, Change& ch) {
    if (!c.transfer_to_node_id) throw conflict("no_transfer", "there is no transfer to accept");
    need(who, "case.handle", c.transfer_to_path);
    c.prev_owner_node_id = c.owner_node_id;
    c.owner_node_id = c.transfer_to_node_id;
    c.owner_path = c.transfer_to_path;
    c.transfer_to_node_id = 0;
    c.transfer_to_path.clear();
    c.transfer_note.clear();
    c.assignee_id = who.actor.user_id;
    c.status = "processing";
    ch.node_id = c.owner_node_id;
    ch.note = "已接收转办";
    ch.is_public = true;
  });
}

Case CaseService::decline_transfer(const Who& who, int64_t id, const std::string& reason) {
  machine().check_note("transfer_decline", reason);
  return mutate(who, id, "transfer_decline", [&](Tx& tx, Case& c, Change& ch) {
    if (!c.transfer_to_node_id) throw conflict("no_transfer", "there is no transfer to decline");
    need(who, "case.handle", c.transfer_to_path);
    ch.node_id = c.transfer_to_node_id;
    c.transfer_to_node_id = 0;
    c.transfer_to_path.clear();
    c.transfer_note.clear();
    ch.note = "退回转办：" + reason;
    notify(tx, c.owner_node_id, "case.transfer_declined", "转办被退回", reason, c.id);
  });
}

Case CaseService::send_back(const Who& who, int64_t id, const std::string& reason) {
  machine().check_note("return", reason);
  return mutate(who, id, "return", [&](Tx& tx, Case& c, Change& ch) {
    take(who, "return", c, c.owner_path);
    need_no_transfer(c);
    int64_t back = c.prev_owner_node_id ? c.prev_owner_node_id : parent_of(c.owner_path);
    if (!back) throw conflict("nowhere_to_return", "there is no unit above to return this case to");
    auto n = node_info(tx, back);
    if (!n) throw conflict("nowhere_to_return", "the previous owner no longer exists");
    c.prev_owner_node_id = c.owner_node_id;
    c.owner_node_id = n->id;
    c.owner_path = n->path;
    c.assignee_id = 0;
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
    need_no_transfer(c);
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
    c.transfer_to_node_id = 0;
    c.transfer_to_path.clear();
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
    if (c.ext_days) throw conflict("extension_pending", "an extension request is already waiting for approval");
    if (now_ms() >= c.deadline_at)
      throw conflict("past_deadline", "an extension must be requested before the deadline");
    c.ext_days = days;
    c.ext_reason = reason;
    c.ext_by = who.actor.user_id;
    ch.note = fmt::format("申请延期 {} 个工作日：{}", days, reason);
    int64_t approver = parent_of(c.owner_path);
    notify(tx, approver ? approver : c.owner_node_id, "case.extension", "延期申请待审批", ch.note, c.id);
  });
}

Case CaseService::decide_extension(const Who& who, int64_t id, bool approve, const std::string& note) {
  machine().check_note("extension_decide", note);
  return mutate(who, id, approve ? "extension_approve" : "extension_deny", [&](Tx& tx, Case& c, Change& ch) {
    if (!c.ext_days) throw conflict("no_extension", "there is no extension request");
    // Decided one level up: dispatchers above the owning node (the bureau for a root owner).
    auto above = parent_path(c.owner_path);
    if (!(above.empty() ? who.may("case.supervise", c.owner_path) : who.may("case.dispatch", above)))
      throw forbidden("an extension is approved by the unit above the one handling the case");
    if (who.actor.user_id && who.actor.user_id == c.ext_by) throw forbidden("you cannot approve your own request");
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
    need_no_transfer(c);
    if (in.outcome.empty() && types_need_outcome(c.type))
      throw invalid("outcome", "the finding (属实 / 部分属实 / 不属实) is required");
    if (!in.category.empty() && in.category != c.category) {
      auto cat = config_of(tx)->category(in.category);
      if (!cat || !cat->active) throw invalid("category", "unknown category: " + in.category);
      c.category = cat->code;
      if (cat->sensitive && !c.sensitive) {
        c.sensitive = true;  // reclassified as an integrity matter: lift it to the institution
        auto unit_path = path_upto(c.node_path, c.unit_id);
        if (!unit_path.empty() && c.owner_path.size() > unit_path.size()) {
          c.owner_node_id = c.unit_id;
          c.owner_path = unit_path;
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
      need_no_transfer(c);
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
        workflow::Parties parties{c.owner_node_id, c.unit_id, parent_of(path_upto(c.node_path, c.unit_id))};
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

// ======================= settings =======================

std::vector<Category> CaseService::categories() { return config_of(db_)->categories; }

Category CaseService::save_category(const audit::Actor& who, const Category& in) {
  Category c = in;
  if (c.code.empty() || c.code.size() > 32 ||
      c.code.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") != std::string::npos)
    throw invalid("code", "code is 1–32 lower-case letters, digits or _");
  text(c.name, "name", 50, true);
  text(c.name_en, "name_en", 100, false);
  text(c.keywords, "keywords", 2000, false);
  if (c.code == "other" && !c.active) throw invalid("active", "the fallback category 'other' cannot be switched off");
  db_.write([&](Tx& tx) {
    // One level of sub-categories: the parent is an existing top category, and a category
    // that has sub-categories stays on top. A sub-category of an integrity category is one too.
    if (!c.parent.empty()) {
      auto par = tx.query("SELECT parent, sensitive FROM case_categories WHERE code = ?", {c.parent});
      if (par.empty()) throw invalid("parent", "no category has the code " + c.parent);
      if (c.parent == c.code || !par[0].str(0).empty())
        throw invalid("parent", "a sub-category belongs to a top category (one level)");
      if (c.code == "other") throw invalid("parent", "the fallback category 'other' stays on top");
      auto kids = tx.query("SELECT COUNT(*) FROM case_categories WHERE parent = ?", {c.code});
      if (store::scalar_i64(kids).value_or(0) > 0)
        throw invalid("parent", "this category has sub-categories; it stays a top category");
      if (par[0].i64(1) != 0) c.sensitive = true;
    }
    tx.exec(
        "INSERT INTO case_categories(code, name, name_en, keywords, sensitive, sort, active, updated_at, parent) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (code) DO UPDATE SET name = excluded.name, "
        "name_en = excluded.name_en, keywords = excluded.keywords, sensitive = excluded.sensitive, "
        "sort = excluded.sort, active = excluded.active, updated_at = excluded.updated_at, parent = excluded.parent",
        {c.code, c.name, c.name_en, c.keywords, int64_t{c.sensitive}, int64_t{c.sort}, int64_t{c.active}, now_ms(),
         c.parent});
    // Marking a top category as integrity-related marks its sub-categories too.
    if (c.parent.empty() && c.sensitive)
      tx.exec("UPDATE case_categories SET sensitive = 1, updated_at = ? WHERE parent = ? AND sensitive = 0",
              {now_ms(), c.code});
    config_changed(tx);
    audit::record(tx, who,
                  {"case.category.save", "case_category", 0, 0, "", "", c.code + "|" + c.keywords,
                   c.code + " " + c.name + (c.sensitive ? " 涉及廉洁" : "")});
  });
  return c;
}

std::vector<Sla> CaseService::slas() {
  std::vector<Sla> out;
  for (auto& row : db_.query(std::string(kSlaSelect) + " ORDER BY type")) out.push_back(sla_row(row));
  return out;
}

Sla CaseService::sla(Tx& tx, const std::string& type) { return config_of(tx)->sla(type); }

Sla CaseService::save_sla(const audit::Actor& who, const Sla& s) {
  auto all = codes(types());
  if (std::find(all.begin(), all.end(), s.type) == all.end()) throw not_found("case type");
  if (s.reply_days < 0 || s.reply_days > 90) throw invalid("reply_days", "reply_days is 0 to 90 working days");
  if (s.multi_days < s.reply_days || s.multi_days > 120)
    throw invalid("multi_days", "multi_days is at least reply_days and at most 120");
  if (!(s.warn_ratio > 0 && s.warn_ratio < 1)) throw invalid("warn_ratio", "warn_ratio is between 0 and 1");
  if (s.bureau_after_days < 0 || s.bureau_after_days > 30)
    throw invalid("bureau_after_days", "bureau_after_days is 0 to 30 working days");
  Sla out = s;
  out.name = zh(types(), s.type);
  db_.write([&](Tx& tx) {
    tx.exec(
        "INSERT INTO case_sla(type, name, reply_days, multi_days, warn_ratio, bureau_after_days, needs_callback, "
        "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (type) DO UPDATE SET reply_days = "
        "excluded.reply_days, multi_days = excluded.multi_days, warn_ratio = excluded.warn_ratio, "
        "bureau_after_days = excluded.bureau_after_days, needs_callback = excluded.needs_callback, "
        "updated_at = excluded.updated_at",
        {out.type, out.name, int64_t{out.reply_days}, int64_t{out.multi_days}, out.warn_ratio,
         int64_t{out.bureau_after_days}, int64_t{out.needs_callback}, now_ms()});
    config_changed(tx);
    audit::record(tx, who,
                  {"case.sla.save", "case_sla", 0, 0, "", "", "",
                   fmt::format("{}：答复 {} 个工作日，多部门 {} 个工作日，{:.0f}% 时预警，超期 {} 天后报局督办", zh(types(), out.type), out.reply_days,
                               out.multi_days, out.warn_ratio * 100, out.bureau_after_days)});
  });
  return out;
}

}  // namespace manyi::cases
