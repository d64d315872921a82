// The state machine of a work item kind, declared as data: its states (with their Chinese
// names) and, for each action, the states it may be taken from, the permission it needs and
// whether it needs a note (and under which field name and length). The item's service takes
// an action through take(): the permission (on the scope the service names) first, then the
// state, then the note — the same order and the same errors for every kind:
//   403 forbidden        — "you may not do this on this <noun> (<perm>)";
//   409 invalid_state    — "the <noun> is <state>（<中文>）; this action is not possible now";
//   422 invalid_field    — the note's field named.
// The console's list of possible actions asks allows() for the state part of each.
#pragma once
#include <functional>
#include <string>
#include <vector>

namespace manyi::workflow {

struct State {
  std::string code, zh;
  bool open = true;  // the SLA clock runs (or is paused) in it
};

struct NoteRule {
  std::string field;  // "" = the action takes no note
  size_t max_chars = 1000;
  bool required = false;
};

struct Transition {
  std::string action;
  std::vector<std::string> from;  // empty = from any state
  std::string perm;               // "" = checked by the service itself
  NoteRule note;
};

class Machine {
 public:
  Machine(std::string noun, std::vector<State> states, std::vector<Transition> transitions);

  const std::string& noun() const { return noun_; }
  const std::vector<State>& states() const { return states_; }
  const std::vector<Transition>& transitions() const { return transitions_; }
  const Transition& transition(const std::string& action) const;  // std::logic_error if undeclared
  bool is_open(const std::string& state) const;
  std::string state_zh(const std::string& state) const;

  // The state part of an action: may it be taken from `state`?
  bool allows(const std::string& action, const std::string& state) const;
  // Checks the note of an action (the field's rules), then nothing else.
  void check_note(const std::string& action, const std::string& note) const;
  // Refuses a forbidden transition: the permission through `may(perm)` (skipped when the
  // transition names none), then the state.
  void check(const std::string& action, const std::string& state,
             const std::function<bool(const std::string& perm)>& may) const;
  // 409 invalid_state for `state`.
  [[noreturn]] void refuse(const std::string& state) const;

 private:
  std::string noun_;
  std::vector<State> states_;
  std::vector<Transition> transitions_;
};

// A text field: required (not only white space), valid UTF-8 text, at most max_chars
// characters; else 422 naming the field.
const std::string& check_text(const std::string& v, const char* field, size_t max_chars, bool required);

}  // namespace manyi::workflow
