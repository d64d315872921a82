// The rectifications table in one place: the row <-> struct mapping, the code sequence and
// the org lookups an item needs.
#include <fmt/format.h>

#include <atomic>

#include "core/error.hpp"
#include "org/reads.hpp"
#include "core/org_path.hpp"
#include "rectify/internal.hpp"
#include "store/subtree.hpp"
#include "workflow/machine.hpp"

namespace manyi::rectify::detail {
namespace {
using store::id_or_null;
using store::Value;
template <class T>
Value opt(const std::optional<T>& v) {
  return v ? Value(*v) : Value(nullptr);
}
const char* const kColumns[] = {
    "id",          "code",         "unit_id",         "unit_path",  "inst_id",          "responsible",
    "responsible_user_id",         "source",          "source_ref", "source_id",        "category",
    "problem",     "cause",        "measures",        "hazard",     "severity",         "funds",
    "contingency", "status",       "limit_days",      "started_at", "warn_at",          "deadline_at",
    "supervise_at", "level",       "next_check_at",   "redo_count", "ext_until",        "ext_reason",
    "ext_requested_at", "ext_by",  "public",          "created_by", "created_at",       "updated_at",
    "closed_at",   "verified_by"};
constexpr size_t kN = sizeof(kColumns) / sizeof(kColumns[0]);

store::Params values(const Item& it) {
  Value ext_until = it.extension ? Value(it.extension->until) : Value(nullptr);
  Value ext_reason = it.extension ? Value(it.extension->reason) : Value(nullptr);
  Value ext_at = it.extension ? Value(it.extension->requested_at) : Value(nullptr);
  Value ext_by = it.extension ? id_or_null(it.extension->by) : Value(nullptr);
  return {it.id,          it.code,         it.unit_id,        it.unit_path,
          it.inst_id,     opt(it.responsible), id_or_null(it.responsible_user_id), it.source,
          opt(it.source_ref), id_or_null(it.source_id), opt(it.category), it.problem,
          opt(it.cause),  opt(it.measures), int64_t{it.hazard}, opt(it.severity),
          opt(it.funds),  opt(it.contingency), it.status,     int64_t{it.limit_days},
          it.started_at,  it.warn_at,      it.deadline_at,    it.supervise_at,
          int64_t{it.level}, opt(it.next_check_at), int64_t{it.redo_count}, ext_until,
          ext_reason,     ext_at,          ext_by,            int64_t{it.is_public},
          id_or_null(it.created_by), it.created_at, it.updated_at, opt(it.closed_at),
          opt(it.verified_by)};
}

std::string column_list() {
  std::string s;
  for (size_t i = 0; i < kN; ++i) s += std::string(i ? ", r." : "r.") + kColumns[i];
  return s;
}
}  // namespace

static const std::string kSelectText = column_list() + ", (SELECT n.name FROM org_nodes n WHERE n.id = r.unit_id)";
const char* const kSelect = kSelectText.c_str();
const char* const kFrom = " FROM rectifications r";

Item from_row(const store::Row& r) {
  Item it;
  size_t i = 0;
  it.id = r.i64(i++);
  it.code = r.str(i++);
  it.unit_id = r.i64(i++);
  it.unit_path = r.str(i++);
  it.inst_id = r.i64(i++);
  it.responsible = r.opt_str(i++);
  it.responsible_user_id = r.i64(i++);
  it.source = r.str(i++);
  it.source_ref = r.opt_str(i++);
  it.source_id = r.i64(i++);
  it.category = r.opt_str(i++);
  it.problem = r.str(i++);
  it.cause = r.opt_str(i++);
  it.measures = r.opt_str(i++);
  it.hazard = r.i64(i++) != 0;
  it.severity = r.opt_str(i++);
  it.funds = r.opt_str(i++);
  it.contingency = r.opt_str(i++);
  it.status = r.str(i++);
  it.limit_days = static_cast<int>(r.i64(i++));
  it.started_at = r.i64(i++);
  it.warn_at = r.i64(i++);
  it.deadline_at = r.i64(i++);
  it.supervise_at = r.i64(i++);
  it.level = static_cast<int>(r.i64(i++));
  it.next_check_at = r.opt_i64(i++);
  it.redo_count = static_cast<int>(r.i64(i++));
  if (!r.null(i)) it.extension = Extension{r.str(i), r.str(i + 1), r.i64(i + 2), r.i64(i + 3)};
  i += 4;
  it.is_public = r.i64(i++) != 0;
  it.created_by = r.i64(i++);
  it.created_at = r.i64(i++);
  it.updated_at = r.i64(i++);
  it.closed_at = r.opt_i64(i++);
  it.verified_by = r.opt_str(i++);
  it.unit_name = r.str(i++);
  return it;
}

CountKey count_key(const Item& it) { return {it.status, is_open(it.status) && it.level >= 2}; }

namespace {
void count(store::Tx& tx, const Item& it, const CountKey& k, int64_t delta) {
  for (int64_t node : org::Path(it.unit_path).ids())
    tx.exec("INSERT INTO rectification_counts(node_id, status, overdue, n) VALUES (?, ?, ?, ?) ON CONFLICT(node_id, "
            "status, overdue) DO UPDATE SET n = rectification_counts.n + excluded.n",
            {node, k.status, int64_t{k.overdue}, delta});
}
}  // namespace

namespace {
std::atomic<uint64_t> g_changes{0};
}  // namespace

uint64_t changes() { return g_changes.load(std::memory_order_acquire); }

void insert_item(store::Tx& tx, const Item& it) {
  g_changes.fetch_add(1, std::memory_order_acq_rel);
  std::string cols, qs;
  for (size_t i = 0; i < kN; ++i) {
    cols += std::string(i ? ", " : "") + kColumns[i];
    qs += i ? ", ?" : "?";
  }
  tx.exec_deferred("INSERT INTO rectifications(" + cols + ") VALUES (" + qs + ")", values(it));
  count(tx, it, count_key(it), 1);
}

void save_item(store::Tx& tx, const Item& it, const CountKey& was) {
  g_changes.fetch_add(1, std::memory_order_acq_rel);
  std::string set;
  for (size_t i = 1; i < kN; ++i) set += std::string(i > 1 ? ", " : "") + kColumns[i] + " = ?";
  auto p = values(it);
  p.push_back(p.front());
  p.erase(p.begin());
  tx.exec("UPDATE rectifications SET " + set + " WHERE id = ?", p);
  auto now = count_key(it);
  if (now == was) return;
  count(tx, it, was, -1);
  count(tx, it, now, 1);
}

std::optional<Item> load(store::Db& db, int64_t id) {
  auto r = db.query(std::string("SELECT ") + kSelect + kFrom + " WHERE r.id = ?", {id});
  if (r.empty()) return std::nullopt;
  return from_row(r[0]);
}

std::optional<Item> load_for_update(store::Tx& tx, int64_t id) {
  std::string sql = std::string("SELECT ") + kSelect + kFrom + " WHERE r.id = ?";
  if (tx.backend() == store::Backend::postgres) sql += " FOR UPDATE";
  auto r = tx.query(sql, {id});
  if (r.empty()) return std::nullopt;
  return from_row(r[0]);
}

int64_t reserve_codes(store::Tx& tx, calendar::Day day, int64_t n) {
  std::string key = "rectify.seq." + calendar::format_date(day);
  auto r = tx.query(
      "INSERT INTO settings(key, value, updated_at) VALUES (?, ?, 0) ON CONFLICT (key) DO UPDATE SET "
      "value = CAST(CAST(settings.value AS BIGINT) + ? AS TEXT) RETURNING value",
      {key, std::to_string(n), n});
  return std::stoll(r[0].str(0)) - n + 1;
}

std::string code_of(calendar::Day day, int64_t seq) {
  int y, m, d;
  calendar::civil_of(day, y, m, d);
  return fmt::format("ZG{:04d}{:02d}{:02d}-{:04d}", y, m, d, seq);
}

std::optional<Unit> unit_of(store::Tx& tx, int64_t node_id) {
  auto n = org::node_at(tx, node_id);
  if (!n) return std::nullopt;
  Unit u{n->id, n->id, n->path.str(), n->name, n->kind, n->active};
  if (u.kind != "institution")
    if (auto inst = org::institution_of(tx, n->path)) u.inst_id = inst->id;
  return u;
}

int64_t above(store::Tx& tx, int64_t inst_id) {
  auto n = org::node_at(tx, inst_id);
  return n ? n->path.parent_id() : 0;
}

std::string text(const std::string& v, const char* field, size_t max_chars, bool required) {
  return workflow::check_text(v, field, max_chars, required);
}

calendar::Day future_date(const std::string& v, const char* field, int64_t now) {
  auto d = calendar::parse_date(v);
  if (!d) throw invalid(field, std::string(field) + " must be a date YYYY-MM-DD");
  if (*d < calendar::day_of(now)) throw invalid(field, std::string(field) + " must not be in the past");
  return *d;
}

}  // namespace manyi::rectify::detail
