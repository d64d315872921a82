// Case attachments (附件): the workflow engine's attachments (workflow/attachments.hpp) owned by
// a case, and the case's own limits. The workflow rules (who may upload, the public's window)
// live in CaseService.
#pragma once
#include <cstdint>

#include "workflow/attachments.hpp"

namespace manyi::cases {

inline constexpr const char* kAttachmentOwner = "case";          // attachments.owner_kind
inline constexpr int kMaxPublicAttachments = 5;                   // per public submission
inline constexpr int kMaxCaseAttachments = 20;                    // per case, everyone together
inline constexpr int64_t kPublicAttachWindowMs = 60 * 60 * 1000;  // the public may add files for 1 hour

using workflow::Attachment;
using workflow::check_file;
using workflow::content_disposition;
using workflow::FileKind;
using workflow::kMaxAttachmentBytes;
using workflow::kMaxAttachmentNameChars;
using workflow::sanitize_file_name;
using workflow::sniff_file;

}  // namespace manyi::cases
