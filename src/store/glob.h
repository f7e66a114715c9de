// Redis-style glob matching for KEYS, SCAN MATCH and CONFIG GET.
#pragma once

#include <string_view>

namespace cachet::store {

// Matches `text` against `pattern`: `*` any run, `?` any byte, `[abc]`, `[^a-z]` classes, `\x`
// escapes. Runs in O(|pattern| * |text|) time at worst, with no recursion.
bool glob_match(std::string_view pattern, std::string_view text, bool nocase = false);

}  // namespace cachet::store
