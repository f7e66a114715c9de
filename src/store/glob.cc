#include "store/glob.h"

#include <cctype>

namespace cachet::store {
namespace {

char fold(char c, bool nocase) {
  return nocase ? static_cast<char>(std::tolower(static_cast<unsigned char>(c))) : c;
}

// Matches one `[...]` class starting at pattern[p] == '['; sets `p` past the class.
bool match_class(std::string_view pattern, size_t& p, char c, bool nocase) {
  ++p;
  bool negate = p < pattern.size() && pattern[p] == '^';
  if (negate) ++p;
  bool matched = false;
  while (p < pattern.size() && pattern[p] != ']') {
    if (pattern[p] == '\\' && p + 1 < pattern.size()) {
      ++p;
      matched |= fold(pattern[p], nocase) == fold(c, nocase);
    } else if (p + 2 < pattern.size() && pattern[p + 1] == '-' && pattern[p + 2] != ']') {
      char lo = fold(pattern[p], nocase), hi = fold(pattern[p + 2], nocase);
      if (lo > hi) std::swap(lo, hi);
      char x = fold(c, nocase);
      matched |= x >= lo && x <= hi;
      p += 2;
    } else {
      matched |= fold(pattern[p], nocase) == fold(c, nocase);
    }
    ++p;
  }
  if (p < pattern.size()) ++p;  // past ']'
  return matched != negate;
}

// Matches a single non-star pattern element at pattern[p] against c; advances p on success.
bool match_one(std::string_view pattern, size_t& p, char c, bool nocase) {
  switch (pattern[p]) {
    case '?':
      ++p;
      return true;
    case '[':
      return match_class(pattern, p, c, nocase);
    case '\\':
      if (p + 1 < pattern.size()) {
        if (pattern[p + 1] != c) return false;
        p += 2;
        return true;
      }
      [[fallthrough]];
    default:
      if (fold(pattern[p], nocase) != fold(c, nocase)) return false;
      ++p;
      return true;
  }
}

}  // namespace

bool glob_match(std::string_view pattern, std::string_view text, bool nocase) {
  size_t p = 0, t = 0;
  size_t star_p = std::string_view::npos, star_t = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      while (p < pattern.size() && pattern[p] == '*') ++p;
      star_p = p;
      star_t = t;
      continue;
    }
    size_t next = p;
    if (p < pattern.size() && match_one(pattern, next, text[t], nocase)) {
      p = next;
      ++t;
    } else if (star_p != std::string_view::npos) {
      p = star_p;  // let the last star absorb one more byte and retry
      t = ++star_t;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

}  // namespace cachet::store
