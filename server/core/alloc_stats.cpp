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

}  // namespace liveroom::core
