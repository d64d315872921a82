#include "workflow/ownership.hpp"

#include "core/error.hpp"

namespace manyi::workflow {

void Ownership::require_no_transfer() const {
  if (transfer_pending()) throw conflict("transfer_pending", "a transfer of this item is waiting for an answer");
}

void Ownership::require_transfer() const {
  if (!transfer_pending()) throw conflict("no_transfer", "there is no transfer waiting for an answer");
}

void Ownership::offer(int64_t node_id, const std::string& path, const std::string& note) {
  require_no_transfer();
  transfer_to_node_id = node_id;
  transfer_to_path = path;
  transfer_note = note;
}

void Ownership::accept_transfer(int64_t user_id) {
  require_transfer();
  prev_owner_node_id = owner_node_id;
  owner_node_id = transfer_to_node_id;
  owner_path = transfer_to_path;
  cancel_transfer();
  assignee_id = user_id;
}

int64_t Ownership::decline_transfer() {
  require_transfer();
  int64_t by = transfer_to_node_id;
  cancel_transfer();
  return by;
}

void Ownership::cancel_transfer() {
  transfer_to_node_id = 0;
  transfer_to_path.clear();
  transfer_note.clear();
}

void Ownership::hand_back(int64_t node_id, const std::string& path) {
  prev_owner_node_id = owner_node_id;
  owner_node_id = node_id;
  owner_path = path;
  assignee_id = 0;
}

}  // namespace manyi::workflow
