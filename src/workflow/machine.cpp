#include "workflow/machine.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

#include "core/error.hpp"
#include "core/json.hpp"

namespace manyi::workflow {

Machine::Machine(std::string noun, std::vector<State> states, std::vector<Transition> transitions)
    : noun_(std::move(noun)), states_(std::move(states)), transitions_(std::move(transitions)) {
  for (auto& t : transitions_)
    for (auto& f : t.from)
      if (std::none_of(states_.begin(), states_.end(), [&](const State& s) { return s.code == f; }))
        throw std::logic_error(fmt::format("{}: action {} starts from an undeclared state {}", noun_, t.action, f));
}

const Transition& Machine::transition(const std::string& action) const {
  for (auto& t : transitions_)
    if (t.action == action) return t;
  throw std::logic_error(fmt::format("{}: undeclared action {}", noun_, action));
}

bool Machine::is_open(const std::string& state) const {
  for (auto& s : states_)
    if (s.code == state) return s.open;
  return false;
}

std::string Machine::state_zh(const std::string& state) const {
  for (auto& s : states_)
    if (s.code == state) return s.zh;
  return state;
}

bool Machine::allows(const std::string& action, const std::string& state) const {
  auto& t = transition(action);
  return t.from.empty() || std::find(t.from.begin(), t.from.end(), state) != t.from.end();
}

void Machine::check_note(const std::string& action, const std::string& note) const {
  auto& t = transition(action);
  if (!t.note.field.empty()) check_text(note, t.note.field.c_str(), t.note.max_chars, t.note.required);
}

void Machine::refuse(const std::string& state) const {
  throw conflict("invalid_state",
                 fmt::format("the {} is {}（{}）; this action is not possible now", noun_, state, state_zh(state)));
}

void Machine::check(const std::string& action, const std::string& state,
                    const std::function<bool(const std::string& perm)>& may) const {
  auto& t = transition(action);
  if (!t.perm.empty() && !may(t.perm))
    throw forbidden(fmt::format("you may not do this on this {} ({})", noun_, t.perm));
  if (!allows(action, state)) refuse(state);
}

const std::string& check_text(const std::string& v, const char* field, size_t max_chars, bool required) {
  if (required && v.find_first_not_of(" \t\r\n") == std::string::npos)
    throw invalid(field, fmt::format("{} is required", field));
  if (!jv::valid_text(v)) throw invalid(field, fmt::format("{} contains invalid characters", field));
  size_t chars = 0;
  for (unsigned char ch : v) chars += (ch & 0xC0) != 0x80;
  if (chars > max_chars) throw invalid(field, fmt::format("{} is longer than {} characters", field, max_chars));
  return v;
}

}  // namespace manyi::workflow
