// FormService: the template repository. A template has an editable draft; publish() freezes
// the draft as the next immutable version (form_versions), which new submissions use while
// older submissions keep theirs. Shipped templates (templates/surveys/*.json and
// templates/checklists/*.json, embedded) are
// inserted on first use; a unit copies one to adapt it (owner = that unit).
#pragma once
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "audit/audit.hpp"
#include "forms/model.hpp"
#include "store/db.hpp"

namespace manyi::forms {

struct Template {
  int64_t id = 0;
  std::string kind, code, name;
  int64_t owner_node_id = 0;  // 0 = shipped, shared by all
  std::string owner_path;
  std::string draft;          // JSON text
  int64_t current_version_id = 0;
  int current_version = 0;
  int64_t copied_from = 0;
  bool active = true;
  int64_t updated_at = 0;
};

struct Version {
  int64_t id = 0, template_id = 0;
  int version = 0;
  int64_t published_at = 0;
  std::shared_ptr<const Definition> def;
  std::string definition_text;
};

class FormService {
 public:
  explicit FormService(store::Db& db) : db_(db) {}

  // Inserts the shipped templates that are missing (once per process; cheap afterwards).
  void ensure_seeded();

  // Templates visible from the given scopes: shipped ones, those owned inside a scope and
  // those owned by an ancestor of a scope. kind "" = all.
  std::vector<Template> list(const std::string& kind, const std::vector<std::string>& scope_paths);
  std::optional<Template> get(int64_t id);
  std::optional<Template> by_code(const std::string& code);
  std::vector<Version> versions(int64_t template_id);  // newest first, without definitions

  // A copy of src's newest published version as a new template owned by owner_node.
  Template copy(const audit::Actor& who, int64_t src_id, int64_t owner_node_id, const std::string& owner_path,
                const std::string& code, const std::string& name);
  // Replaces the draft (validated; its code and kind are the template's).
  Template save_draft(const audit::Actor& who, int64_t id, const std::string& definition_json);
  // Freezes the draft as the next version and makes it current.
  Version publish(const audit::Actor& who, int64_t id);

  // A published version (definitions are immutable and cached).
  Version version(int64_t version_id);
  Version current(int64_t template_id);

  store::Db& db() { return db_; }

 private:
  store::Db& db_;
  std::mutex mu_;
  bool seeded_ = false;
  std::map<int64_t, Version> cache_;
};

}  // namespace manyi::forms
