#include "forms/responses.hpp"

#include <fmt/format.h>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/id.hpp"
#include "core/json.hpp"
#include "forms/json.hpp"
#include "org/reads.hpp"
#include "store/subtree.hpp"
#include "workflow/attachments.hpp"

namespace manyi::forms {
namespace {

const char* kCols =
    "id, template_id, version_id, kind, node_id, node_path, subject, submitted_by, submitted_at, answers, notes, "
    "result, score, percentage, grade, vetoed";

Response from_row(const store::Row& r) {
  Response x;
  x.id = r.i64(0);
  x.template_id = r.i64(1);
  x.version_id = r.i64(2);
  x.kind = r.str(3);
  x.node_id = r.i64(4);
  x.node_path = r.str(5);
  x.subject = r.str(6);
  x.submitted_by = r.i64(7);
  x.submitted_at = r.i64(8);
  x.answers = r.str(9);
  x.notes = r.str(10);
  x.result = r.str(11);
  x.score = r.f64(12);
  x.percentage = r.f64(13);
  x.grade = r.str(14);
  x.vetoed = r.i64(15) != 0;
  return x;
}

size_t chars(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xc0) != 0x80;
  return n;
}

void check_notes(const Definition& d, const Notes& notes) {
  if (notes.size() > 200) throw invalid("notes", "too many notes");
  for (auto& [id, text] : notes) {
    std::string field = "notes." + utf8_prefix(id, 40);
    if (!d.item(id)) throw invalid(field, "no such item in this form");
    if (!jv::valid_text(text)) throw invalid(field, "the note contains invalid characters");
    if (chars(text) > 1000) throw invalid(field, "a note has at most 1000 characters");
  }
}

}  // namespace

Notes parse_notes(const Definition& d, const json& j) {
  Notes out;
  if (j.is_null()) return out;
  if (!j.is_object()) throw invalid("notes", "notes must be an object {\"<item id>\": \"note\"}");
  if (j.size() > 200) throw invalid("notes", "too many notes");
  for (auto& [k, v] : j.items()) {
    std::string field = "notes." + utf8_prefix(k, 40);
    if (v.is_null()) continue;
    if (!v.is_string()) throw invalid(field, "a note is text");
    std::string text = v.get<std::string>();
    if (text.find_first_not_of(" \t\r\n") == std::string::npos) continue;
    out[k] = std::move(text);
  }
  check_notes(d, out);
  return out;
}

std::shared_ptr<const Definition> ResponseService::definition_for(int64_t template_id, int64_t version_id) {
  auto t = forms_.get(template_id);
  if (!t) throw invalid("template_id", "no such form template");
  if (!version_id) {
    if (!t->current_version_id) throw invalid("template_id", "this template has no published version yet");
    return forms_.version(t->current_version_id).def;
  }
  Version v;
  try {
    v = forms_.version(version_id);
  } catch (const Error&) {
    throw invalid("version_id", "no such version of this template");
  }
  if (v.template_id != template_id) throw invalid("version_id", "no such version of this template");
  return v.def;
}

Response ResponseService::submit(store::Tx& tx, const Submission& s) {
  auto t = tx.query("SELECT kind, current_version_id, active FROM form_templates WHERE id = ?", {s.template_id});
  if (t.empty() || t[0].i64(2) == 0) throw invalid("template_id", "no such form template");
  std::string kind = t[0].str(0);
  if (kind == "survey")
    throw invalid("template_id", "survey answers are public ratings: they go through the rating page, not here");
  int64_t vid = s.version_id ? s.version_id : (t[0].null(1) ? 0 : t[0].i64(1));
  if (!vid) throw invalid("template_id", "this template has no published version yet");
  auto def = definition_for(s.template_id, vid);
  auto node = org::node_at(tx, s.node_id);
  if (!node || !node->active) throw invalid("node_id", "no such org node");
  if (!jv::valid_text(s.subject)) throw invalid("subject", "subject contains invalid characters");
  if (chars(s.subject) > 200) throw invalid("subject", "subject is longer than 200 characters");
  validate_answers(*def, s.answers);
  check_notes(*def, s.notes);
  ScoreResult sc = score(*def, s.answers);

  Response r;
  r.id = new_id();
  r.template_id = s.template_id;
  r.version_id = vid;
  r.kind = kind;
  r.node_id = s.node_id;
  r.node_path = node->path.str();
  r.subject = s.subject;
  r.submitted_by = s.submitted_by;
  r.submitted_at = now_ms();
  r.answers = answers_json(s.answers).dump();
  json notes = json::object();
  for (auto& [k, v] : s.notes) notes[k] = v;
  r.notes = notes.dump();
  r.result = score_json(sc).dump();
  r.score = sc.score;
  r.percentage = sc.percentage;
  r.grade = sc.grade;
  r.vetoed = sc.vetoed;
  tx.exec(fmt::format("INSERT INTO form_responses({}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", kCols),
          {r.id, r.template_id, r.version_id, r.kind, r.node_id, r.node_path, r.subject,
           r.submitted_by ? store::Value(r.submitted_by) : store::Value(nullptr), r.submitted_at, r.answers, r.notes,
           r.result, r.score, r.percentage, r.grade, int64_t{r.vetoed ? 1 : 0}});
  return r;
}

