// The attachments table (the file checks are in attachment_file.cpp).
#include "workflow/attachments.hpp"

#include <fmt/format.h>

#include "audit/audit.hpp"
#include "core/clock.hpp"
#include "core/id.hpp"

namespace manyi::workflow {

namespace {
using store::id_or_null;

const char* kMetaColumns =
    "id, owner_kind, owner_id, event_id, uploaded_by, source, name, content_type, size, sha256, created_at, uploader";
Attachment meta_row(const store::Row& r) {
  Attachment a;
  a.id = r.i64(0);
  a.owner_kind = r.str(1);
  a.owner_id = r.i64(2);
  a.event_id = r.i64(3);
  a.uploaded_by = r.i64(4);
  a.source = r.str(5);
  a.name = r.str(6);
  a.content_type = r.str(7);
  a.size = r.i64(8);
  a.sha256 = r.str(9);
  a.created_at = r.i64(10);
  a.uploader = r.str(11);
  return a;
}
}  // namespace

Attachment store_attachment(store::Tx& tx, const NewAttachment& in) {
  auto kind = check_file(in.bytes);
  Attachment a;
  a.id = new_id();
  a.owner_kind = in.owner_kind;
  a.owner_id = in.owner_id;
  a.event_id = in.event_id;
  a.uploaded_by = in.uploaded_by;
  a.uploader = in.uploader;
  a.source = in.source;
  a.name = sanitize_file_name(in.name, kind);
  a.content_type = std::string(kind.content_type);
  a.size = static_cast<int64_t>(in.bytes.size());
  a.sha256 = audit::sha256_hex(in.bytes);
  a.created_at = now_ms();
  tx.exec_deferred(
      "INSERT INTO attachments(id, owner_kind, owner_id, event_id, uploaded_by, uploader, source, name, content_type, "
      "size, sha256, data, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      {a.id, a.owner_kind, a.owner_id, id_or_null(a.event_id), id_or_null(a.uploaded_by), a.uploader, a.source, a.name,
       a.content_type, a.size, a.sha256, store::Blob{in.bytes}, a.created_at});
  return a;
}

AttachmentCounts count_attachments(store::Tx& tx, const std::string& owner_kind, int64_t owner_id) {
  auto r = tx.query(
      "SELECT COUNT(*), COALESCE(SUM(CASE WHEN source = 'public' THEN 1 ELSE 0 END), 0) FROM attachments "
      "WHERE owner_kind = ? AND owner_id = ?",
      {owner_kind, owner_id});
  return {r[0].i64(0), r[0].i64(1)};
}

std::vector<Attachment> list_attachments(store::Db& db, const std::string& owner_kind, int64_t owner_id) {
  auto r = db.query(std::string("SELECT ") + kMetaColumns +
                        " FROM attachments WHERE owner_kind = ? AND owner_id = ? ORDER BY id",
                    {owner_kind, owner_id});
  std::vector<Attachment> out;
  for (auto& row : r) out.push_back(meta_row(row));
  return out;
}

std::optional<Attachment> load_attachment(store::Db& db, const std::string& owner_kind, int64_t owner_id, int64_t id) {
  auto r = db.query(std::string("SELECT ") + kMetaColumns +
                        ", data FROM attachments WHERE id = ? AND owner_kind = ? AND owner_id = ?",
                    {id, owner_kind, owner_id});
  if (r.empty()) return std::nullopt;
  auto a = meta_row(r[0]);
  a.data = r[0].str(12);
  return a;
}

std::string attachment_detail(const Attachment& a) {
  return fmt::format("{}（{} 字节，SHA-256 {}）", a.name, a.size, a.sha256.substr(0, 16));
}

}  // namespace manyi::workflow
