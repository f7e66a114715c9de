#include "server/notify.h"

#include <array>
#include <utility>

namespace cachet::server {
namespace {

// Letters in the order Redis writes them back (after "A" or the class letters come K, E, m).
constexpr std::array<std::pair<char, uint32_t>, 11> kClassLetters = {{{'g', kNotifyGeneric},
                                                                      {'$', kNotifyString},
                                                                      {'l', kNotifyList},
                                                                      {'s', kNotifySet},
                                                                      {'h', kNotifyHash},
                                                                      {'z', kNotifyZset},
                                                                      {'x', kNotifyExpired},
                                                                      {'e', kNotifyEvicted},
                                                                      {'t', kNotifyStream},
                                                                      {'d', kNotifyModule},
                                                                      {'n', kNotifyNew}}};
constexpr std::array<std::pair<char, uint32_t>, 3> kKindLetters = {
    {{'K', kNotifyKeyspace}, {'E', kNotifyKeyevent}, {'m', kNotifyKeyMiss}}};

}  // namespace

bool parse_keyspace_events(std::string_view text, uint32_t& flags) {
  uint32_t out = 0;
  for (char c : text) {
    uint32_t bit = c == 'A' ? static_cast<uint32_t>(kNotifyAll) : 0u;
    for (auto [letter, flag] : kClassLetters) bit |= letter == c ? flag : 0;
    for (auto [letter, flag] : kKindLetters) bit |= letter == c ? flag : 0;
    if (bit == 0) return false;
    out |= bit;
  }
  flags = out;
  return true;
}

std::string format_keyspace_events(uint32_t flags) {
  std::string out;
  if ((flags & kNotifyAll) == kNotifyAll) {
    out += 'A';  // and, as in Redis 7.0, no 'n' even when set
  } else {
    for (auto [letter, flag] : kClassLetters) {
      if (flags & flag) out += letter;
    }
  }
  for (auto [letter, flag] : kKindLetters) {
    if (flags & flag) out += letter;
  }
  return out;
}

}  // namespace cachet::server
