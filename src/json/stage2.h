// Stage 2 of parsing (stage2_impl.h): one implementation per instruction set, chosen with stage 1.
// The AVX-512 kernel pairs its stage 1 with the AVX2 stage 2: compiled for AVX-512, the same code
// measured 10% slower on number-heavy input (canada.json), and it has no use for wider vectors.
#pragma once

#include <cstddef>
#include <cstdint>

#include "cachet/json/result.h"

namespace cachet::json::detail {

// Where stage 2 reads and writes; the caller sizes every buffer (parser.cc).
struct stage2_state {
  const uint8_t* buf;     // the input
  const uint8_t* end;     // one past its last byte
  const uint32_t* first;  // stage 1's offsets
  const uint32_t* last;   // one past the last offset
  uint64_t* tape;         // room for 2 words per offset + 4
  char* strings;          // room for 2 bytes per input byte + 64 (3 with keep_number_text)
  uint64_t* frames;       // the stack of open containers
  uint64_t* frames_end;   // frames + the depth limit
  bool keep_number_text;
};

struct stage2_result {
  error_kind error = error_kind::none;
  size_t offset = 0;     // of the error
  size_t tape_size = 0;  // words written, when there is no error
};

stage2_result stage2_avx2(const stage2_state& s);
stage2_result stage2_sse42(const stage2_state& s);
stage2_result stage2_fallback(const stage2_state& s);

}  // namespace cachet::json::detail
