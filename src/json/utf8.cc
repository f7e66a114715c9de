#include <cstring>

#include "json/stage1.h"

namespace cachet::json::detail {
namespace {

bool continuation(uint8_t c) { return (c & 0xC0) == 0x80; }

// Length of the well-formed sequence at buf[i] (Unicode table 3-7), or 0 if it is ill-formed.
size_t sequence_length(const uint8_t* buf, size_t i, size_t len) {
  uint8_t c = buf[i];
  size_t n;
  uint8_t lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (len - i < n || buf[i + 1] < lo || buf[i + 1] > hi) return 0;
  for (size_t k = 2; k < n; ++k) {
    if (!continuation(buf[i + k])) return 0;
  }
  return n;
}

}  // namespace

size_t find_invalid_utf8(const uint8_t* buf, size_t len) {
  size_t i = 0;
  while (i < len) {
    uint64_t word;
    if (len - i >= 8 && (std::memcpy(&word, buf + i, 8), (word & 0x8080808080808080) == 0)) {
      i += 8;
      continue;
    }
    if (buf[i] < 0x80) {
      ++i;
      continue;
    }
    size_t n = sequence_length(buf, i, len);
    if (n == 0) return i;
    i += n;
  }
  return len;
}

string_fault find_string_fault(const uint8_t* buf, size_t len) {
  size_t open = len;  // the opening quote of the string the scan is in, or len outside strings
  for (size_t i = 0; i < len; ++i) {
    uint8_t c = buf[i];
    if (open == len) {
      if (c == '"') open = i;
    } else if (c == '\\') {
      if (i + 1 < len && buf[i + 1] < 0x20) return {true, i + 1};
      ++i;  // the escaped byte cannot end the string
    } else if (c == '"') {
      open = len;
    } else if (c < 0x20) {
      return {true, i};
    }
  }
  return {false, open};
}

}  // namespace cachet::json::detail
