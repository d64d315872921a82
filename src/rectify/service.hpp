// RectifyService: the rectification ledger (整改台账). Every change runs in one transaction
// that locks the item row, checks who may do it on the owner unit's subtree, moves the state
// through the declared machine (rectify/workflow.hpp), keeps the SLA clock, appends a history
// entry (rectification_events) and writes the audit entry and any notices. The escalation scan
// climbs the ladder of overdue items, claiming due rows so several instances never fire twice.
// No HTTP here: routes.cpp, public_routes.cpp and ledger_xlsx.cpp map requests to these calls.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "rectify/model.hpp"
#include "store/db.hpp"
#include "workflow/attachments.hpp"
#include "workflow/timeline.hpp"

namespace manyi::rectify {

inline constexpr const char* kAttachmentOwner = "rectification";
inline constexpr int kMaxAttachments = 20;  // files per item
inline constexpr size_t kMaxImportRows = 5000;

// What the ledger needs of a case marked 需整改 (the cases hook, wired in app/app.cpp).
struct SourceCase {
  int64_t id = 0, unit_id = 0;
  std::string tracking_code, type, summary, category;
};

// What the ledger needs of an inspection finding the inspector confirmed (inspect/), opened in
// the inspection's transaction: the finding's id (source_id), the inspection's code
// (source_ref), the inspected unit (owner) and the problem; a severity makes it a 隐患 item
// with the hazard limit; a deadline (YYYY-MM-DD) replaces the limit.
struct SourceFinding {
  int64_t id = 0, unit_id = 0;
  std::string inspection_code, problem, category;
  bool self_inspection = false;          // source self_inspection (自查) instead of inspection
  std::optional<std::string> severity;   // general | major
  std::optional<std::string> deadline;
  bool is_public = false;
};

// One bad cell of an import: the row as Excel numbers it, the column's Chinese header.
struct RowError {
  int row = 0;
  std::string field, message;
};
struct ImportResult {
  int imported = 0;  // new items
  int updated = 0;   // existing items (rows with 编号) changed
  std::vector<RowError> errors;  // non-empty: nothing was stored
};

// The public page's entry: no names, no phones.
struct PublicItem {
  std::string problem, measures, status;
  int64_t deadline_at = 0;
  std::optional<int64_t> closed_at;
};

class RectifyService {
 public:
  explicit RectifyService(store::Db& db) : db_(db) {}

  // ---- items ----
  // Needs rectification.manage on the owner unit.
  Item create(const Who& who, const NewItem& in);
  // The item a case marked 需整改 opens, in the case's transaction (once per case).
  Item open_from_case(store::Tx& tx, const SourceCase& c);
  // The item a confirmed inspection finding opens, in the inspection's transaction (once per
  // finding); 422 naming deadline or severity.
  Item open_from_finding(store::Tx& tx, const SourceFinding& f);
  bool visible(const Who& who, const Item& it) const { return who.may("rectification.read", it.unit_path); }
  Item get(const Who& who, int64_t id);  // 404 unless visible
  std::optional<Item> find(int64_t id);
  std::vector<Item> list(const ListFilter& f, int64_t* next_cursor);
  // Every item of a filter, oldest first, one at a time (the export; constant memory).
  void each(const ListFilter& f, const std::function<void(const Item&)>& fn);
  // The figures of the scope (narrowed to node_path): from the per-node rows of
  // rectification_counts, kept by every change, plus the open items whose deadline passed since
  // the escalation scan last looked at them.
  Counts counts(const std::vector<std::string>& scope, const std::string& node_path, int64_t now);
  // Recounts rectification_counts from the items (after rows were bulk-loaded around the service).
  void rebuild_counts();
  Item patch(const Who& who, int64_t id, const Patch& p);
  std::vector<workflow::Event> history(int64_t id);

  // ---- workflow ----
  // The actions of rectify::machine(): `note` is the note or reason its rule names, `until` a
  // date (redo, request_extension).
  Item act(const Who& who, int64_t id, const std::string& action, const std::string& note,
           const std::optional<std::string>& until);
  // What this caller may do now, checked as act() checks.
  std::vector<std::string> actions(const Who& who, const Item& it, int64_t now);

  // ---- attachments (evidence: images and PDFs) ----
  workflow::Attachment attach(const Who& who, int64_t id, const std::string& name, const std::string& bytes);

  // ---- import ----
  // All or nothing: rows of 问题、来源、责任单位(code or name)、责任人、整改措施、整改时限 from an
  // .xlsx or a CSV (UTF-8 or GBK); each bad cell reported with its row and column.
  ImportResult import_file(const Who& who, const std::string& file);

  // ---- public ----
  // The public items of a unit's subtree (by the unit's code), newest first; nullopt when no
  // active unit has this code.
  std::optional<std::pair<std::string, std::vector<PublicItem>>> public_items(const std::string& unit_code,
                                                                              int limit = 200);

  // ---- escalation ----
  // Climbs the ladder of every item whose next check is due at `now`; returns the steps fired.
  // The server runs it as the job "rectification-escalation".
  int run_escalations(int64_t now);

  store::Db& db() { return db_; }

 private:
  // One change of an item: locked, visible to the caller (404 otherwise), fn (returns the
  // history note; event_id is the entry's id), saved, its history entry and audit entry.
  Item mutate(const Who& who, int64_t id, const std::string& action,
              const std::function<std::string(store::Tx&, Item&, int64_t event_id)>& fn);
  // The same inside the caller's transaction (the import's edits).
  void mutate_in(store::Tx& tx, const Who& who, int64_t id, const std::string& action,
                 const std::function<std::string(store::Tx&, Item&, int64_t)>& fn);
  // A Patch applied to a loaded item (permissions, open state, field rules); the timeline note.
  std::string edit(store::Tx& tx, const Who& who, Item& it, const Patch& in);
  Item insert(store::Tx& tx, const Who& who, const NewItem& in, int64_t seq);
  bool sqlite() const { return db_.backend() == store::Backend::sqlite; }
  store::Db& db_;
};

}  // namespace manyi::rectify
