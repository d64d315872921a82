// The case_attachments table (the file checks are in attachment_file.cpp).
#include "cases/attachments.hpp"

namespace manyi::cases {

// ---- the table ----

void insert_attachment(store::Tx& tx, const Attachment& a) {
  tx.exec_deferred(
      "INSERT INTO case_attachments(id, case_id, event_id, uploaded_by, source, name, content_type, size, sha256, "
      "data, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      {a.id, a.case_id, a.event_id ? store::Value(a.event_id) : store::Value(nullptr),
       a.uploaded_by ? store::Value(a.uploaded_by) : store::Value(nullptr), a.source, a.name, a.content_type, a.size,
       a.sha256, store::Blob{a.data}, a.created_at});
}

AttachmentCounts count_attachments(store::Tx& tx, int64_t case_id) {
  auto r = tx.query(
      "SELECT COUNT(*), COALESCE(SUM(CASE WHEN source = 'public' THEN 1 ELSE 0 END), 0) FROM case_attachments "
      "WHERE case_id = ?",
      {case_id});
  return {r[0].i64(0), r[0].i64(1)};
}

namespace {
const char* kMetaColumns =
    "a.id, a.case_id, a.event_id, a.uploaded_by, a.source, a.name, a.content_type, a.size, a.sha256, a.created_at, "
    "COALESCE(e.actor_name, '')";
Attachment meta_row(const store::Row& r) {
  Attachment a;
  a.id = r.i64(0);
  a.case_id = r.i64(1);
  a.event_id = r.i64(2);
  a.uploaded_by = r.i64(3);
  a.source = r.str(4);
  a.name = r.str(5);
  a.content_type = r.str(6);
  a.size = r.i64(7);
  a.sha256 = r.str(8);
  a.created_at = r.i64(9);
  a.uploader = r.str(10);
  return a;
}
}  // namespace

std::vector<Attachment> list_attachments(store::Db& db, int64_t case_id) {
  auto r = db.query(std::string("SELECT ") + kMetaColumns +
                        " FROM case_attachments a LEFT JOIN case_events e ON e.id = a.event_id "
                        "WHERE a.case_id = ? ORDER BY a.id",
                    {case_id});
  std::vector<Attachment> out;
  for (auto& row : r) out.push_back(meta_row(row));
  return out;
}

std::optional<Attachment> load_attachment(store::Db& db, int64_t case_id, int64_t id) {
  auto r = db.query(std::string("SELECT ") + kMetaColumns +
                        ", a.data FROM case_attachments a LEFT JOIN case_events e ON e.id = a.event_id "
                        "WHERE a.id = ? AND a.case_id = ?",
                    {id, case_id});
  if (r.empty()) return std::nullopt;
  auto a = meta_row(r[0]);
  a.data = r[0].str(11);
  return a;
}

}  // namespace manyi::cases
