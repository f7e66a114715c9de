// Stage 1 of parsing: one pass over the input, 64 bytes at a time, that validates UTF-8 and
// string contents and lists the offsets of every structural character ({}[]:,), every string's
// opening quote and the first byte of every other scalar. Stage 2 (parser.cc) then walks only
// those offsets. One implementation per SIMD kernel, chosen at run time.
#pragma once

#include <cstddef>
#include <cstdint>

#include "cachet/json/result.h"

namespace cachet::json::detail {

struct stage1_result {
  size_t count = 0;  // offsets written
  error_kind error = error_kind::none;
  size_t error_offset = 0;
};

// Extra capacity `indexes` needs beyond `len` entries (the writer stores in groups of 8).
inline constexpr size_t kIndexSlack = 72;

// Each scans buf[0, len) and writes the structural offsets to `indexes` (room for len +
// kIndexSlack entries). The kernel must be supported by the CPU.
stage1_result stage1_avx512(const uint8_t* buf, size_t len, uint32_t* indexes);
stage1_result stage1_avx2(const uint8_t* buf, size_t len, uint32_t* indexes);
stage1_result stage1_sse42(const uint8_t* buf, size_t len, uint32_t* indexes);
stage1_result stage1_fallback(const uint8_t* buf, size_t len, uint32_t* indexes);

// The offset of the first ill-formed UTF-8 sequence in buf[0, len), or len if there is none.
size_t find_invalid_utf8(const uint8_t* buf, size_t len);

// The first fault of the strings in buf[0, len): a control character inside a string (its
// offset), else an unterminated string (the offset of its opening quote). For inputs that stage
// 1 found faulty; {false, len} if there is none.
struct string_fault {
  bool control;
  size_t offset;
};
string_fault find_string_fault(const uint8_t* buf, size_t len);

}  // namespace cachet::json::detail
