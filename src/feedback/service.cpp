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

namespace manyi::feedback {
using store::Params;
using store::Value;

namespace {
constexpr int64_t kIdEpochMs = 1577836800000LL;  // core/id.cpp: ids carry ms since 2020-01-01 << 22

std::string json_list(const std::vector<std::string>& v) {
  std::string s;
  for (auto& x : v) s += (s.empty() ? "" : ",") + x;
  return s;
}

Value opt_id(int64_t v) { return v ? Value(v) : Value(nullptr); }

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

size_t utf8_chars(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xc0) != 0x80;
  return n;
}

std::string hex(const unsigned char* p, size_t n) {
  std::string out(n * 2, '0');
  sodium_bin2hex(out.data(), out.size() + 1, p, n);
  return out;
}
}  // namespace

struct FeedbackService::Prepared {
  const PointInfo* p = nullptr;
  NewRating* r = nullptr;
  std::vector<std::string> flags;
  const audit::Actor* who = nullptr;
  Submitted out;
  int day = 0;
  std::string phone, phone_mask, phone_hash, answers, net, flags_text;
  Value phone_enc = nullptr, score = nullptr;
  std::vector<metrics::Observation> obs;
  // Queued public ratings own their point and rating, and are answered through done.
  std::shared_ptr<const PointInfo> point_hold;
  NewRating rating;
  Submission recorded;  // in the integrity windows: forgotten when the write fails
  SubmitDone done;
  bool case_later = false;  // a public rating: its bad-review case is opened after the commit
};

int64_t id_floor(int64_t ms) { return ms <= kIdEpochMs ? 0 : (ms - kIdEpochMs) << 22; }

int64_t rating_id_for(int64_t at_ms) {
  // Normally a fresh id. A rating dated elsewhere (the test clock, a back-dated opinion-box
  // transcription) gets an id in its own millisecond so period filters on ids stay right.
  int64_t fresh = new_id();
  if (std::llabs(id_time_ms(fresh) - at_ms) < 2000) return fresh;
  return id_floor(at_ms) | static_cast<int64_t>(randombytes_uniform(1u << 22));
}

std::string channel_label(const std::string& c) {
  if (c == "qr") return "扫码评价";
  if (c == "web") return "网页评价";
  if (c == "kiosk") return "自助评价器";
  if (c == "opinion_box") return "意见箱";
  if (c == "followup") return "回访";
  if (c == "phone") return "电话";
  return c;
}
std::string status_label(const std::string& s) {
  if (s == "valid") return "有效";
  if (s == "suspect") return "待审核";
  if (s == "rejected") return "已剔除";
  return s;
}
std::string level_label(int level) {
  return level >= 1 && level <= 5 ? forms::kLevels[static_cast<size_t>(level - 1)] : std::string();
}

FeedbackService::FeedbackService(store::Db& db, org::OrgService& org, forms::FormService& forms, FeedbackOptions o)
    : db_(db),
      org_(org),
      forms_(forms),
      opts_(o),
      tracker_(o.integrity),
      figures_(db, [this](int64_t t) { return satisfied_min(t); }) {}

FeedbackService::~FeedbackService() {
  {
    std::lock_guard lk(q_mu_);
    stopping_ = true;
  }
  q_cv_.notify_all();
  if (flusher_.joinable()) flusher_.join();
  {
    std::unique_lock lk(q_mu_);  // and the batches still being written
    q_cv_.wait(lk, [&] { return writing_ == 0; });
  }
  {
    std::lock_guard lk(case_mu_);  // then the cases they queued
    case_stopping_ = true;
  }
  case_cv_.notify_all();
  for (auto& t : openers_) t.join();
}

// ---------------------------------------------------------------- points
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

namespace {
std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}
}  // namespace

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
            {id, code, n->id, unit, opt_id(staff_id), name, template_id, now, now});
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
    auto rows = db_.query(
        "SELECT device, point_id, unit_id, net, overall, created_at FROM ratings WHERE id >= ? AND device <> '' ORDER BY id",
        {id_floor(now - tracker_.options().dup_window_ms)});
    for (auto& r : rows) {
      Submission s;
      s.device = r.str(0);
      s.point_id = r.i64(1);
      s.unit_id = r.i64(2);
      s.net = r.str(3);
      s.overall = static_cast<int>(r.i64(4));
      s.at_ms = r.i64(5);
      tracker_.replay(s);
    }
    resume_pending_cases();
    warmed_.store(true, std::memory_order_release);
  });
}

