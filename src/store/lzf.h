// LZF, the compression format of Redis's RDB strings and of its compressed quicklist nodes: both
// directions, written from the format (not from liblzf), so cachet can read what Redis writes
// and write what Redis reads.
//
// The compressed stream is a sequence of items, each starting with a control byte:
//   000LLLLL                       a literal run: the next L+1 bytes (1..32) are copied as they are
//   LLLooooo oooooooo              a back reference (L = 1..6): copy L+2 bytes (3..8) starting
//                                  (o+1) bytes back in the output (1..8192)
//   111ooooo llllllll oooooooo     the same with length l+9 (9..264)
// A back reference may overlap the bytes it produces (o = 0 repeats the last byte). There is no
// header and no end marker: the caller keeps both the compressed and the original size.
//
// Pure functions, thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace cachet::store::lzf {

// Compresses `in` into `out` (room for `capacity` bytes); returns the bytes written, or 0 when
// the result would not fit in `capacity` (so capacity < in.size() asks "does it save anything?").
// Empty input gives 0. Deterministic: the same input always gives the same output.
size_t compress(std::string_view in, char* out, size_t capacity);

// Decompresses `in` into exactly `size` bytes at `out`; false when `in` is corrupt (a reference
// before the start, a truncated item) or does not decompress to exactly `size` bytes. Never
// writes past out + size; on failure `out` holds garbage.
[[nodiscard]] bool decompress(std::string_view in, char* out, size_t size);

// decompress into a new string; nothing when the data is corrupt or of another size.
std::optional<std::string> decompress(std::string_view in, size_t size);

}  // namespace cachet::store::lzf
