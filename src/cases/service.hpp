// CaseService: the one workflow engine for complaints, bad reviews, reports, suggestions,
// praise, hotline requests and adverse events. Every action runs in one transaction that
// locks the case row, checks who may do it on which node, moves the state, appends a
// history entry (case_events), writes the audit entry and any notification. SLA clocks run
// on the working-day calendar; an escalation scan raises overdue cases up the ladder
// (临期预警 → 逾期 to the institution → 督办 by the bureau) and claims its work in the
// database so several instances never fire twice.
#pragma once
#include <atomic>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "audit/audit.hpp"
#include "cases/attachments.hpp"
#include "cases/intake.hpp"
#include "cases/model.hpp"
#include "cases/stats.hpp"
#include "core/calendar.hpp"
#include "core/error.hpp"
#include "store/db.hpp"
#include "workflow/who.hpp"

namespace manyi::cases {

// Public tracking: wrong last-four-digit guesses allowed per 查询码 in one window.
inline constexpr int kTrackMaxFailures = 5;
inline constexpr int64_t kTrackWindowMs = 3'600'000;
// Thrown by track() (and the public actions that check a 查询码) while a code is locked:
// 429 track_locked; the HTTP edge adds Retry-After from retry_after_s.
struct TrackLocked : Error {
  explicit TrackLocked(int wait_s)
      : Error(429, "track_locked", "too many wrong phone digits for this tracking code; retry later", "phone_last4"),
        retry_after_s(wait_s) {}
  int retry_after_s;
};

// Who acts, and what they may do where (workflow/who.hpp).
using Who = workflow::Who;

struct ListFilter {
  std::vector<std::string> read_scope;       // subtrees with case.read
  std::vector<std::string> sensitive_scope;  // subtrees with case.sensitive
  std::string node_path;                     // only cases about or owned within this subtree
  std::string status, type, category, channel;
  std::string tracking_code;  // exact 查询码 (a caller reads it out on the phone)
  std::string q;              // keyword in the case text
  bool overdue = false;       // open, not paused, past the deadline (= queue "overdue")
  // A work queue of cases::queues() (open, mine, due_soon, overdue, supervised): the same
  // predicate as its count in inbox_counts; mine is the cases assigned to user_id.
  std::string queue;
  int64_t user_id = 0;
  bool pending_transfer = false;
  bool needs_rectification = false;  // only cases marked 需整改
  int min_level = 0;
  int64_t assignee_id = 0;
  int64_t from_ms = 0, to_ms = 0;  // received in [from, to)
  int64_t cursor = 0;              // ids below this
  int limit = 50;
  std::string phone_hash;          // only the complainant with this number (pii::phone_hash)
};

// The inbox tab counts (open cases only): all in scope ("my unit"), assigned to the caller,
// due soon (临期: level 1, deadline not passed), overdue, supervised (督办, level 3).
struct InboxCounts {
  int64_t unit = 0, mine = 0, due_soon = 0, overdue = 0, supervised = 0;
};

struct ReplyInput {
  std::string reply, outcome, measures, category;
  std::vector<int64_t> responsible_staff;
  bool needs_rectification = false;  // 需整改: only with a substantiated finding
};

// Called inside the answering transaction when a case is marked as needing rectification
// (需整改), once per case: the rectification ledger (整改台账) subscribes here to open its
// item; an exception rolls the answer back.
using RectificationHook = std::function<void(store::Tx&, const Case&)>;

class CaseService {
 public:
  explicit CaseService(store::Db& db) : db_(db) {}
  ~CaseService();

  // ---- intake ----
  // Opens a case in its own transaction (the public form, the console); see open_case().
  Opened open(const NewCase& c);
  // Category code for a text: the active category whose keywords occur most; "other" if none.
  Suggestion suggest_category(const std::string& text);
  // The keywords of `category` that occur in the text (shown with the case: why it was filed there).
  std::vector<std::string> matched_keywords(const std::string& text, const std::string& category);
  // Subscribers to "needs rectification" (set them up before serving).
  void on_rectification(RectificationHook h) { rectification_hooks_.push_back(std::move(h)); }

