#include "forms/service.hpp"

#include "core/json.hpp"

#include <fmt/format.h>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/id.hpp"
#include "feedback/embedded.hpp"
#include "forms/json.hpp"

namespace manyi::forms {
namespace {

const char* kCols =
    "t.id, t.kind, t.code, t.name, t.owner_node_id, t.owner_path, t.draft, t.current_version_id, "
    "(SELECT v.version FROM form_versions v WHERE v.id = t.current_version_id), t.copied_from, t.active, t.updated_at";

Template from_row(const store::Row& r) {
  Template t;
  t.id = r.i64(0);
  t.kind = r.str(1);
  t.code = r.str(2);
  t.name = r.str(3);
  t.owner_node_id = r.i64(4);
  t.owner_path = r.str(5);
  t.draft = r.str(6);
  t.current_version_id = r.i64(7);
  t.current_version = static_cast<int>(r.i64(8));
  t.copied_from = r.i64(9);
  t.active = r.i64(10) != 0;
  t.updated_at = r.i64(11);
  return t;
}

void check_code(const std::string& code) {
  if (code.empty() || code.size() > 40) throw invalid("code", "code must be 1–40 characters");
  for (char c : code)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'))
      throw invalid("code", "code may contain only letters, digits, '-' and '_'");
}

// Inserts a template with its first published version inside tx. Returns 0 (and inserts
// nothing) when another transaction committed a template with the same code meanwhile — two
// instances installing the shipped templates at once: the later one waits and skips it.
int64_t insert_template(store::Tx& tx, const Definition& d, int64_t owner, const std::string& owner_path,
                        int64_t copied_from, int64_t by) {
  int64_t id = new_id(), vid = new_id(), t = now_ms();
  std::string text = definition_json(d).dump();
  if (tx.exec("INSERT INTO form_templates(id, kind, code, name, owner_node_id, owner_path, draft, current_version_id, "
              "copied_from, active, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?) "
              "ON CONFLICT (code) DO NOTHING",
              {id, d.kind, d.code, d.name, owner ? store::Value(owner) : store::Value(nullptr), owner_path, text, vid,
               copied_from ? store::Value(copied_from) : store::Value(nullptr), t, t}) != 1)
    return 0;
  tx.exec("INSERT INTO form_versions(id, template_id, version, definition, published_at, published_by) "
          "VALUES (?, ?, 1, ?, ?, ?)",
          {vid, id, text, t, by ? store::Value(by) : store::Value(nullptr)});
  return id;
}

}  // namespace

void FormService::ensure_seeded() {
  {
    std::lock_guard lk(mu_);
    if (seeded_) return;
  }
  std::vector<Definition> shipped;
  for (auto& f : embedded::survey_templates()) shipped.push_back(parse_definition_text(std::string(f.data)));
  for (auto& f : embedded::checklist_templates()) shipped.push_back(parse_definition_text(std::string(f.data)));
  db_.write([&](store::Tx& tx) {
    for (auto& d : shipped) {
      if (!tx.query("SELECT 1 FROM form_templates WHERE code = ?", {d.code}).empty()) continue;
      int64_t id = insert_template(tx, d, 0, "", 0, 0);
      if (!id) continue;  // another instance installed it a moment ago
      audit::record(tx, {0, "system", ""},
                    {"form.template.seed", "form_template", id, 0, "", "", "", "内置模板 " + d.code});
    }
  });
  std::lock_guard lk(mu_);
  seeded_ = true;
}

std::vector<Template> FormService::list(const std::string& kind, const std::vector<std::string>& scopes) {
  ensure_seeded();
  auto rows = db_.query(fmt::format("SELECT {} FROM form_templates t WHERE t.active = 1 {} ORDER BY t.owner_path, t.code",
                                    kCols, kind.empty() ? "" : "AND t.kind = ?"),
                        kind.empty() ? store::Params{} : store::Params{kind});
  std::vector<Template> out;
  for (auto& r : rows) {
    Template t = from_row(r);
    bool visible = t.owner_node_id == 0;
    for (auto& s : scopes)
      visible |= t.owner_path.compare(0, s.size(), s) == 0 || s.compare(0, t.owner_path.size(), t.owner_path) == 0;
    if (visible) out.push_back(std::move(t));
  }
  return out;
}

std::optional<Template> FormService::get(int64_t id) {
  ensure_seeded();
  auto r = db_.query(fmt::format("SELECT {} FROM form_templates t WHERE t.id = ?", kCols), {id});
  if (r.empty()) return std::nullopt;
  return from_row(r[0]);
}

std::optional<Template> FormService::by_code(const std::string& code) {
  ensure_seeded();
  auto r = db_.query(fmt::format("SELECT {} FROM form_templates t WHERE t.code = ?", kCols), {code});
  if (r.empty()) return std::nullopt;
  return from_row(r[0]);
}

std::vector<Version> FormService::versions(int64_t template_id) {
  std::vector<Version> out;
  for (auto& r : db_.query("SELECT id, version, published_at FROM form_versions WHERE template_id = ? ORDER BY version DESC",
                           {template_id})) {
    Version v;
    v.id = r.i64(0);
    v.template_id = template_id;
    v.version = static_cast<int>(r.i64(1));
    v.published_at = r.i64(2);
    out.push_back(std::move(v));
  }
  return out;
}

Template FormService::copy(const audit::Actor& who, int64_t src_id, int64_t owner, const std::string& owner_path,
                           const std::string& code_in, const std::string& name) {
  auto src = get(src_id);
  if (!src) throw not_found("form template");
  Definition d = *current(src_id).def;
  d.code = code_in.empty() ? fmt::format("{}-{}", utf8_prefix(src->code, 20), new_id() % 1000000) : code_in;
  check_code(d.code);
  if (!name.empty()) d.name = name;
  validate_definition(d);
  int64_t id = 0;
  db_.write([&](store::Tx& tx) {
    if (!tx.query("SELECT 1 FROM form_templates WHERE code = ?", {d.code}).empty())
      throw conflict("duplicate_code", "another template already uses this code", "code");
    id = insert_template(tx, d, owner, owner_path, src_id, who.user_id);
    if (!id) throw conflict("duplicate_code", "another template already uses this code", "code");
    audit::record(tx, who, {"form.template.copy", "form_template", id, owner, owner_path, "", "",
                            fmt::format("由「{}」复制为「{}」", src->name, d.name)});  // names: the log is read in Chinese
  });
  return *get(id);
}

Template FormService::save_draft(const audit::Actor& who, int64_t id, const std::string& definition_text) {
  auto t = get(id);
  if (!t) throw not_found("form template");
  json j = json::parse(definition_text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw invalid("definition", "the definition must be a JSON object");
  j["code"] = t->code;  // identity is the template's, not the draft's
  if (!j.contains("kind")) j["kind"] = t->kind;
  Definition d = parse_definition(j);
  if (d.kind != t->kind) throw invalid("definition", "the kind of a template cannot change");
  std::string text = definition_json(d).dump();
  db_.write([&](store::Tx& tx) {
    tx.exec("UPDATE form_templates SET draft = ?, name = ?, updated_at = ? WHERE id = ?", {text, d.name, now_ms(), id});
    audit::record(tx, who, {"form.template.draft", "form_template", id, t->owner_node_id, t->owner_path, t->draft, text,
                            d.name});
  });
  return *get(id);
}

Version FormService::publish(const audit::Actor& who, int64_t id) {
  int64_t vid = new_id();
  db_.write([&](store::Tx& tx) {
    auto r = tx.query("SELECT draft, owner_node_id, owner_path FROM form_templates WHERE id = ?", {id});
    if (r.empty()) throw not_found("form template");
    std::string draft = r[0].str(0);
    parse_definition_text(draft);  // still valid
    auto last = tx.query("SELECT MAX(version), (SELECT definition FROM form_versions WHERE id = "
                         "(SELECT current_version_id FROM form_templates WHERE id = ?)) FROM form_versions WHERE template_id = ?",
                         {id, id});
    if (!last.empty() && !last[0].null(1) && last[0].str(1) == draft)
      throw conflict("unchanged", "the draft is the same as the current version; edit it before publishing");
    int next = static_cast<int>(last.empty() ? 0 : last[0].i64(0)) + 1;
    int64_t t = now_ms();
    tx.exec("INSERT INTO form_versions(id, template_id, version, definition, published_at, published_by) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            {vid, id, int64_t{next}, draft, t, who.user_id ? store::Value(who.user_id) : store::Value(nullptr)});
    tx.exec("UPDATE form_templates SET current_version_id = ?, updated_at = ? WHERE id = ?", {vid, t, id});
    audit::record(tx, who, {"form.template.publish", "form_template", id, r[0].i64(1), r[0].str(2), "", draft,
                            fmt::format("第 {} 版", next)});
  });
  return version(vid);
}

Version FormService::version(int64_t vid) {
  {
    std::lock_guard lk(mu_);
    auto it = cache_.find(vid);
    if (it != cache_.end()) return it->second;
  }
  auto r = db_.query("SELECT id, template_id, version, published_at, definition FROM form_versions WHERE id = ?", {vid});
  if (r.empty()) throw not_found("form version");
  Version v;
  v.id = r[0].i64(0);
  v.template_id = r[0].i64(1);
  v.version = static_cast<int>(r[0].i64(2));
  v.published_at = r[0].i64(3);
  v.definition_text = r[0].str(4);
  v.def = std::make_shared<const Definition>(parse_definition_text(v.definition_text));
  std::lock_guard lk(mu_);
  cache_.emplace(vid, v);
  return v;
}

Version FormService::current(int64_t template_id) {
  auto r = db_.query("SELECT current_version_id FROM form_templates WHERE id = ?", {template_id});
  if (r.empty()) throw not_found("form template");
  if (r[0].null(0)) throw conflict("unpublished", "this template has no published version yet");
  return version(r[0].i64(0));
}

}  // namespace manyi::forms
