#include "store/copy.h"

#include "store/hash.h"
#include "store/list.h"
#include "store/set.h"
#include "store/store.h"
#include "store/stream.h"
#include "store/zset.h"

namespace cachet::store {
namespace {

// Rebuilds the container `src` into the fresh empty entry `e` element by element, through each
// type's own operations, so the copy gets the encoding those operations choose.
void copy_elements(Shard& dst, Entry*& e, const Entry* src) {
  switch (src->kind()) {
    case Kind::kHash:
      hash::init(e);
      hash::for_each(src, [&](std::string_view f, std::string_view v) { hash::set(dst, e, f, v); });
      return;
    case Kind::kList:
      list::init(e);
      if (size_t n = list::size(src)) {
        list::for_range(src, 0, n - 1,
                        [&](std::string_view v) { list::push(dst, e, list::End::kTail, v); });
      }
      return;
    case Kind::kSet:
      set::init(e);
      set::for_each(src, [&](std::string_view m) { set::add(dst, e, m); });
      return;
    case Kind::kZset:
      zset::init(e);
      zset::for_each(src, [&](const zset::Element& x) { zset::add(dst, e, x.member, x.score); });
      return;
    case Kind::kStream:
      stream::init(dst, e, stream::of(src));
      return;
    case Kind::kString:
      return;
  }
}

}  // namespace

Entry* copy_entry(Shard& dst, std::string_view key, uint64_t hash, const Entry* src) {
  if (src->is_string()) {
    Entry* e = dst.put(key, hash, src->value(), src->expire_at());
    e->set_type(src->type());  // the copy keeps the encoding (Redis duplicates it as it is)
    return e;
  }
  Entry* e = dst.put(key, hash, "", 0);
  copy_elements(dst, e, src);
  return dst.set_expire(e, src->expire_at());
}

}  // namespace cachet::store