  // ---- reads ----
  bool visible(const Who& who, const Case& c) const;
  Case get(const Who& who, int64_t id);  // 404 unless visible
  std::optional<Case> find(int64_t id);
  std::optional<Case> by_tracking_code(const std::string& code);
  std::vector<Event> events(int64_t case_id, bool public_only);
  std::vector<Case> list(const ListFilter& f, int64_t* next_cursor);
  // The totals of the visible cases (cases/stats.cpp).
  Stats stats(const std::vector<std::string>& read_scope, const std::vector<std::string>& sensitive_scope,
              const std::string& node_path);
  // What the inbox asks for beside the first page (GET /api/v1/case-reports/counts).
  InboxCounts inbox_counts(const std::vector<std::string>& read_scope, const std::vector<std::string>& sensitive_scope,
                           const std::string& node_path, int64_t user_id);
  // The workflow actions this caller may take on the case now, checked exactly as the actions
  // themselves check (accept, transfer_accept, …, note): the console shows only these.
  std::vector<std::string> actions(const Who& who, const Case& c);
  // Public tracking: the case for a 查询码 when, if the complainant left a phone number, the
  // last four digits match too (nullopt otherwise, without saying which was wrong). Wrong
  // digits count against the code: TrackLocked after kTrackMaxFailures in kTrackWindowMs.
  std::optional<Case> track(const std::string& code, const std::string& phone_last4);
  // Other open cases with the same phone number in the same institution (likely duplicates).
  std::vector<Case> duplicates_of(const Case& c, int limit = 10);
  // Decrypts the complainant's name and phone; audited. Needs case.contact on the case.
  std::pair<std::string, std::string> reveal_contact(const Who& who, int64_t id);

  // The permissions one grant (on the owner or above) must give its holder to be assigned the
  // case: case.handle, and case.sensitive too for an integrity case. assign() checks these;
  // the 指派 picker lists their holders (OrgService::holders).
  static std::vector<std::string> assignee_perms(const Case& c);

  // ---- workflow ----
  Case accept(const Who& who, int64_t id, std::optional<bool> multi_dept);
  Case assign(const Who& who, int64_t id, int64_t user_id);
  Case transfer(const Who& who, int64_t id, int64_t to_node_id, const std::string& note);
  Case accept_transfer(const Who& who, int64_t id);
  Case decline_transfer(const Who& who, int64_t id, const std::string& reason);
  Case send_back(const Who& who, int64_t id, const std::string& reason);  // 退回 (wrong routing)
  Case merge(const Who& who, int64_t id, int64_t into_id);
  Case reject(const Who& who, int64_t id, const std::string& reason);
  Case pause(const Who& who, int64_t id, const std::string& reason);
  Case resume(const Who& who, int64_t id);
  Case request_extension(const Who& who, int64_t id, int days, const std::string& reason);
  Case decide_extension(const Who& who, int64_t id, bool approve, const std::string& note);
  Case reply(const Who& who, int64_t id, const ReplyInput& in);
  Case callback(const Who& who, int64_t id, const std::string& result, const std::string& note);
  Case public_callback(const std::string& tracking_code, const std::string& phone_last4, const std::string& result,
                       const std::string& note, const std::string& ip);
  // Closes the case; `finding` may complete or correct the outcome, measures, responsible
  // staff and 需整改 (its `reply` is not used).
  Case close(const Who& who, int64_t id, const std::string& note, const ReplyInput& finding = {});
  // 督办: level 3 at once; with `days`, the bureau's own deadline — the end of the Nth working
  // day from now — replaces the case's deadline.
  Case supervise(const Who& who, int64_t id, const std::string& note, std::optional<int> days = std::nullopt);
  Case add_note(const Who& who, int64_t id, const std::string& note);
  // Who may add notes and attachments: handlers of the owner or of the node the case is about,
  // and supervisors of the owner (the "note" action).
  bool may_annotate(const Who& who, const Case& c) const;

  // ---- attachments (附件; limits and checks in cases/attachments.hpp) ----
  // A staff upload: checked like a note, stored with an "attach" history entry (note = the
  // file name) and an audit entry in one transaction. Returns the stored row (without bytes).
  Attachment attach(const Who& who, int64_t id, const std::string& name, const std::string& bytes);
  // The complainant's upload right after filing on the public form: the 查询码 plus the last
  // four phone digits (404 otherwise), within kPublicAttachWindowMs of filing, at most
  // kMaxPublicAttachments files.
  Attachment public_attach(const std::string& tracking_code, const std::string& phone_last4, const std::string& name,
                           const std::string& bytes, const std::string& ip);

  // ---- escalation ----
  // Raises every case whose next check is due; returns how many steps were taken. The server
  // runs it as the job "case-escalation" (src/jobs/); instances sharing a database claim the
  // due cases, so each step is taken once.
  int run_escalations(int64_t now);

  // ---- settings ----
  std::vector<Category> categories();
  Category save_category(const audit::Actor& who, const Category& c);
  std::vector<Sla> slas();
  Sla sla(store::Tx& tx, const std::string& type);
  Sla save_sla(const audit::Actor& who, const Sla& s);

  store::Db& db() { return db_; }

 private:
  struct Change;
  Case mutate(const Who& who, int64_t id, const char* action,
              const std::function<void(store::Tx&, Case&, Change&)>& fn);
  void record_finding(store::Tx& tx, Case& c, const ReplyInput& in);
  store::Db& db_;
  std::vector<RectificationHook> rectification_hooks_;
};

}  // namespace manyi::cases