bool FeedbackService::intake_ready(int64_t now) const {
  return warmed_.load(std::memory_order_acquire) && now - staff_refreshed_.load() < 60000;
}

void FeedbackService::submit_public_async(std::shared_ptr<const PointInfo> p, NewRating r, SubmitDone done) {
  warm_up();
  int64_t now = r.at_ms ? r.at_ms : now_ms();
  r.at_ms = now;
  refresh_staff_devices(now);
  if (std::find(kPublicChannels.begin(), kPublicChannels.end(), r.channel) == kPublicChannels.end())
    throw invalid("channel", "channel must be qr or web");
  auto x = std::make_unique<Prepared>();
  Submission& s = x->recorded;
  s.device = r.device;
  s.net = network_of(r.ip);
  s.point_id = p->point.id;
  s.unit_id = p->point.unit_id;
  s.overall = r.overall;
  s.answers = r.answers.size();
  s.comment_chars = utf8_chars(r.comment);
  s.at_ms = now;
  if (!r.ticket.empty()) {
    if (auto e = ticket_elapsed(p->point.code, r.ticket, now)) s.elapsed_ms = e;
  }
  if (!s.elapsed_ms && r.elapsed_ms) s.elapsed_ms = r.elapsed_ms;
  r.elapsed_ms = s.elapsed_ms;
  Verdict v = tracker_.check_and_record(s);
  if (v.duplicate) throw Error(409, "already_rated", "您已对此处评价过，感谢您的反馈！");
  try {
    x->point_hold = std::move(p);
    x->p = x->point_hold.get();
    x->rating = std::move(r);
    x->r = &x->rating;
    x->flags = v.flags;
    x->done = std::move(done);
    x->case_later = true;
    prepare(*x);
    enqueue(std::move(x));
  } catch (...) {
    tracker_.forget(s);
    throw;
  }
}

Submitted FeedbackService::submit_public(const PointInfo& p, NewRating r) {
  std::promise<Submitted> answer;
  auto fut = answer.get_future();
  // The caller keeps p alive until the answer: hold it without owning it.
  submit_public_async(std::shared_ptr<const PointInfo>(std::shared_ptr<const PointInfo>(), &p), std::move(r),
                      [&answer](const Submitted& out, std::exception_ptr e) {
                        if (e) answer.set_exception(e);
                        else answer.set_value(out);
                      });
  return fut.get();
}

Submitted FeedbackService::submit_console(const audit::Actor& who, const PointInfo& p, NewRating r) {
  if (std::find(kConsoleChannels.begin(), kConsoleChannels.end(), r.channel) == kConsoleChannels.end())
    throw invalid("channel", "channel must be kiosk, opinion_box, followup or phone");
  r.at_ms = r.at_ms ? r.at_ms : now_ms();
  return store(nullptr, p, r, {}, &who);
}

Submitted FeedbackService::submit_in(store::Tx& tx, const audit::Actor& who, const PointInfo& p, NewRating r) {
  r.at_ms = r.at_ms ? r.at_ms : now_ms();
  return store(&tx, p, r, {}, &who);
}

int64_t FeedbackService::open_bad_review(store::Tx& tx, const PointInfo& p, const NewRating& r, int64_t rating_id,
                                         const std::string& phone, bool isolated) {
  cases::NewCase c;
  c.type = "bad_review";
  c.channel = "survey";
  c.node_id = p.point.node_id;
  c.content = fmt::format("【{}】{} · {}：总体评价“{}”。{}{}", channel_label(r.channel), p.point.unit_name,
                          p.point.name, level_label(r.overall), r.comment.empty() ? "（未留言）" : "留言：",
                          r.comment);
  // The category from what the patient said: the comment, else the dimensions rated lowest
  // (服务态度差, 等候时间差; 一般 or worse) — never the header's unit and point names.
  std::string said = r.comment;
  if (said.empty() && p.def) {
    auto levels = forms::dimension_levels(*p.def, r.answers);
    int lowest = 4;
    for (auto& [dim, level] : levels) lowest = std::min(lowest, level);
    for (auto& [dim, level] : levels)
      if (level == lowest) said += p.def->dimension_name(dim) + "差。";
  }
  c.category_text = said;
  c.complainant_phone = phone;
  c.source_rating_id = rating_id;
  c.registered_by = r.entered_by;
  c.registered_by_name = r.entered_by_name;
  c.ip = r.ip;
  // Not isolated: an error reaches the caller, which retries the case isolated (the case opener
  // batch; a savepoint makes SQLite copy every page the case touches: ~40% of its cost).
  if (!isolated) return cases::open_case(tx, c).id;
  // A failing case must not lose the rating: isolate it in a savepoint; the rating keeps
  // case_id NULL (the error is logged) for a handler to open one by hand.
  tx.exec("SAVEPOINT bad_review");
  try {
    auto o = cases::open_case(tx, c);
    tx.query("SELECT 1");  // PostgreSQL: surface errors of deferred statements inside the savepoint
    tx.exec("RELEASE SAVEPOINT bad_review");
    return o.id;
  } catch (const std::exception& e) {
    tx.exec("ROLLBACK TO SAVEPOINT bad_review");
    tx.exec("RELEASE SAVEPOINT bad_review");
    spdlog::error("bad-review case for rating {} not opened: {}", rating_id, e.what());
    return 0;
  }
}


