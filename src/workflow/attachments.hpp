// Attachments (附件) owned by any work item, named by (owner kind, owner id): a complaint's
// files ("case"), an inspection's photo evidence ("form_response"), and the items to come.
// A file is accepted only when its bytes are an image (JPEG, PNG, GIF, WebP) or a PDF: the type
// is sniffed from the content, never taken from the client's header or the file name, so an
// .exe or an HTML page renamed to photo.jpg is refused. Files live in the database (table
// attachments) so they are backed up and written in the same transaction as the owner's history
// entry. Who may upload, and how many, is the owning service's rule.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/db.hpp"

namespace manyi::workflow {

inline constexpr size_t kMaxAttachmentBytes = 10 * 1024 * 1024;  // per file (10 MiB)
inline constexpr size_t kMaxAttachmentNameChars = 200;

// A file type we accept: its content type and the canonical file name extension.
struct FileKind {
  std::string_view content_type;  // "image/jpeg", "application/pdf", …
  std::string_view ext;           // "jpg", "pdf", …
};

// What the bytes are, from their leading magic numbers; nullopt for anything not accepted.
std::optional<FileKind> sniff_file(std::string_view bytes);
// The kind of an upload, or throws: 422 invalid_field (empty), 422 unsupported_type (anything
// but an image or a PDF), 413 body_too_large (over kMaxAttachmentBytes); field "file".
FileKind check_file(std::string_view bytes);
// A safe display and download name: no directories, control or bidi characters, no characters
// Windows refuses, valid UTF-8, at most kMaxAttachmentNameChars characters, and ending in an
// extension that matches the sniffed kind (appended when the given one does not).
std::string sanitize_file_name(std::string_view raw, const FileKind& kind);
// `attachment; filename="ascii fallback"; filename*=UTF-8''percent-encoded` (RFC 6266/5987).
std::string content_disposition(const std::string& name);

struct Attachment {
  int64_t id = 0, owner_id = 0, event_id = 0, uploaded_by = 0;
  std::string owner_kind;
  std::string source;  // "public" | "staff"
  std::string name, content_type, sha256;
  int64_t size = 0, created_at = 0;
  std::string uploader;  // the timeline's actor name (群众 for the public)
  std::string data;      // the bytes; only filled by load_attachment
};

// A file to keep: checked (check_file), named (sanitize_file_name) and inserted with the
// transaction's deferred writes. Returns the stored metadata (without the bytes).
struct NewAttachment {
  std::string owner_kind;
  int64_t owner_id = 0, event_id = 0, uploaded_by = 0;
  std::string uploader, source, name;
  const std::string& bytes;
};
Attachment store_attachment(store::Tx& tx, const NewAttachment& in);

struct AttachmentCounts {
  int64_t total = 0, from_public = 0;
};
AttachmentCounts count_attachments(store::Tx& tx, const std::string& owner_kind, int64_t owner_id);
// Metadata of an owner's attachments, oldest first.
std::vector<Attachment> list_attachments(store::Db& db, const std::string& owner_kind, int64_t owner_id);
// One attachment with its bytes, when it belongs to that owner.
std::optional<Attachment> load_attachment(store::Db& db, const std::string& owner_kind, int64_t owner_id, int64_t id);
// The history's detail of an upload: the name says its kind, the digest the exact bytes.
std::string attachment_detail(const Attachment& a);

}  // namespace manyi::workflow
