// ResponseService: stored, immutable form responses (form_responses) — checklists and
// scorecards submitted by staff, not the public ratings. submit() validates the answers and the
// per-item notes against the template's current published version (or a given one), scores
// them item by item and inserts one row; nothing ever updates or deletes it. A capability that
// records more in the same step (an inspection task, a finding) calls submit(tx, …) inside its
// own transaction. Scope is the caller's: list() takes the subtrees the caller may read.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "forms/model.hpp"
#include "forms/service.hpp"
#include "store/db.hpp"

namespace manyi::forms {

using Notes = std::map<std::string, std::string>;  // item id -> note (≤ 1000 characters)

struct Submission {
  int64_t template_id = 0;
  int64_t version_id = 0;  // 0 = the template's current version; else one of its versions
  int64_t node_id = 0;     // the unit the response is about
  std::string subject;     // optional (≤ 200 characters)
  int64_t submitted_by = 0;
  Answers answers;         // parsed against the version (parse_answers); validated again here
  Notes notes;
};

struct Response {
  int64_t id = 0, template_id = 0, version_id = 0;
  std::string kind;
  int64_t node_id = 0;
  std::string node_path, subject;
  int64_t submitted_by = 0, submitted_at = 0;
  std::string answers, notes, result;  // JSON texts (answers_json, notes, score_json)
  double score = 0, percentage = 0;
  std::string grade;
  bool vetoed = false;
};

// Photo evidence of one item: an attachment owned by ("form_response", response id).
inline constexpr const char* kPhotoOwner = "form_response";
inline constexpr int kMaxPhotosPerItem = 5;
inline constexpr int kMaxPhotosPerResponse = 50;
inline constexpr int64_t kPhotoWindowMs = 24 * 3600 * 1000;  // added within 24 h of submitting

struct Photo {
  int64_t id = 0;  // the attachment's id
  std::string item_id, name, content_type, sha256;
  int64_t size = 0, created_at = 0;
};

struct NewPhoto {
  int64_t response_id = 0;
  std::string item_id;
  int64_t by = 0;          // must be the response's submitter
  std::string uploader;    // the name shown
  std::string name;        // the file name as sent
  const std::string& bytes;
};

struct ResponseQuery {
  // Required: per form kind, the subtrees the caller may read (form.<kind>.read); a kind not
  // listed is not read at all.
  std::vector<std::pair<std::string, std::vector<std::string>>> scopes;
  std::string node_path;                 // optional: only this subtree
  int64_t template_id = 0;               // optional
  int64_t from_ms = 0, to_ms = 0;        // optional: submitted in [from, to)
  int64_t before_id = 0;                 // paging: ids below this (newest first)
  int limit = 50;                        // 1…200
};

class ResponseService {
 public:
  explicit ResponseService(FormService& forms) : forms_(forms) {}

  // Parses the JSON answers of a submission against the version it will be scored with
  // (template's current when version_id = 0). Throws 422 naming "answers.<item>".
  std::shared_ptr<const Definition> definition_for(int64_t template_id, int64_t version_id);

  // Validates, scores and inserts; throws 422 naming the field (answers.<item>, notes.<item>,
  // node_id, subject, template_id) and 409 for a survey (ratings go through the public route).
  Response submit(store::Tx& tx, const Submission& s);
  Response submit(const Submission& s);  // in its own transaction

  std::optional<Response> get(int64_t id);

  // Adds a photo to an item of a stored response (the response itself never changes). Only its
  // submitter, within kPhotoWindowMs of submitting (403); images only, sniffed from the bytes
  // (422 unsupported_type / 413, field "file"); a known item (422 "item"); at most
  // kMaxPhotosPerItem per item and kMaxPhotosPerResponse in all (422 "item" / "file").
  Photo add_photo(const NewPhoto& p);
  std::vector<Photo> photos(int64_t response_id);
  std::vector<Response> list(const ResponseQuery& q);

  FormService& forms() { return forms_; }

 private:
  FormService& forms_;
};

}  // namespace manyi::forms