void FeedbackService::prepare(Prepared& x) {
  auto& r = *x.r;
  const auto& def = *x.p->def;
  if (r.overall < 1 || r.overall > 5) throw invalid("overall", "overall must be 1 (非常不满意) … 5 (非常满意)");
  x.out.id = rating_id_for(r.at_ms);
  x.out.status = x.flags.empty() ? "valid" : "suspect";
  x.out.flags = x.flags;
  x.flags_text = json_list(x.flags);
  x.day = period::local_day(r.at_ms);
  if (!r.phone.empty()) {
    x.phone = cases::pii::normalise_phone(r.phone, "phone");
    x.phone_mask = cases::pii::mask_phone(x.phone);
    x.phone_enc = store::Blob{cases::pii::seal(phone_key(), x.phone)};
    x.phone_hash = cases::pii::phone_hash(phone_key(), x.phone);
  }
  auto sc = forms::score(def, r.answers);
  if (sc.scored) x.score = sc.score;
  x.obs.push_back({"overall", r.overall});
  for (auto& [dim, level] : forms::dimension_levels(def, r.answers)) x.obs.push_back({dim, level});
  x.answers = r.answers.empty() ? std::string() : forms::answers_json(r.answers).dump();
  x.net = r.entered_by ? std::string() : network_of(r.ip);
}

bool FeedbackService::needs_case(const Prepared& x) { return x.out.status == "valid" && x.r->overall <= 2; }

