// Case configuration: categories (with their keywords for suggesting one) and time limits,
// their snapshot, and the settings CaseService edits.
#include <fmt/format.h>

#include "cases/internal.hpp"
#include "cases/service.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "store/snapshot.hpp"
#include "workflow/machine.hpp"

namespace manyi::cases {
namespace detail {

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

namespace {
store::Snapshots<Config>& configs() {
  static store::Snapshots<Config> s("cases.config");
  return s;
}
}  // namespace

namespace {
template <class Reader>  // Tx or Db: both have query()
std::shared_ptr<const Config> load_config(Reader& rd) {
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

}  // namespace

std::shared_ptr<const Config> config_of(Tx& tx) { return load_config(tx); }
std::shared_ptr<const Config> config_of(store::Db& db) { return load_config(db); }
void config_changed(Tx& tx) { configs().changed(tx); }

}  // namespace detail
using namespace detail;

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