Response ResponseService::submit(const Submission& s) {
  Response out;
  forms_.ensure_seeded();
  forms_.db().write([&](store::Tx& tx) { out = submit(tx, s); });
  return out;
}

std::optional<Response> ResponseService::get(int64_t id) {
  auto r = forms_.db().query(fmt::format("SELECT {} FROM form_responses WHERE id = ?", kCols), {id});
  if (r.empty()) return std::nullopt;
  return from_row(r[0]);
}

Photo ResponseService::add_photo(const NewPhoto& p) {
  auto r = get(p.response_id);
  if (!r) throw not_found("form response");
  if (!r->submitted_by || r->submitted_by != p.by)
    throw forbidden("only the person who submitted the response may add photos to it");
  if (now_ms() - r->submitted_at > kPhotoWindowMs)
    throw forbidden("photos are added within 24 hours of submitting the response");
  auto def = forms_.version(r->version_id).def;
  if (!def->item(p.item_id)) throw invalid("item", "no such item in this form");
  auto kind = workflow::check_file(p.bytes);
  if (kind.content_type.rfind("image/", 0) != 0)
    throw Error(422, "unsupported_type", "photo evidence must be an image (JPEG, PNG, GIF or WebP)", "file");
  Photo out;
  forms_.db().write([&](store::Tx& tx) {
    auto n = tx.query("SELECT COUNT(*), SUM(CASE WHEN item_id = ? THEN 1 ELSE 0 END) FROM form_response_photos "
                      "WHERE response_id = ?",
                      {p.item_id, p.response_id});
    if (n[0].i64(0) >= kMaxPhotosPerResponse)
      throw invalid("file", fmt::format("a response has at most {} photos", kMaxPhotosPerResponse));
    if (n[0].i64(1) >= kMaxPhotosPerItem)
      throw invalid("item", fmt::format("an item has at most {} photos", kMaxPhotosPerItem));
    auto a = workflow::store_attachment(tx, {kPhotoOwner, p.response_id, 0, p.by, p.uploader, "staff", p.name, p.bytes});
    tx.exec("INSERT INTO form_response_photos(attachment_id, response_id, item_id) VALUES (?, ?, ?)",
            {a.id, p.response_id, p.item_id});
    out = {a.id, p.item_id, a.name, a.content_type, a.sha256, a.size, a.created_at};
  });
  return out;
}

std::vector<Photo> ResponseService::photos(int64_t response_id) {
  std::map<int64_t, std::string> items;
  for (auto& r : forms_.db().query("SELECT attachment_id, item_id FROM form_response_photos WHERE response_id = ?",
                                   {response_id}))
    items[r.i64(0)] = r.str(1);
  std::vector<Photo> out;
  if (items.empty()) return out;
  for (auto& a : workflow::list_attachments(forms_.db(), kPhotoOwner, response_id)) {
    auto it = items.find(a.id);
    if (it == items.end()) continue;
    out.push_back({a.id, it->second, a.name, a.content_type, a.sha256, a.size, a.created_at});
  }
  return out;
}

std::vector<Response> ResponseService::list(const ResponseQuery& q) {
  store::Params p;
  std::string where;
  for (auto& [kind, paths] : q.scopes) {
    if (paths.empty()) continue;
    where += where.empty() ? "((kind = ? AND " : " OR (kind = ? AND ";
    p.push_back(kind);
    where += store::subtree_condition("node_path", paths, p) + ")";
  }
  if (where.empty()) return {};
  where += ")";
  if (!q.node_path.empty()) {
    where += " AND node_path >= ? AND node_path < ?";
    p.push_back(q.node_path);
    p.push_back(store::subtree_upper(q.node_path));
  }
  if (q.template_id) {
    where += " AND template_id = ?";
    p.push_back(q.template_id);
  }
  if (q.from_ms) {
    where += " AND submitted_at >= ?";
    p.push_back(q.from_ms);
  }
  if (q.to_ms) {
    where += " AND submitted_at < ?";
    p.push_back(q.to_ms);
  }
  if (q.before_id) {
    where += " AND id < ?";
    p.push_back(q.before_id);
  }
  int limit = std::clamp(q.limit, 1, 200);
  std::vector<Response> out;
  for (auto& r : forms_.db().query(
           fmt::format("SELECT {} FROM form_responses WHERE {} ORDER BY id DESC LIMIT {}", kCols, where, limit), p))
    out.push_back(from_row(r));
  return out;
}

}  // namespace manyi::forms
