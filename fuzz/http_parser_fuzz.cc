// libFuzzer target: arbitrary bytes through the HTTP/1.1 request parser, fed in two pieces (split
// at an input-chosen point, the second call seeing a fresh copy as after a buffer move) and then
// request after request. Checks: consumed bytes stay inside the input, errors use only the
// statuses the parser documents, a complete request's views point into the input, and feeding
// the whole input at once gives the same outcome as feeding it in pieces.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "http/parser.h"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

bool inside(std::string_view part, std::string_view whole) {
  return part.empty() ||
         (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

// Parses requests from `input` until it needs more or fails; returns a summary of the outcome.
std::string drain(cachet::http::Parser& p, std::string_view input) {
  std::string summary;
  size_t pos = 0;
  while (pos < input.size()) {
    std::string_view rest = input.substr(pos);
    auto s = p.parse(rest);
    if (s == cachet::http::ParseStatus::kIncomplete) return summary + "I";
    if (s == cachet::http::ParseStatus::kError) {
      int st = p.error_status();
      check(st == 400 || st == 413 || st == 414 || st == 431 || st == 501 || st == 505);
      return summary + "E" + std::to_string(st);
    }
    check(p.consumed() > 0 && p.consumed() <= rest.size());
    const auto& r = p.request();
    check(inside(r.method, rest) && inside(r.target, rest) && inside(r.host, rest));
    for (const auto& h : r.headers) check(inside(h.name, rest) && inside(h.value, rest));
    summary += "C" + std::to_string(p.consumed()) + ":" + std::to_string(r.body.size());
    pos += p.consumed();
  }
  return summary;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  size_t split = data[0] % size;
  std::string input(reinterpret_cast<const char*>(data) + 1, size - 1);
  cachet::http::Parser whole;
  std::string expected = drain(whole, input);
  cachet::http::Parser pieces;
  std::string first = input.substr(0, std::min(split, input.size()));
  auto s = pieces.parse(first);
  if (s != cachet::http::ParseStatus::kIncomplete) return 0;  // compared only when it had to wait
  check(drain(pieces, input) == expected);
  return 0;
}
