// Case intake: the one entry point other capabilities use to open a case (a bad-review
// rating, an inspection finding, …). It runs inside the caller's transaction, so the source
// record and its case commit together or not at all.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "store/db.hpp"

namespace manyi::cases {

struct NewCase {
  std::string type;     // complaint, bad_review, report, suggestion, praise, consultation, hotline, adverse_event
  std::string channel;  // web, mobile, hotline, letter, visit, opinion_box, transfer_12345, survey, staff_report
  int64_t node_id = 0;  // the org node the case is about (point, department or institution)
  std::string content;
  std::string category;           // category code; empty = suggest from the text
  // The text the category is suggested from when it is not the content: a bad review's content
  // opens with a header naming the unit and the point (收费窗口, 卫生院), which says nothing of
  // the complaint; its category comes from what the patient said.
  std::optional<std::string> category_text;
  std::string complainant_name;   // stored encrypted
  std::string complainant_phone;  // stored encrypted
  int64_t source_rating_id = 0;   // for bad_review: one case per rating (a second call returns the first)
  int64_t registered_by = 0;      // user id; 0 = the public
  std::string registered_by_name;
  std::string ip;
  int64_t owner_node_id = 0;  // first-contact owner (首问负责); 0 = the institution of node_id
  bool multi_dept = false;    // several departments involved: the longer time limit applies
  // Registered by an operator who has received it (热线登记 in the console): the case starts
  // 办理中 and its history says 登记并受理 — there is no separate 受理 step. Needs registered_by.
  bool received = false;
};

struct Opened {
  int64_t id = 0;
  std::string tracking_code;  // 查询码
};

// Opens a case inside tx. Throws manyi::Error on invalid input.
Opened open_case(store::Tx& tx, const NewCase& c);

}  // namespace manyi::cases