// Writes prepared ratings inside tx: bad-review cases first (each in its savepoint; public
// ratings' cases only after the commit, by the case opener), then the rows, then the merged
// rollups.
// Idempotent per attempt (case ids are reset).
void FeedbackService::write_rows(store::Tx& tx, const std::vector<Prepared*>& items) {
  static const std::vector<std::string> kRatingCols = {
      "id", "point_id", "node_id", "unit_id", "staff_id", "template_id", "form_version_id", "channel", "overall",
      "answers", "score", "comment", "phone_enc", "phone_mask", "device", "ip", "net", "elapsed_ms", "status", "flags",
      "day", "created_at", "entered_by", "case_id", "case_pending"};
  static const std::string kRatingSql =
      "INSERT INTO ratings(id, point_id, node_id, unit_id, staff_id, template_id, form_version_id, channel, overall, "
      "answers, score, comment, phone_enc, phone_mask, device, ip, net, elapsed_ms, status, flags, day, created_at, "
      "entered_by, case_id, case_pending) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
  for (auto* x : items) {
    x->out.case_id = 0;
    if (needs_case(*x) && !x->case_later) x->out.case_id = open_bad_review(tx, *x->p, *x->r, x->out.id, x->phone);
  }
  std::vector<store::Params> ratings, comments, reviews, phones;
  std::vector<metrics::RollupInput> rollups;
  for (auto* x : items) {
    // A paper form's number (纸质表单编号) is entered once per point.
    if (!x->r->form_no.empty()) {
      if (!tx.query("SELECT 1 FROM rating_forms WHERE point_id = ? AND form_no = ?", {x->p->point.id, x->r->form_no})
               .empty())
        throw conflict("duplicate_form_no",
                       "form " + x->r->form_no + " of this collection point has already been entered", "form_no");
      tx.exec("INSERT INTO rating_forms(point_id, form_no, rating_id) VALUES (?, ?, ?)",
              {x->p->point.id, x->r->form_no, x->out.id});
    }
  }
  for (auto* x : items) {
    auto& p = *x->p;
    auto& r = *x->r;
    ratings.push_back({x->out.id, p.point.id, p.point.node_id, p.point.unit_id, opt_id(p.point.staff_id),
                       p.point.template_id, p.version_id, r.channel, int64_t{r.overall}, x->answers, x->score, r.comment,
                       x->phone_enc, x->phone_mask, r.device, r.ip, x->net,
                       r.elapsed_ms ? Value(*r.elapsed_ms) : Value(nullptr), x->out.status, x->flags_text,
                       int64_t{x->day}, r.at_ms, opt_id(r.entered_by), opt_id(x->out.case_id),
                       int64_t{needs_case(*x) && x->case_later}});
    if (!x->phone_hash.empty()) phones.push_back({x->out.id, x->phone_hash, p.point.node_id});
    if (!r.comment.empty())
      comments.push_back({x->out.id, p.point.node_id, p.point.unit_id, int64_t{r.overall}, r.channel, x->out.status,
                          r.comment, x->phone_mask});
    if (x->out.status == "suspect")
      reviews.push_back({x->out.id, p.point.node_id, p.point.unit_id, x->flags_text, std::string("pending"), r.at_ms});
    else
      rollups.push_back({p.point.node_id, &p.tree, p.point.template_id, x->day, &x->obs, 1});
    if (x->who)
      audit::record(tx, *x->who,
                    {"feedback.rating.enter", "rating", x->out.id, p.point.node_id, p.point.node_path, "", "",
                     fmt::format("{} {} {}", channel_label(r.channel), p.point.name, level_label(r.overall))});
  }
  // A few rows: statements sent in the pipeline with the COMMIT (one round trip on PostgreSQL);
  // more: one bulk insert (COPY on PostgreSQL: far less server work per row).
  if (ratings.size() < 8) {
    for (auto& row : ratings) tx.exec_deferred(kRatingSql, row);
    for (auto& row : comments)
      tx.exec_deferred("INSERT INTO rating_comments(rating_id, node_id, unit_id, overall, channel, status, comment, "
                       "phone_mask) VALUES (?,?,?,?,?,?,?,?)",
                       row);
    for (auto& row : reviews)
      tx.exec_deferred("INSERT INTO rating_reviews(rating_id, node_id, unit_id, flags, state, created_at) "
                       "VALUES (?,?,?,?,?,?)",
                       row);
    for (auto& row : phones)
      tx.exec_deferred("INSERT INTO rating_phones(rating_id, phone_hash, node_id) VALUES (?,?,?)", row);
  } else {
    tx.insert_rows("ratings", kRatingCols, ratings);
    if (!comments.empty())
      tx.insert_rows("rating_comments",
                     {"rating_id", "node_id", "unit_id", "overall", "channel", "status", "comment", "phone_mask"}, comments);
    if (!reviews.empty())
      tx.insert_rows("rating_reviews", {"rating_id", "node_id", "unit_id", "flags", "state", "created_at"}, reviews);
    if (!phones.empty()) tx.insert_rows("rating_phones", {"rating_id", "phone_hash", "node_id"}, phones);
  }
  if (!rollups.empty()) metrics::apply_rollups_batch(tx, rollups);
}

Submitted FeedbackService::store(store::Tx* outer, const PointInfo& p, NewRating& r,
                                 const std::vector<std::string>& flags, const audit::Actor* who) {
  Prepared x;
  x.p = &p;
  x.r = &r;
  x.flags = flags;
  x.who = who;
  prepare(x);
  std::vector<Prepared*> one{&x};
  if (outer) write_rows(*outer, one);
  else db_.write([&](store::Tx& tx) { write_rows(tx, one); });
  return x.out;
}

void FeedbackService::enqueue(std::unique_ptr<Prepared> x) {
  // SQLite queues the batch's job from here (its write_async only queues); PostgreSQL runs a
  // write where it is asked, so a flusher thread asks there, off the IO threads.
  bool direct = db_.backend() == store::Backend::sqlite;
  if (!direct) std::call_once(flusher_started_, [this] { flusher_ = std::thread([this] { flusher_loop(); }); });
  bool submit = false;
  {
    std::lock_guard lk(q_mu_);
    if (stopping_) throw Error(503, "shutting_down", "the server is stopping; please retry");
    queue_.push_back(std::move(x));
    if (direct && !batch_queued_) {
      batch_queued_ = true;
      ++writing_;
      submit = true;
    }
  }
  if (!direct) q_cv_.notify_one();
  else if (submit) submit_batch(nullptr);
}

