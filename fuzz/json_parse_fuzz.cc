// libFuzzer target: arbitrary bytes through cachet::json::parse with every stage-1 kernel the
// CPU supports. Checks: the kernels agree (accept/reject, error kind and offset); an accepted
// document serializes (compact and pretty) to text that parses back to the same compact text;
// the mutable value copy serializes identically; errors carry a position inside the input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "cachet/json/document.h"
#include "cachet/json/value.h"
#include "cachet/json/writer.h"

namespace {

namespace json = cachet::json;

void check(bool ok) {
  if (!ok) std::abort();
}

std::string compact(const json::element& e) { return json::to_string(e).value(); }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto reference = json::parse(input, {.kernel = json::simd_kernel::fallback});
  for (json::simd_kernel k : json::supported_kernels()) {
    auto r = json::parse(input, {.kernel = k});
    check(r.ok() == reference.ok());
    if (!r.ok()) {
      check(r.error().kind == reference.error().kind);
      check(r.error().offset == reference.error().offset);
      check(r.error().offset <= size && r.error().line >= 1 && r.error().column >= 1);
    }
  }
  if (!reference.ok()) return 0;
  std::string text = compact(reference->root());
  auto again = json::parse(text);
  check(again.ok() && compact(again->root()) == text);
  auto pretty = json::to_string(reference->root(), {.indent = 2});
  auto from_pretty = json::parse(pretty.value());
  check(from_pretty.ok() && compact(from_pretty->root()) == text);
  auto copy = json::value::from(reference->root());
  check(copy.ok() && json::to_string(*copy).value() == text);
  return 0;
}
