// Collection points (评价点) and their cache, the default survey of a node, rating tickets and
// the keys they are signed with, and warming the caches at start-up.
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

namespace manyi::feedback {
using store::Params;
using store::Value;
using namespace detail;

namespace {
const char* kPointCols =
    "p.id, p.code, p.node_id, p.unit_id, p.staff_id, p.name, p.template_id, p.active, p.created_at, n.name, n.code, "
    "n.kind, n.path, u.name, s.name, t.name, s.title, s.employee_no, v.version";
const char* kPointFrom =
    " FROM collection_points p JOIN org_nodes n ON n.id = p.node_id JOIN org_nodes u ON u.id = p.unit_id "
    "LEFT JOIN staff s ON s.id = p.staff_id JOIN form_templates t ON t.id = p.template_id "
    "LEFT JOIN form_versions v ON v.id = t.current_version_id";

Point point_from(const store::Row& r) {
  Point p;
  p.id = r.i64(0);
  p.code = r.str(1);
  p.node_id = r.i64(2);
  p.unit_id = r.i64(3);
  p.staff_id = r.i64(4);
  p.name = r.str(5);
  p.template_id = r.i64(6);
  p.active = r.i64(7) != 0;
  p.created_at = r.i64(8);
  p.node_name = r.str(9);
  p.node_code = r.str(10);
  p.node_kind = r.str(11);
  p.node_path = r.str(12);
  p.unit_name = r.str(13);
  p.staff_name = r.str(14);
  p.template_name = r.str(15);
  p.staff_title = r.str(16);
  p.staff_no = r.str(17);
  p.template_version = static_cast<int>(r.opt_i64(18).value_or(0));
  return p;
}


std::string hex(const unsigned char* p, size_t n) {
  std::string out(n * 2, '0');
  sodium_bin2hex(out.data(), out.size() + 1, p, n);
  return out;
}
}  // namespace

std::string FeedbackService::new_code() {
  static const char* alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";  // 32 symbols, no 0/O/1/I
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
  std::string s(10, ' ');
  for (auto& c : s) c = alphabet[randombytes_uniform(32)];
  return s;
}

std::shared_ptr<const PointInfo> FeedbackService::load_point(const std::string& code) {
  auto r = db_.query(fmt::format("SELECT {}{} WHERE p.code = ?", kPointCols, kPointFrom), {code});
  if (r.empty()) return nullptr;
  auto info = std::make_shared<PointInfo>();
  info->point = point_from(r[0]);
  info->tree = metrics::tree_nodes(info->point.node_path, info->point.unit_id);
  auto v = forms_.current(info->point.template_id);
  info->version_id = v.id;
  info->def = v.def;
  info->loaded_at = now_ms();
  return info;
}

std::shared_ptr<const PointInfo> FeedbackService::cached(const std::string& code_in) {
  if (code_in.empty() || code_in.size() > 20) return nullptr;
  std::string code = upper(code_in);
  std::shared_lock lk(cache_mu_);
  auto it = cache_.find(code);
  if (it != cache_.end() && now_ms() - it->second->loaded_at < opts_.point_cache_ttl_ms && it->second->point.active)
    return it->second;
  return nullptr;
}

std::shared_ptr<const PointInfo> FeedbackService::lookup(const std::string& code_in) {
  if (code_in.empty() || code_in.size() > 20) return nullptr;
  std::string code = upper(code_in);
  int64_t now = now_ms();
  {
    std::shared_lock lk(cache_mu_);
    auto it = cache_.find(code);
    if (it != cache_.end() && now - it->second->loaded_at < opts_.point_cache_ttl_ms)
      return it->second->point.active ? it->second : nullptr;
  }
  auto info = load_point(code);
  if (!info) return nullptr;
  std::unique_lock lk(cache_mu_);
  if (cache_.size() > 200000) cache_.clear();
  cache_[code] = info;
  return info->point.active ? info : nullptr;
}

void FeedbackService::invalidate_points() {
  std::unique_lock lk(cache_mu_);
  cache_.clear();
}

std::optional<Point> FeedbackService::point(int64_t id) {
  auto r = db_.query(fmt::format("SELECT {}{} WHERE p.id = ?", kPointCols, kPointFrom), {id});
  if (r.empty()) return std::nullopt;
  return point_from(r[0]);
}

std::vector<Point> FeedbackService::points(const std::vector<std::string>& scope, const std::string& node_path,
                                           int64_t cursor, int limit) {
  Params p;
  std::string where = store::subtree_condition("n.path", scope, p);
  if (!node_path.empty()) {
    where += " AND n.path >= ? AND n.path < ?";
    p.emplace_back(node_path);
    p.emplace_back(store::subtree_upper(node_path));
  }
  if (cursor) {
    where += " AND p.id > ?";
    p.emplace_back(cursor);
  }
  p.emplace_back(int64_t{limit});
  std::vector<Point> out;
  for (auto& r : db_.query(fmt::format("SELECT {}{} WHERE ({}) ORDER BY p.id LIMIT ?", kPointCols, kPointFrom, where), p))
    out.push_back(point_from(r));
  return out;
}

std::vector<Point> FeedbackService::points_in(const std::string& node_path) {
  std::vector<Point> out;
  for (auto& r : db_.query(fmt::format("SELECT {}{} WHERE n.path >= ? AND n.path < ? ORDER BY n.path, p.name, p.id",
                                       kPointCols, kPointFrom),
                           {node_path, store::subtree_upper(node_path)}))
    out.push_back(point_from(r));
  return out;
}

int64_t FeedbackService::default_template(const org::Node& n) {
  std::string code = n.kind == "point" ? "window" : n.name.find("住院") != std::string::npos ? "inpatient" : "outpatient";
  auto t = forms_.by_code(code);
  if (!t) throw conflict("no_template", "the shipped template " + code + " is missing");
  return t->id;
}

Point FeedbackService::create_point(const audit::Actor& who, int64_t node_id, int64_t staff_id, const std::string& name_in,
                                    int64_t template_id, bool allow_duplicate) {
  forms_.ensure_seeded();
  std::string staff_name;
  if (staff_id) {
    auto s = org_.staff(staff_id);
    if (!s) throw invalid("staff_id", "no such staff member");
    if (!s->active) throw invalid("staff_id", "this staff member is inactive");
    if (node_id && node_id != s->node_id) throw invalid("node_id", "a staff member's point belongs to the staff's node");
    node_id = s->node_id;
    staff_name = s->name;
  }
  auto n = org_.node(node_id);
  if (!n) throw invalid("node_id", "no such org node");
  if (!n->active) throw invalid("node_id", "the node is deactivated");
  if (n->kind == "bureau" || n->kind == "county") throw invalid("node_id", "points belong to an institution or below");
  int64_t unit = org_.unit_of(*n);
  if (!template_id) template_id = default_template(*n);
  auto t = forms_.get(template_id);
  if (!t || !t->active) throw invalid("template_id", "no such template");
  if (t->kind != "survey") throw invalid("template_id", "a collection point needs a survey template");
  if (!t->current_version_id) throw invalid("template_id", "the template has no published version");
  if (t->owner_node_id && n->path.compare(0, t->owner_path.size(), t->owner_path) != 0)
    throw invalid("template_id", "this template belongs to another unit");
  std::string name = name_in.empty() ? (staff_name.empty() ? n->name : staff_name + "（" + n->name + "）") : name_in;
  if (name.size() > 300 || !jv::valid_text(name)) throw invalid("name", "name must be at most 100 characters");
  int64_t id = new_id(), now = now_ms();
  std::string code;
  db_.write([&](store::Tx& tx) {
    // A second active point for the same place (node, staff member and survey) is made only
    // when the caller confirms it: two QR codes for one window split its figures.
    if (!allow_duplicate) {
      auto same = tx.query("SELECT name, code FROM collection_points WHERE node_id = ? AND COALESCE(staff_id, 0) = ? "
                           "AND template_id = ? AND active = 1 ORDER BY id LIMIT 1",
                           {n->id, staff_id, template_id});
      if (!same.empty())
        throw conflict("duplicate_point",
                       fmt::format("an active point for this place and survey exists: {} ({}); send "
                                   "allow_duplicate to add another",
                                   same[0].str(0), same[0].str(1)),
                       staff_id ? "staff_id" : "node_id");
    }
    for (int attempt = 0;; ++attempt) {
      code = new_code();
      if (tx.query("SELECT 1 FROM collection_points WHERE code = ?", {code}).empty()) break;
      if (attempt > 5) throw std::runtime_error("cannot find a free point code");
    }
    tx.exec("INSERT INTO collection_points(id, code, node_id, unit_id, staff_id, name, template_id, active, created_at, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?)",
            {id, code, n->id, unit, id_or_null(staff_id), name, template_id, now, now});
    audit::record(tx, who, {"feedback.point.create", "collection_point", id, n->id, n->path, "", code,
                            fmt::format("{} ({})", name, code)});
  });
  return *point(id);
}

Point FeedbackService::update_point(const audit::Actor& who, int64_t id, const std::optional<std::string>& name,
                                    const std::optional<int64_t>& template_id, const std::optional<bool>& active) {
  auto before = point(id);
  if (!before) throw not_found("collection point");
  if (name && (name->empty() || name->size() > 300 || !jv::valid_text(*name)))
    throw invalid("name", "name must be 1–100 characters");
  if (template_id) {
    auto t = forms_.get(*template_id);
    if (!t || !t->active || t->kind != "survey" || !t->current_version_id)
      throw invalid("template_id", "no such published survey template");
    if (t->owner_node_id && before->node_path.compare(0, t->owner_path.size(), t->owner_path) != 0)
      throw invalid("template_id", "this template belongs to another unit");
  }
  db_.write([&](store::Tx& tx) {
    tx.exec("UPDATE collection_points SET name = COALESCE(?, name), template_id = COALESCE(?, template_id), "
            "active = COALESCE(?, active), updated_at = ? WHERE id = ?",
            {name ? Value(*name) : Value(nullptr), template_id ? Value(*template_id) : Value(nullptr),
             active ? Value(int64_t{*active}) : Value(nullptr), now_ms(), id});
    audit::record(tx, who, {"feedback.point.update", "collection_point", id, before->node_id, before->node_path,
                            before->name, name.value_or(before->name),
                            fmt::format("{}{}{}", name ? "改名 " : "", template_id ? "更换问卷 " : "",
                                        active ? (*active ? "启用" : "停用") : "")});
  });
  invalidate_points();
  return *point(id);
}

int64_t FeedbackService::attach_template(const audit::Actor& who, const org::Node& node, const std::string& kind,
                                         int64_t template_id) {
  auto t = forms_.get(template_id);
  if (!t || !t->active || t->kind != "survey" || !t->current_version_id)
    throw invalid("template_id", "no such published survey template");
  // A unit's own template serves only that unit's points.
  if (t->owner_node_id && node.path.compare(0, t->owner_path.size(), t->owner_path) != 0)
    throw invalid("template_id", "this template belongs to another unit");
  std::string where = "n.path >= ? AND n.path < ?";
  Params p{Value(template_id), Value(now_ms()), Value(node.path), Value(store::subtree_upper(node.path))};
  if (kind == "staff") where += " AND p.staff_id IS NOT NULL";
  else if (kind == "department" || kind == "point") {
    where += " AND p.staff_id IS NULL AND n.kind = ?";
    p.emplace_back(kind);
  } else if (!kind.empty()) throw invalid("kind", "kind must be department, point or staff");
  int64_t changed = 0;
  db_.write([&](store::Tx& tx) {
    Params count_p(p.begin() + 2, p.end());
    count_p.emplace_back(template_id);
    changed = tx.query("SELECT COUNT(*) FROM collection_points p JOIN org_nodes n ON n.id = p.node_id WHERE " + where +
                           " AND p.template_id <> ?",
                       count_p)[0].i64(0);
    if (!changed) return;
    tx.exec("UPDATE collection_points SET template_id = ?, updated_at = ? WHERE id IN (SELECT p.id FROM "
            "collection_points p JOIN org_nodes n ON n.id = p.node_id WHERE " + where + ")",
            p);
    audit::record(tx, who, {"feedback.point.attach_template", "form_template", template_id, node.id, node.path, "",
                            t->name, fmt::format("{} 下{}评价点 {} 个改用问卷「{}」", node.name,
                                                 kind == "staff" ? "医务人员" : kind == "point" ? "窗口" :
                                                 kind == "department" ? "科室" : "全部",
                                                 changed, t->name)});
  });
  invalidate_points();
  return changed;
}

// ---------------------------------------------------------------- tickets
std::string FeedbackService::ticket_key() {
  std::lock_guard lk(key_mu_);
  if (!ticket_key_.empty()) return ticket_key_;
  auto read = [&] {
    auto r = db_.query("SELECT value FROM settings WHERE key = 'feedback.ticket_key'");
    return r.empty() ? std::string() : r[0].str(0);
  };
  std::string k = read();
  if (k.empty()) {
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    db_.write([&](store::Tx& tx) {
      tx.exec("INSERT INTO settings(key, value, updated_at) VALUES ('feedback.ticket_key', ?, ?) ON CONFLICT (key) DO NOTHING",
              {hex(raw, sizeof raw), now_ms()});
    });
    k = read();
  }
  ticket_key_ = k;
  return k;
}

namespace {
std::string ticket_mac(const std::string& key, const std::string& code, int64_t issued) {
  std::string msg = code + "." + std::to_string(issued);
  unsigned char mac[16];
  crypto_generichash(mac, sizeof mac, reinterpret_cast<const unsigned char*>(msg.data()), msg.size(),
                     reinterpret_cast<const unsigned char*>(key.data()), std::min<size_t>(key.size(), 64));
  return hex(mac, sizeof mac);
}
}  // namespace

std::string FeedbackService::issue_ticket(const std::string& code, int64_t now) {
  return std::to_string(now) + "." + ticket_mac(ticket_key(), code, now);
}

std::optional<int64_t> FeedbackService::ticket_elapsed(const std::string& code, const std::string& ticket, int64_t now) {
  auto dot = ticket.find('.');
  if (ticket.empty() || ticket.size() > 64 || dot == std::string::npos) return std::nullopt;
  int64_t issued = parse_id(ticket.substr(0, dot));
  if (!issued) return std::nullopt;
  std::string want = ticket_mac(ticket_key(), code, issued);
  std::string got = ticket.substr(dot + 1);
  if (got.size() != want.size() || sodium_memcmp(got.data(), want.data(), want.size()) != 0) return std::nullopt;
  if (issued > now + 5000 || now - issued > opts_.ticket_max_age_ms) return std::nullopt;
  return std::max<int64_t>(0, now - issued);
}

// ---------------------------------------------------------------- intake
std::string FeedbackService::phone_key() {
  std::lock_guard lk(key_mu_);
  if (phone_key_.empty()) phone_key_ = cases::pii::data_key(db_);
  return phone_key_;
}

void FeedbackService::refresh_staff_devices(int64_t now) {
  int64_t last = staff_refreshed_.load();
  if (now - last < 60000 || !staff_refreshed_.compare_exchange_strong(last, now)) return;
  std::unordered_set<std::string> devices;
  for (auto& r : db_.query("SELECT device FROM staff_devices")) devices.insert(r.str(0));
  tracker_.set_staff_devices(std::move(devices));
}

void FeedbackService::warm_up() {
  if (warmed_.load(std::memory_order_acquire)) return;
  std::call_once(warm_, [this] {
    int64_t now = now_ms();
    refresh_staff_devices(now + 60000);
    ticket_key();  // loaded here: the intake answer's receipt must not touch the database
    phone_key();
    // Public ratings of the last day, oldest first, as they came: the duplicate window, the
    // burst windows (held ones marked so), the phone numbers' day and the points' pace.
    for_each_public_rating(id_floor(now - tracker_.options().dup_window_ms),
                           [&](const Submission& s, bool valid) { tracker_.replay(s, valid); });
    resume_pending_cases();
    warmed_.store(true, std::memory_order_release);
  });
}

void FeedbackService::for_each_public_rating(int64_t from_id,
                                             const std::function<void(const Submission&, bool valid)>& fn) {
  auto rows = db_.query(
      "SELECT r.id, r.device, r.point_id, r.unit_id, r.net, r.overall, r.created_at, r.status, r.template_id, "
      "r.elapsed_ms, LENGTH(r.answers), LENGTH(r.comment), ph.phone_hash FROM ratings r "
      "LEFT JOIN rating_phones ph ON ph.rating_id = r.id WHERE r.id >= ? AND r.channel IN ('qr', 'web') ORDER BY r.id",
      {from_id});
  for (auto& r : rows) {
    Submission s;
    s.rating_id = r.i64(0);
    s.device = r.str(1);
    s.point_id = r.i64(2);
    s.unit_id = r.i64(3);
    s.net = r.str(4);
    s.overall = static_cast<int>(r.i64(5));
    s.at_ms = r.i64(6);
    s.template_id = r.i64(8);
    s.elapsed_ms = r.opt_i64(9);
    s.answers = r.i64(10) > 0 ? 1 : 0;
    s.comment_chars = static_cast<size_t>(r.i64(11));
    if (!r.null(12)) s.phone = r.str(12);
    fn(s, r.str(7) == "valid");
  }
}

bool FeedbackService::intake_ready(int64_t now) const {
  return warmed_.load(std::memory_order_acquire) && now - staff_refreshed_.load() < 60000;
}

}  // namespace manyi::feedback
