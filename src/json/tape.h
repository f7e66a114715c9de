// The document tape: one 64-bit word per value (two for numbers), in document order.
//
//   word = tag << 56 | payload
//   '[' '{'  payload = index one past the matching close word | min(count, 0xFFFFFF) << 32
//   ']' '}'  payload = index of the open word
//   '"'      payload = offset of the string in the string buffer | kCleanString if it had no
//            escapes in the input (so it can be written back without escaping)
//   'l' 'u' 'd'  int64 / uint64 / double; the next word holds the bits. payload = 1 + offset of
//            the raw number text in the string buffer when parse_options::keep_number_text
//   't' 'f' 'n'  true, false, null
//
// A string in the buffer is a 4-byte little-endian length, the bytes, and a NUL.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace cachet::json::detail {

inline constexpr int kTagShift = 56;
inline constexpr uint64_t kPayloadMask = (uint64_t{1} << kTagShift) - 1;
inline constexpr uint64_t kCleanString = uint64_t{1} << 55;
inline constexpr uint64_t kMaxCount = 0xFFFFFF;

inline char tag_of(uint64_t word) { return static_cast<char>(word >> kTagShift); }
inline uint64_t payload_of(uint64_t word) { return word & kPayloadMask; }
inline uint64_t make_word(char tag, uint64_t payload) {
  return uint64_t(uint8_t(tag)) << kTagShift | payload;
}

// Index of the tape word after the value that starts at `index`.
inline uint32_t next_index(const uint64_t* tape, uint32_t index) {
  uint64_t w = tape[index];
  switch (tag_of(w)) {
    case '[':
    case '{':
      return static_cast<uint32_t>(w);
    case 'l':
    case 'u':
    case 'd':
      return index + 2;
    default:
      return index + 1;
  }
}

// The string stored at `offset` of the string buffer.
inline std::string_view string_at(const char* strings, uint64_t offset) {
  uint32_t len;
  std::memcpy(&len, strings + offset, sizeof len);
  return {strings + offset + sizeof len, len};
}

}  // namespace cachet::json::detail
