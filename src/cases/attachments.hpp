// Case attachments (附件): the checks every uploaded file passes and the table that keeps them.
// A file is accepted only when its bytes are an image (JPEG, PNG, GIF, WebP) or a PDF: the type
// is sniffed from the content, never taken from the client's header or the file name, so an
// .exe or an HTML page renamed to photo.jpg is refused. Files live in the database
// (case_attachments) so they are backed up and written in the same transaction as the case's
// history entry. The workflow rules (who may upload, the public's window) live in CaseService.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/db.hpp"

namespace manyi::cases {

inline constexpr size_t kMaxAttachmentBytes = 10 * 1024 * 1024;  // per file (10 MiB)
inline constexpr int kMaxPublicAttachments = 5;                   // per public submission
inline constexpr int kMaxCaseAttachments = 20;                    // per case, everyone together
inline constexpr int64_t kPublicAttachWindowMs = 60 * 60 * 1000;  // the public may add files for 1 hour
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
  int64_t id = 0, case_id = 0, event_id = 0, uploaded_by = 0;
  std::string source;  // "public" | "staff"
  std::string name, content_type, sha256;
  int64_t size = 0, created_at = 0;
  std::string uploader;  // the timeline's actor name (群众 for the public)
  std::string data;      // the bytes; only filled by load_attachment
};

// ---- the table (CaseService writes through these inside its transactions) ----
void insert_attachment(store::Tx& tx, const Attachment& a);
struct AttachmentCounts {
  int64_t total = 0, from_public = 0;
};
AttachmentCounts count_attachments(store::Tx& tx, int64_t case_id);
// Metadata of a case's attachments, oldest first.
std::vector<Attachment> list_attachments(store::Db& db, int64_t case_id);
// One attachment with its bytes, when it belongs to that case.
std::optional<Attachment> load_attachment(store::Db& db, int64_t case_id, int64_t id);

}  // namespace manyi::cases
