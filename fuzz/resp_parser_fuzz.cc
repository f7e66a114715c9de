// libFuzzer target: feeds arbitrary bytes to the RESP parser the way a connection does (split at
// an input-chosen point, then re-parsed as more arrives) and checks its invariants.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "resp/parser.h"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

// Parses everything in `input`, returning the bytes consumed.
size_t drain(cachet::resp::Parser& parser, std::string_view input, bool authenticated) {
  size_t pos = 0;
  while (pos < input.size()) {
    auto status = parser.parse(input.substr(pos), authenticated);
    if (status == cachet::resp::ParseStatus::kIncomplete) {
      check(parser.bytes_needed() > input.size() - pos);
      break;
    }
    if (status == cachet::resp::ParseStatus::kError) return input.size();
    check(parser.consumed() > 0 && parser.consumed() <= input.size() - pos);
    for (std::string_view arg : parser.args()) {
      check(arg.data() != nullptr || arg.empty());
    }
    pos += parser.consumed();
  }
  return pos;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  cachet::resp::Limits limits;
  limits.max_bulk_len = 1 << 20;
  cachet::resp::Parser parser(limits);
  bool authenticated = data[0] & 1;
  size_t split = size > 1 ? data[1] % size : 0;
  std::string_view all(reinterpret_cast<const char*>(data) + 1, size - 1);
  split = std::min(split, all.size());
  size_t used = drain(parser, all.substr(0, split), authenticated);
  drain(parser, all.substr(used), authenticated);
  return 0;
}
