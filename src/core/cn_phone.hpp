// Mainland China phone numbers as patients' contact numbers: a mobile is 11 digits
// 1[3-9]xxxxxxxxx (a +86/0086 prefix and spaces or dashes allowed); a landline has its area code,
// 0 + 2–3 digits, then 7–8 digits (0571-88888888, (010)12345678, optional extension). Anything
// else — a 10-digit "mobile", a landline without area code — is not a number anyone can call.
#pragma once
#include <string>

namespace manyi::cn_phone {

enum class Kind { invalid, mobile, landline };
struct Phone {
  Kind kind = Kind::invalid;
  std::string number;  // mobile: 11 digits; landline: "0571-88888888" (extension "-123")
};
Phone parse(const std::string& text);

}  // namespace manyi::cn_phone
