// Differential libFuzzer target: cachet::json against nlohmann/json (Debian's
// nlohmann-json3-dev) on the same bytes. Both are strict RFC 8259 parsers, so they must agree on
// accept/reject and, when both accept, on the value. Known, documented differences are skipped:
// nlohmann skips a leading UTF-8 byte order mark, stops at a NUL byte as if the input ended
// there, and has no nesting limit (cachet: 1024).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string_view>

#include "cachet/json/document.h"

namespace {

namespace json = cachet::json;

void check(bool ok) {
  if (!ok) std::abort();
}

nlohmann::json convert(const json::element& e) {
  switch (e.type()) {
    case json::value_type::null:
      return nullptr;
    case json::value_type::boolean:
      return e.get<bool>().value();
    case json::value_type::string:
      return std::string(e.get<std::string_view>().value());
    case json::value_type::number:
      switch (e.get_number_type().value()) {
        case json::number_type::int64:
          return e.get<int64_t>().value();
        case json::number_type::uint64:
          return e.get<uint64_t>().value();
        default:
          return e.get<double>().value();
      }
    case json::value_type::array: {
      nlohmann::json a = nlohmann::json::array();
      for (json::element item : e.array()) a.push_back(convert(item));
      return a;
    }
    case json::value_type::object: {
      nlohmann::json o = nlohmann::json::object();
      for (json::member m : e.object()) o[std::string(m.key)] = convert(m.value);  // last wins
      return o;
    }
  }
  return nullptr;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  if (input.starts_with("\xEF\xBB\xBF") || input.find('\0') != std::string_view::npos) return 0;
  auto ours = json::parse(input);
  if (!ours.ok() && ours.error().kind == json::error_kind::depth_exceeded) return 0;
  auto theirs = nlohmann::json::parse(input.begin(), input.end(), nullptr, false);
  check(ours.ok() == !theirs.is_discarded());
  if (ours.ok()) check(convert(ours->root()) == theirs);
  return 0;
}
