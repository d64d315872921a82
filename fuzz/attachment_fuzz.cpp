// Case attachments: the type sniffed from the bytes, and the file name the client sent
// (?name=) made safe for display and download. The first input byte splits name from content.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "workflow/attachments.hpp"
#include "fuzz_util.hpp"

using namespace manyi;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view all(reinterpret_cast<const char*>(data), size);
  size_t cut = size ? std::min<size_t>(data[0], size - 1) : 0;
  std::string_view name = size ? all.substr(1, cut) : all;
  std::string_view bytes = size ? all.substr(1 + cut) : all;
  (void)workflow::sniff_file(all);
  fuzz::expect_clean([&] {
    auto kind = workflow::check_file(bytes);
    auto safe = workflow::sanitize_file_name(name, kind);
    if (safe.empty() || safe.find('/') != std::string::npos || safe.find('\\') != std::string::npos) std::abort();
    (void)workflow::content_disposition(safe);
  });
  // Any kind with any name: the name rules must hold whatever the content was.
  static const workflow::FileKind kinds[] = {{"image/png", "png"}, {"application/pdf", "pdf"}};
  auto safe = workflow::sanitize_file_name(all, kinds[size % 2]);
  if (safe.empty() || safe.find('/') != std::string::npos) std::abort();
  (void)workflow::content_disposition(safe);
  return 0;
}
