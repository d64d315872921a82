#include "cases/public_text.hpp"

#include <array>
#include <string_view>

namespace manyi::cases {
namespace {

// Punctuation that must not start a remark or end a clause joined to another one.
constexpr std::array<std::string_view, 14> kPunct = {"。", "，", "、", "；", "：", "！", "？", ".", ",", ";", ":", "!", "?", "…"};

std::string trim(std::string s) {
  auto blank = [](std::string_view t) {
    return t.rfind(" ", 0) == 0 || t.rfind("\t", 0) == 0 || t.rfind("\n", 0) == 0 || t.rfind("\r", 0) == 0 ||
           t.rfind("　", 0) == 0;
  };
  for (bool again = true; again;) {
    again = false;
    if (blank(s)) {
      s.erase(0, s.rfind("　", 0) == 0 ? 3 : 1);
      again = true;
    }
    for (auto p : kPunct)
      if (!s.empty() && std::string_view(s).rfind(p, 0) == 0) {
        s.erase(0, p.size());
        again = true;
      }
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\r' || s.back() == '\t')) s.pop_back();
  while (s.size() >= 3 && s.compare(s.size() - 3, 3, "　") == 0) s.resize(s.size() - 3);
  return s;
}

// The part of a note after a known prefix ("不予受理：reason" → "reason").
std::string after(const std::string& note, std::string_view prefix) {
  return note.rfind(prefix, 0) == 0 ? note.substr(prefix.size()) : note;
}

// "label：text" with the text cleaned; just the label when the text is blank.
std::string labelled(std::string_view label, const std::string& text) {
  auto t = trim(text);
  return t.empty() ? std::string(label) : std::string(label) + "：" + t;
}

// The callback result named in a callback note ("回访：不满意。…" → "不满意").
std::string callback_label(const std::string& note) {
  for (const char* l : {"不满意", "基本满意", "满意"})  // 不满意 and 基本满意 contain 满意: longest first
    if (note.find(std::string("：") + l) != std::string::npos) return l;
  return "";
}

}  // namespace

std::string remark(const std::string& note) {
  auto t = trim(note);
  return t.empty() ? "" : "。" + t;
}

std::optional<std::string> public_text(const Event& e) {
  if (!e.is_public) return std::nullopt;
  const std::string& a = e.action;
  if (a == "register") {
    // "登记并受理：投诉（热线电话）" (registered by an operator) or "投诉（网站）".
    if (e.note.rfind("登记并受理", 0) == 0) return e.note;
    return labelled("已提交", e.note);
  }
  if (a == "accept") return "已受理";
  if (a == "transfer_accept") return "已交由承办部门办理";
  if (a == "merge") return "与内容相同的事项合并办理";
  if (a == "reject") return labelled("不予受理", after(e.note, "不予受理："));
  if (a == "pause") return labelled("暂停计时，等待补充材料", after(e.note, "暂停计时，等待补充材料："));
  if (a == "resume") return "恢复办理";
  if (a == "extension_approve") {
    // "同意延期 N 个工作日：…": the number of days only; the approver's note is internal.
    auto from = e.note.find("延期 "), to = e.note.find(" 个工作日");
    if (from != std::string::npos && to != std::string::npos && to > from)
      return "办理期限延长 " + e.note.substr(from + 7, to - from - 7) + " 个工作日";
    return "办理期限已延长";
  }
  if (a == "reply") return labelled("已答复", e.note);
  if (a == "callback") {
    auto label = callback_label(e.note);
    bool by_public = e.actor_id == 0;
    if (label.empty()) return by_public ? "已收到您的评价" : "已回访";
    return std::string(by_public ? "您的评价：" : "回访结果：") + label;
  }
  if (a == "reopen") return trim(e.note).empty() ? "重新办理" : trim(e.note);
  if (a == "close") return labelled("已办结", after(e.note, "办结："));
  return std::nullopt;  // anything else stays internal
}

}  // namespace manyi::cases
