// 首问负责: the unit that owns a work item, the person it is assigned to, and the hand-overs
// between units. A transfer (转办) is offered to another unit and waits until that unit accepts
// it (it becomes the owner, the accepting person the assignee) or declines it (the owner keeps
// it); while one waits, nothing else moves the item. A return (退回, 分办有误) gives the item
// back to the previous owner, or to the unit above. The item keeps these fields (an item struct
// derives from Ownership); these rules exist once. The caller checks permissions and writes the
// history entry of each change.
#pragma once
#include <cstdint>
#include <string>

namespace manyi::workflow {

struct Ownership {
  int64_t owner_node_id = 0;
  std::string owner_path;
  int64_t prev_owner_node_id = 0;  // the owner before the latest hand-over (where a return goes)
  int64_t transfer_to_node_id = 0;  // a transfer waiting for its answer (0 = none)
  std::string transfer_to_path, transfer_note;
  int64_t assignee_id = 0;  // the person responsible in the owner unit (0 = not yet)

  bool transfer_pending() const { return transfer_to_node_id != 0; }
  // 409 transfer_pending while a transfer waits for its answer; 409 no_transfer when none does.
  void require_no_transfer() const;
  void require_transfer() const;
  // 转办: offers the item to another unit (409 transfer_pending if one waits already).
  void offer(int64_t node_id, const std::string& path, const std::string& note);
  // The unit offered the item takes it: the owner until now becomes the previous owner, the
  // accepting person the assignee. 409 no_transfer when none waits.
  void accept_transfer(int64_t user_id);
  // The unit offered the item declines: the owner keeps it. Returns the declining node.
  // 409 no_transfer when none waits.
  int64_t decline_transfer();
  // Drops a waiting transfer, if any (the item ended while it waited).
  void cancel_transfer();
  // Where a return (退回) goes: the previous owner, else the unit above (`parent_id`), 0 = nowhere.
  int64_t return_target(int64_t parent_id) const { return prev_owner_node_id ? prev_owner_node_id : parent_id; }
  // Hands the item back to `node_id` (a return): no one is assigned there yet.
  void hand_back(int64_t node_id, const std::string& path);
};

}  // namespace manyi::workflow
