// libFuzzer target for store/lzf. Checks, for arbitrary bytes:
//  - round trip: compressing them with room for the worst case succeeds and decompresses back to
//    the same bytes; with less room (as list nodes ask: "save at least a byte") the compressor
//    either declines or writes a valid stream of the same data, never past its capacity;
//  - hostile input: as a compressed stream with a size taken from the first two bytes, the
//    decompressor never reads or writes out of bounds, and when it accepts, the result has
//    exactly that size and recompresses to the same data.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "store/lzf.h"

namespace {

namespace lzf = cachet::store::lzf;

void check(bool ok) {
  if (!ok) std::abort();
}

// Compresses `in` with `capacity` bytes of room (on the heap, so ASan sees any overrun) and
// checks that the result, if any, decompresses back to `in`. Returns the compressed size (0:
// declined).
size_t round_trip(std::string_view in, size_t capacity) {
  std::string out(capacity, '\0');
  size_t n = lzf::compress(in, out.data(), capacity);
  check(n <= capacity);
  if (n > 0) check(lzf::decompress(std::string_view(out.data(), n), in.size()) == std::string(in));
  return n;
}

void decompress_hostile(std::string_view data) {
  if (data.size() < 2) return;
  size_t size = static_cast<uint8_t>(data[0]) | size_t{static_cast<uint8_t>(data[1])} << 8;
  std::string_view in = data.substr(2);
  auto out = lzf::decompress(in, size);
  if (!out) return;
  check(out->size() == size);
  round_trip(*out, size + size / 32 + 1);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  check((round_trip(in, size + size / 32 + 1) == 0) == (size == 0));
  if (size > 0) round_trip(in, size - 1);
  round_trip(in, size / 2);
  decompress_hostile(in);
  return 0;
}