void FeedbackService::answer(Prepared& x, std::exception_ptr e) {
  if (e) tracker_.forget(x.recorded);
  try {
    x.done(x.out, e);
  } catch (const std::exception& ex) {
    spdlog::error("rating {}: answering failed: {}", x.out.id, ex.what());
  }
}

// Tells the flusher that its batch's transaction has started (it may hand over the next).
struct FeedbackService::BatchStart {
  std::mutex mu;
  std::condition_variable cv;
  bool started = false;
  void signal() {
    {
      std::lock_guard lk(mu);
      started = true;
    }
    cv.notify_all();
  }
  void wait() {
    std::unique_lock lk(mu);
    cv.wait(lk, [&] { return started; });
  }
};

// One batch at a time is waiting for the writer: the batch takes the queued ratings when its
// transaction starts, so ratings arriving while the previous batch commits and syncs join it.
// Answers go out when the batch is durable (SQLite: from the database's sync thread). The
// caller has counted the batch in writing_ (and, without a flusher, set batch_queued_).
void FeedbackService::submit_batch(std::shared_ptr<BatchStart> start) {
  using Batch = std::vector<std::unique_ptr<Prepared>>;
  auto batch = std::make_shared<Batch>();
  auto job = [this, batch, start](store::Tx& tx) {
    if (batch->empty()) {  // a retried transaction keeps its batch
      bool more = false;
      {
        std::lock_guard lk(q_mu_);
        while (!queue_.empty() && batch->size() < 1000) {
          batch->push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
        if (!start) {  // no flusher: ratings queued from now on need the next job
          more = !queue_.empty();
          batch_queued_ = more;
          if (more) ++writing_;
        }
      }
      if (more) submit_batch(nullptr);
    }
    if (start) start->signal();
    std::vector<Prepared*> rows;
    for (auto& x : *batch) rows.push_back(x.get());
    write_rows(tx, rows);
  };
  auto done = [this, batch, start](std::exception_ptr e) {
    if (start) start->signal();
    if (!e || batch->size() <= 1) {
      if (!e) queue_cases(*batch);
      for (auto& x : *batch) answer(*x, e);
    } else {
      // Find the culprit: each rating on its own, so one bad row fails only its request.
      for (auto& x : *batch) {
        Prepared* one = x.get();
        {
          std::lock_guard lk(q_mu_);
          ++writing_;
        }
        write_one(one, [this, batch, one](std::exception_ptr e1) {
          if (!e1) queue_cases({one});
          answer(*one, e1);
        });
      }
    }
    finished_writing();
  };
  try {
    db_.write_async(job, done);
  } catch (...) {  // the database is closing: fail what is queued
    auto e = std::current_exception();
    Batch left;
    {
      std::lock_guard lk(q_mu_);
      while (!queue_.empty()) {
        left.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      batch_queued_ = false;
    }
    for (auto& x : left) answer(*x, e);
    if (start) start->signal();
    finished_writing();
  }
}

void FeedbackService::flusher_loop() {
  pthread_setname_np(pthread_self(), "rating-flusher");
  for (;;) {
    {
      std::unique_lock lk(q_mu_);
      q_cv_.wait(lk, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      ++writing_;
    }
    auto start = std::make_shared<BatchStart>();
    submit_batch(start);
    start->wait();
  }
}

void FeedbackService::write_one(Prepared* x, std::function<void(std::exception_ptr)> done) {
  try {
    db_.write_async([this, x](store::Tx& tx) { write_rows(tx, {x}); },
                    [this, done](std::exception_ptr e) {
                      done(e);
                      finished_writing();
                    });
  } catch (...) {
    done(std::current_exception());
    finished_writing();
  }
}

void FeedbackService::finished_writing() {
  {
    std::lock_guard lk(q_mu_);
    --writing_;
  }
  q_cv_.notify_all();
}

// ---------------------------------------------------------------- bad-review cases after the commit
// A public rating is answered as soon as it is durable; its bad-review case (a case, its
// history, an audit entry and a notification: some 30 index entries) is opened right after by
// the case opener, in transactions of its own that the database runs when no rating batch is
// waiting. The rating row carries case_pending until then, so a restart finishes the work.

void FeedbackService::queue_cases(const std::vector<Prepared*>& items) {
  size_t n = 0;
  {
    std::lock_guard lk(case_mu_);
    for (auto* x : items)
      if (x->case_later && needs_case(*x)) {
        case_queue_.push_back(x->out.id);
        ++n;
      }
  }
  if (n) start_case_opener();
}

void FeedbackService::queue_cases(const std::vector<std::unique_ptr<Prepared>>& batch) {
  std::vector<Prepared*> items;
  for (auto& x : batch) items.push_back(x.get());
  queue_cases(items);
}

void FeedbackService::start_case_opener() {
  // SQLite has one writer: one opener. PostgreSQL spends round trips per case, which several
  // openers overlap (their transactions meet only at the audit chain's head row).
  std::call_once(opener_started_, [this] {
    int n = db_.backend() == store::Backend::postgres ? 4 : 1;
    for (int i = 0; i < n; ++i) openers_.emplace_back([this] { case_opener_loop(); });
  });
  case_cv_.notify_all();
}

// Cases per transaction: each takes ~0.1–0.2 ms of the single SQLite writer, so a transaction of
// 8 delays the rating batches waiting behind it by about a millisecond at most; fewer per
// transaction cannot keep up with a high share of bad reviews (measured: bench/README.md).
// When a backlog builds, transactions grow with it, up to 128 cases, so the opener catches up
// instead of falling further behind.
static size_t cases_per_transaction(size_t waiting) { return std::clamp<size_t>(waiting / 4, 8, 128); }

void FeedbackService::case_opener_loop() {
  pthread_setname_np(pthread_self(), "case-opener");
  for (;;) {
    std::vector<int64_t> ids;
    {
      std::unique_lock lk(case_mu_);
      case_cv_.wait(lk, [&] { return case_stopping_ || !case_queue_.empty(); });
      if (case_queue_.empty()) return;  // stopping and drained
      size_t take = cases_per_transaction(case_queue_.size());
      while (!case_queue_.empty() && ids.size() < take) {
        ids.push_back(case_queue_.front());
        case_queue_.pop_front();
      }
    }
    // The whole batch without savepoints; when any case fails, the batch is rolled back and
    // opened again with each case isolated, so one bad case costs only itself (logged; its
    // rating keeps no case, for a handler to open by hand).
    if (!open_cases(ids, false)) open_cases(ids, true);
  }
}

bool FeedbackService::open_cases(const std::vector<int64_t>& ids, bool isolated) {
  std::promise<bool> finished;
  auto fut = finished.get_future();
  try {
    db_.write_background([this, ids, isolated](store::Tx& tx) {
      for (auto id : ids) open_case_for(tx, id, nullptr, isolated);
    },
                         [&finished, &ids, isolated](std::exception_ptr e) {
                           if (e) {
                             try {
                               std::rethrow_exception(e);
                             } catch (const std::exception& ex) {
                               if (isolated)  // left pending: the next start opens them
                                 spdlog::error("bad-review cases for {} rating(s) not opened: {}", ids.size(), ex.what());
                             }
                           }
                           finished.set_value(!e);
                         });
  } catch (const std::exception& ex) {
    spdlog::error("bad-review cases for {} rating(s) not queued: {}", ids.size(), ex.what());
    return true;  // the database is closing: nothing to retry now
  }
  return fut.get();
}

int64_t FeedbackService::open_case_for(store::Tx& tx, int64_t rating_id, const audit::Actor* who, bool isolated) {
  // Locked while its case is decided: the recovery job of another instance may have queued the
  // same rating, and the one that waits then finds the case opened.
  auto r = tx.query(store::claim(tx,
                                 "SELECT point_id, overall, comment, phone_enc, channel, ip, status, case_id, "
                                 "case_pending FROM ratings WHERE id = ?",
                                 false),
                    {rating_id});
  if (r.empty()) return 0;
  bool pending = r[0].i64(8) != 0;
  if (!who && (!pending || r[0].str(6) != "valid" || !r[0].null(7))) {  // reviewed or opened meanwhile
    if (pending) tx.exec("UPDATE ratings SET case_pending = 0 WHERE id = ?", {rating_id});
    return 0;
  }
  auto pi = point(r[0].i64(0));
  int64_t case_id = 0;
  if (pi) {
    PointInfo info;
    info.point = *pi;
    NewRating nr;
    nr.overall = static_cast<int>(r[0].i64(1));
    nr.comment = r[0].str(2);
    nr.channel = r[0].str(4);
    nr.ip = r[0].str(5);
    if (who) {
      nr.entered_by = who->user_id;
      nr.entered_by_name = who->username;
    }
    std::string phone;
    if (!r[0].null(3)) phone = cases::pii::open(phone_key(), r[0].str(3));
    case_id = open_bad_review(tx, info, nr, rating_id, phone, isolated);
  }
  tx.exec("UPDATE ratings SET case_id = ?, case_pending = 0 WHERE id = ?", {opt_id(case_id), rating_id});
  return case_id;
}

int64_t FeedbackService::open_case_by_hand(const audit::Actor& who, int64_t rating_id) {
  int64_t case_id = 0;
  db_.write([&](store::Tx& tx) {
    auto r = tx.query("SELECT status, overall, case_id, case_pending FROM ratings WHERE id = ?", {rating_id});
    if (r.empty()) throw not_found("rating");
    if (!r[0].null(2)) throw conflict("case_exists", "this rating already has its bad-review case");
    if (r[0].i64(3)) throw conflict("case_pending", "the case is being opened; please reload in a moment");
    if (r[0].i64(1) > 2) throw invalid("overall", "only a 不满意 or 非常不满意 rating opens a bad-review case");
    if (r[0].str(0) != "valid") throw conflict("not_valid", "only a valid rating opens a case (review it first)");
    case_id = open_case_for(tx, rating_id, &who);
    if (!case_id) throw Error(500, "case_not_opened", "the case could not be opened; the error has been logged");
  });
  return case_id;
}

void FeedbackService::resume_pending_cases(std::optional<int64_t> stored_before) {
  size_t n = 0;
  auto rows = stored_before ? db_.query("SELECT id FROM ratings WHERE case_pending = 1 AND id < ? ORDER BY id",
                                        {id_floor(*stored_before)})
                            : db_.query("SELECT id FROM ratings WHERE case_pending = 1 ORDER BY id");
  {
    std::lock_guard lk(case_mu_);
    for (auto& row : rows) {
      case_queue_.push_back(row.i64(0));
      ++n;
    }
  }
  if (n) {
    spdlog::info("opening {} bad-review case(s) left pending", n);
    start_case_opener();
  }
}

void FeedbackService::mark_staff_device(const audit::Actor& who, int64_t user_id, int64_t staff_id,
                                        const std::string& device) {
  db_.write([&](store::Tx& tx) {
    auto before = tx.query("SELECT user_id FROM staff_devices WHERE device = ?", {device});
    if (!before.empty() && before[0].i64(0) == user_id) return;  // already marked by this user
    tx.exec("INSERT INTO staff_devices(device, user_id, staff_id, marked_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (device) DO UPDATE SET user_id = excluded.user_id, staff_id = excluded.staff_id, "
            "marked_at = excluded.marked_at",
            {device, user_id, opt_id(staff_id), now_ms()});
    audit::record(tx, who, {"feedback.device.mark", "staff_device", user_id, 0, "", "", "",
                            "控制台设备标记为员工设备"});
  });
  tracker_.mark_staff_device(device);
}

// ---------------------------------------------------------------- reading and review
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
    auto cur = tx.query("SELECT status, node_id, template_id, day, overall, answers, form_version_id FROM ratings "
                        "WHERE id = ?",
                        {id});
    std::string status = cur[0].str(0);
    int64_t node = cur[0].i64(1), tmpl = cur[0].i64(2);
    int day = static_cast<int>(cur[0].i64(3)), overall = static_cast<int>(cur[0].i64(4));
    auto def = forms_.version(cur[0].i64(6)).def;
    forms::Answers answers;
    if (!cur[0].str(5).empty()) answers = forms::parse_answers(*def, json::parse(cur[0].str(5)));
    std::vector<metrics::Observation> obs{{"overall", overall}};
    for (auto& [d, l] : forms::dimension_levels(*def, answers)) obs.push_back({d, l});
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
            {id, node, before->unit_id, state, reason, opt_id(who.user_id), now, now});
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
                         Params& p) {
  std::string where = "(" + store::subtree_condition("n.path", scope, p) + ")";
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
                                                     const std::string& state, int64_t cursor, int limit) {
  Params p;
  std::string where = review_where(scope, node_path, state, p);
  if (cursor) {
    where += " AND v.rating_id < ?";
    p.emplace_back(cursor);
  }
  p.emplace_back(int64_t{limit});
  std::vector<ReviewRow> out;
  for (auto& r : db_.query(
           "SELECT v.rating_id, v.node_id, v.unit_id, v.flags, v.state, v.reason, v.created_at, v.reviewed_at, "
           "v.reviewed_by, n.name, u.name, r.overall, r.comment, r.channel" + std::string(kReviewFrom) +
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
    out.push_back(std::move(x));
  }
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

namespace {
std::vector<int64_t> path_ids(const std::string& path) {
  std::vector<int64_t> ids;
  size_t i = 1;
  while (i < path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string::npos) break;
    ids.push_back(parse_id(path.substr(i, j - i)));
    i = j + 1;
  }
  return ids;
}
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
    auto ids = path_ids(n.path);
    bool found = false;
    for (auto it = ids.rbegin(); it != ids.rend() && !found; ++it)
      if (auto e = explicit_t.find(*it); e != explicit_t.end()) {
        out[n.id] = e->second;
        found = true;
      }
    if (found) continue;
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


std::map<int64_t, double> FeedbackService::explicit_targets() {
  // The whole table, cached for 30 s in each process (set_target clears it here at once).
  {
    std::lock_guard lk(rule_mu_);
    if (targets_cached_at_ && now_ms() - targets_cached_at_ < 30000) return targets_cache_;
  }
  std::map<int64_t, double> t;
  for (auto& r : db_.query("SELECT node_id, target FROM satisfaction_targets")) t[r.i64(0)] = r.f64(1);
  std::lock_guard lk(rule_mu_);
  targets_cache_ = t;
  targets_cached_at_ = now_ms();
  return t;
}

double FeedbackService::target_for(const org::Node& n) { return targets_for({n}).at(n.id); }

double FeedbackService::followup_target_for(const org::Node& n) {
  auto ids = path_ids(n.path);
  if (!ids.empty()) {
    Params p;
    std::string in;
    for (auto id : ids) {
      in += in.empty() ? "?" : ",?";
      p.emplace_back(id);
    }
    auto r = db_.query(
        "SELECT node_id, followup_target FROM satisfaction_targets WHERE followup_target IS NOT NULL AND node_id IN (" + in + ")",
        p);
    for (auto it = ids.rbegin(); it != ids.rend(); ++it)
      for (auto& row : r)
        if (row.i64(0) == *it) return row.f64(1);
  }
  return opts_.default_followup_target;
}

void FeedbackService::set_target(const audit::Actor& who, const org::Node& n, std::optional<double> target,
                                 std::optional<double> followup_target) {
  if (target && !(*target > 0 && *target <= 1)) throw invalid("target", "target is a share between 0 and 1 (0.9 = 90%)");
  if (followup_target && !(*followup_target > 0 && *followup_target <= 1))
    throw invalid("followup_target", "followup_target is a share between 0 and 1");
  db_.write([&](store::Tx& tx) {
    auto cur = tx.query("SELECT target, followup_target FROM satisfaction_targets WHERE node_id = ?", {n.id});
    double t = target.value_or(cur.empty() ? target_for(n) : cur[0].f64(0));
    Value ft = followup_target ? Value(*followup_target) : (cur.empty() || cur[0].null(1) ? Value(nullptr) : Value(cur[0].f64(1)));
    tx.exec("INSERT INTO satisfaction_targets(node_id, target, followup_target, updated_at, updated_by) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (node_id) DO UPDATE SET target = excluded.target, followup_target = excluded.followup_target, "
            "updated_at = excluded.updated_at, updated_by = excluded.updated_by",
            {n.id, t, ft, now_ms(), opt_id(who.user_id)});
    {
      std::lock_guard lk(rule_mu_);
      targets_cached_at_ = 0;
    }
    audit::record(tx, who, {"feedback.target.set", "satisfaction_target", n.id, n.id, n.path,
                            cur.empty() ? "" : fmt::format("{}", cur[0].f64(0)), fmt::format("{}", t),
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
