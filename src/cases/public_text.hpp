// What the public tracking page (/t) says about a case's history: only public-facing words.
// History entries keep the handlers' own notes and internal action names (已接收转办, …);
// public_text maps each public entry to the sentence a complainant reads, and remark() joins
// a free-text note to a sentence without doubled punctuation ("道歉。，重新办理").
#pragma once
#include <optional>
#include <string>

#include "cases/model.hpp"

namespace manyi::cases {

// "。" + the note without surrounding blanks and leading punctuation; "" for a blank note.
std::string remark(const std::string& note);
// The public wording of a history entry; nullopt when the entry is not for the public.
std::optional<std::string> public_text(const Event& e);

}  // namespace manyi::cases
