// Files embedded into the binary at build time (cmake/embed_files.cmake): the public mobile
// rating page (web/h5/*) and the shipped survey and checklist templates (templates/*/*.json).
#pragma once
#include <string_view>
#include <vector>

namespace manyi::embedded {

struct File {
  std::string_view name;  // file name without directory
  std::string_view data;
};

const std::vector<File>& h5_files();
const std::vector<File>& survey_templates();
const std::vector<File>& checklist_templates();  // templates/checklists/*.json (forms engine)

}  // namespace manyi::embedded
