// The pop and move cores of the list commands, shared by the non-blocking commands
// (commands_lists.cc: LPOP, LMPOP, LMOVE, RPOPLPUSH) and the blocking ones (BLPOP, BRPOP,
// BLMPOP, BLMOVE, BRPOPLPUSH), which call them without argument parsing once they hold the
// keys' shard locks. Defined in commands_lists.cc.
//
// Every function requires the shard locks of the ListKeys it gets (from a KeyLock, a
// MultiKeyLock or a store::Locked). A list at rest is never empty: a core that removes the last
// element deletes the key. The cores write their reply to ctx.out and raise Redis's keyspace
// events (server/notify.h) in ctx's database.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string_view>

#include "resp/writer.h"
#include "server/command.h"
#include "server/key_lock.h"
#include "store/list.h"
#include "store/store.h"

namespace cachet::server {

// LEFT / RIGHT, case-insensitively; nothing for another word.
std::optional<store::list::End> parse_end(std::string_view word);

// The arguments of LMPOP / BLMPOP from the numkeys at args[at]: numkeys key [key ...]
// LEFT|RIGHT [COUNT count].
struct MpopArguments {
  std::span<const std::string_view> keys;
  store::list::End end;
  size_t count;
};
// Parses them with Redis's errors; replies and returns nothing when invalid.
std::optional<MpopArguments> parse_mpop(Context& ctx, size_t at);
// Their key positions (the KeyFinder of LMPOP with at = 1, BLMPOP with at = 2); none when
// numkeys is invalid.
KeyPositions mpop_keys(std::span<const std::string_view> args, size_t at);

// One locked key that may hold a list.
struct ListKey {
  store::Shard& shard;  // the key's shard, locked by the caller
  std::string_view key;
  uint64_t hash;  // store::hash_key(key)
  int64_t now;    // the command's time, for expiry

  // The list at the key, or null when the key is absent or (`wrong` set) holds another type.
  store::Entry* find_list(bool& wrong) const;
};

ListKey list_key(KeyLock& k);
ListKey list_key(MultiKeyLock& k, size_t i, std::string_view key);

// How a pop replies: BLPOP's [key, element] or LMPOP's [key, [element...]].
enum class PopForm { kKeyElement, kKeyElements };

// Pops min(count, length) elements (count >= 1; 1 for kKeyElement) from `end` of the list `e`
// at `key` and writes the reply in `form`; deletes the key when emptied.
void pop_reply(const ListKey& key, store::Entry* e, store::list::End end, size_t count,
               PopForm form, Context& ctx);

// LMPOP's search: pops as pop_reply from the first of `keys`, in order, that holds a list, and
// returns true. A key of another type met first gets WRONGTYPE written (true as well). Returns
// false, writing nothing, when every key is absent.
bool pop_first(std::span<const ListKey> keys, store::list::End end, size_t count, PopForm form,
               Context& ctx);

// LMOVE's core: when `src` holds a list, moves its element at `from` to `to` of `dst` (created
// when absent; the same key rotates) and writes the element as a bulk string; deletes `src` when
// emptied; returns true. WRONGTYPE for either key is written instead (true as well); `src` is
// checked first, then `dst`. Returns false, writing nothing, when `src` is absent.
bool move_reply(const ListKey& src, const ListKey& dst, store::list::End from, store::list::End to,
                Context& ctx);

}  // namespace cachet::server
