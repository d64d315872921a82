// Inside the cases domain only: what intake.cpp, service.cpp (reads), actions.cpp and
// config.cpp share — the case row mapping, history entries, notices, org lookups, the text
// check and the configuration snapshot (categories and time limits). Nothing outside
// src/cases includes this.
#pragma once
#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "audit/audit.hpp"
#include "cases/model.hpp"
#include "org/reads.hpp"
#include "store/db.hpp"

namespace manyi::cases::detail {

using store::Params;
using store::Row;
using store::Tx;
using store::Value;

// ---- the case row (rows.cpp) ----
std::string select_list(const std::string& alias);  // every column, on a case aliased `alias`
Case from_row(const Row& r, size_t extra = 0);      // extra: leading columns before the case's
std::string select_named();
void insert_case(Tx& tx, const Case& c);
void save_case(Tx& tx, const Case& c);
std::optional<Case> load_for_update(Tx& tx, int64_t id);  // FOR UPDATE on PostgreSQL
void add_event(Tx& tx, int64_t case_id, const audit::Actor& who, const std::string& actor_name,
               const std::string& action, const std::string& status, int64_t node_id, const std::string& note,
               bool is_public, int64_t event_id = 0);
// The in-app inbox of a node; supervision, rectification and reopening also leave the system
// through the outbox — once per event (`outbound`). Escalation steps are posted by the ladder.
void notify(Tx& tx, int64_t node_id, const std::string& kind, const std::string& title, const std::string& body,
            int64_t case_id, bool outbound = true);

// ---- org lookups (rows.cpp) ----
// Org paths are org::Path (core/org_path.hpp); nodes are read with org/reads.hpp.
using NodeInfo = org::NodeRef;
// In one query: the nearest institution at or above the node (the node itself when there is
// none) and the owner node when one is given.
struct Lineage {
  int64_t unit_id = 0;
  std::optional<NodeInfo> owner;
};
Lineage lineage(Tx& tx, const NodeInfo& n, int64_t owner_id);

// ---- text and configuration (config.cpp) ----
std::string text(const std::string& v, const char* field, size_t max_chars, bool required);
std::vector<std::string> split_keywords(const std::string& s);

// Categories and time limits, read on every intake and clock change, as a snapshot cached
// per edit (store/snapshot.hpp, token settings('cases.config')).
struct Config {
  std::vector<Category> categories;
  std::map<std::string, Sla> slas;

  const Category* category(const std::string& code) const {
    for (auto& c : categories)
      if (c.code == code) return &c;
    return nullptr;
  }
  Sla sla(const std::string& type) const {
    auto it = slas.find(type);
    if (it != slas.end()) return it->second;
    Sla s;
    s.type = type;
    return s;
  }
  // Keyword lists, split once per configuration snapshot (suggest runs for every new case):
  // every distinct word once, and per category the indexes of its own words and, per top
  // category, of its own and its active sub-categories' words, each word once.
  std::vector<std::string> words;
  std::vector<int> weight;  // characters (code points) of each word
  std::vector<std::vector<size_t>> own_words, group_words;
  void prepare_keywords() {
    words.clear();
    weight.clear();
    own_words.clear();
    group_words.clear();
    auto word_ix = [&](const std::string& w) {
      auto it = std::find(words.begin(), words.end(), w);
      if (it != words.end()) return static_cast<size_t>(it - words.begin());
      words.push_back(w);
      weight.push_back(static_cast<int>(std::count_if(w.begin(), w.end(), [](char ch) { return (ch & 0xC0) != 0x80; })));
      return words.size() - 1;
    };
    auto add_unique = [&](std::vector<size_t>& to, const std::string& list) {
      for (auto& k : split_keywords(list))
        if (size_t i = word_ix(k); std::find(to.begin(), to.end(), i) == to.end()) to.push_back(i);
    };
    for (auto& cat : categories) {
      own_words.emplace_back();
      add_unique(own_words.back(), cat.keywords);
      group_words.emplace_back(own_words.back());
      for (auto& k : categories)
        if (k.active && k.parent == cat.code) add_unique(group_words.back(), k.keywords);
    }
  }
  // Two levels: the top category whose keywords (its own and its sub-categories', each word
  // once) occur most often in the text, each occurrence weighed by the word's length — ties go to an integrity category, which must reach
  // the discipline office — then, inside it, the sub-category with the most hits, if any.
  Suggestion suggest(const std::string& content) const {
    std::vector<int> seen(words.size(), -1);  // occurrences of each keyword, counted once
    auto count = [&](size_t i) {
      if (seen[i] < 0) {
        const std::string& k = words[i];
        int n = 0;
        for (size_t p = content.find(k); p != std::string::npos; p = content.find(k, p + k.size())) ++n;
        seen[i] = n;
      }
      return seen[i];
    };
    // A match weighs its length in characters: 等报告 says more than 等, 态度恶劣 more than 凶.
    auto hits_of = [&](const std::vector<size_t>& ix) {
      int n = 0;
      for (size_t i : ix) n += count(i) * weight[i];
      return n;
    };
    const Category* top = nullptr;
    size_t top_i = 0;
    int top_hits = 0;
    for (size_t i = 0; i < categories.size(); ++i) {
      auto& cat = categories[i];
      if (!cat.active || !cat.parent.empty()) continue;
      int n = hits_of(group_words[i]);
      if (n > top_hits || (n > 0 && n == top_hits && cat.sensitive && !top->sensitive)) {
        top = &cat;
        top_i = i;
        top_hits = n;
      }
    }
    if (!top) return {"other", {}};
    size_t pick = top_i;
    int sub_hits = 0;
    for (size_t i = 0; i < categories.size(); ++i) {
      auto& k = categories[i];
      if (!k.active || k.parent != top->code) continue;
      if (int n = hits_of(own_words[i]); n > sub_hits) {
        pick = i;
        sub_hits = n;
      }
    }
    Suggestion out{categories[pick].code, {}};
    add_matched(top_i, count, out.matched);
    if (pick != top_i) add_matched(pick, count, out.matched);
    return out;
  }
  // Appends the own keywords of category c that occur in the text (occurs(word index)), each once.
  template <class Occurs>
  void add_matched(size_t c, Occurs&& occurs, std::vector<std::string>& out) const {
    for (size_t i : own_words[c])
      if (occurs(i) && std::find(out.begin(), out.end(), words[i]) == out.end()) out.push_back(words[i]);
  }
  // The codes a category filter covers: the category and its sub-categories.
  std::vector<std::string> with_children(const std::string& code) const {
    std::vector<std::string> out{code};
    for (auto& c : categories)
      if (c.parent == code) out.push_back(c.code);
    return out;
  }
};

std::shared_ptr<const Config> config_of(Tx& tx);
std::shared_ptr<const Config> config_of(store::Db& db);
void config_changed(Tx& tx);

// ---- intake (intake.cpp) ----
std::string generate_tracking_code();
bool types_need_outcome(const std::string& type);

}  // namespace manyi::cases::detail
