#include "server/core/alloc_stats.hpp"

#ifdef LIVEROOM_HAVE_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

namespace liveroom::core {

const std::uint64_t* thread_allocated_counter() noexcept {
#ifdef LIVEROOM_HAVE_JEMALLOC
    std::uint64_t* p = nullptr;
    std::size_t len = sizeof p;
    if (mallctl("thread.allocatedp", &p, &len, nullptr, 0) == 0) {
        return p;
    }
#endif
    return nullptr;
}

heap_stats read_heap_stats() noexcept {
    heap_stats out;
#ifdef LIVEROOM_HAVE_JEMALLOC
    std::uint64_t epoch = 1;
    std::size_t len = sizeof epoch;
    mallctl("epoch", &epoch, &len, &epoch, len);  // refresh the statistics
    std::size_t v = 0;
    len = sizeof v;
    if (mallctl("stats.allocated", &v, &len, nullptr, 0) == 0) {
        out.allocated = static_cast<std::int64_t>(v);
    }
    len = sizeof v;
    if (mallctl("stats.resident", &v, &len, nullptr, 0) == 0) {
        out.resident = static_cast<std::int64_t>(v);
    }
#endif
    return out;
}

}  // namespace liveroom::core
