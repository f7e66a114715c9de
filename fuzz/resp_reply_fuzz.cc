// libFuzzer target: arbitrary bytes through the RESP reply parser (what the gateway's backends
// read from cache servers). Checks: a parsed reply consumes bytes inside the input, and parsing
// exactly those bytes gives the same result; every shorter prefix is incomplete or an error.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "resp/reply.h"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  cachet::resp::Reply reply;
  size_t used = 0;
  auto s = cachet::resp::parse_reply(input, reply, used, 1 << 20);
  if (s != cachet::resp::ReplyStatus::kOk) return 0;
  check(used > 0 && used <= size);
  cachet::resp::Reply again;
  size_t used_again = 0;
  check(cachet::resp::parse_reply(input.substr(0, used), again, used_again, 1 << 20) ==
            cachet::resp::ReplyStatus::kOk &&
        used_again == used);
  check(cachet::resp::parse_reply(input.substr(0, used - 1), again, used_again, 1 << 20) !=
        cachet::resp::ReplyStatus::kOk);
  return 0;
}
