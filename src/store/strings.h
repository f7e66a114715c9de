// String values: the byte edits that string and bitmap commands make to an entry's value (APPEND,
// SETRANGE, INCR's overwrite keeping the TTL, SETBIT and BITFIELD's zero-padded growth). Creating
// and replacing a whole string (SET) is Shard::put.
//
// Every function requires the owning shard's lock and an entry holding a string (is_string()).
// They may move the entry (it is taken by reference and updated), record any change of heap bytes
// with the shard (through Shard::resize_value) and call shard.touch() for WATCH.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "store/entry.h"
#include "store/store.h"

namespace cachet::store::str {

// How a string was written, which is what Redis's OBJECT ENCODING reports: as written (int,
// embstr or raw by its bytes), as text that is never int (INCRBYFLOAT), or edited in place
// (always raw). The edits below mark the value raw themselves.
enum class Form { kAsWritten, kText, kRaw };
void set_form(Entry* e, Form form);
// "int", "embstr" or "raw", as Redis 7.0 would report the string `e`.
std::string_view encoding_name(const Entry* e);

// Appends `bytes` to the value; returns the new length.
size_t append(Shard& shard, Entry*& e, std::string_view bytes);

// Copies `bytes` over the value at `offset`, first filling any gap between the old end and
// `offset` with zero bytes. The length becomes max(old length, offset + bytes.size()), which it
// returns.
size_t write_at(Shard& shard, Entry*& e, size_t offset, std::string_view bytes);

// Replaces the value with `value`, keeping the key's expiry (INCR, INCRBYFLOAT).
void assign(Shard& shard, Entry*& e, std::string_view value, Form form = Form::kAsWritten);

// Makes the value at least `len` bytes long, the added bytes zero (a bitmap's padding), and raw.
// Touches nothing, as Redis pads silently: the command calls shard.touch() if it counts a change.
void grow_zeroed(Shard& shard, Entry*& e, size_t len);

// Edits the value in place: calls fn(std::span<uint8_t>) on its bytes, as they are (grow them
// first with grow_zeroed), and returns what fn returns. fn must not keep the span.
template <typename Fn>
decltype(auto) edit(Shard& shard, Entry* e, Fn&& fn) {
  shard.touch(e->key());
  set_form(e, Form::kRaw);
  return fn(std::span<uint8_t>(reinterpret_cast<uint8_t*>(e->value_data()), e->value_len()));
}

}  // namespace cachet::store::str
