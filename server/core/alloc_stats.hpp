#pragma once

#include <cstdint>

namespace liveroom::core {

// Bytes allocated so far by the calling thread, from jemalloc's per-thread
// counter (a pointer read: no syscall). Returns a pointer that stays valid for
// the thread's life, or nullptr without jemalloc (sanitizer builds).
const std::uint64_t* thread_allocated_counter() noexcept;

// The process's live heap as jemalloc counts it: bytes the program holds
// (`allocated`) and bytes of pages jemalloc keeps resident (`resident`),
// refreshed on each call (a few microseconds). Zeros without jemalloc.
struct heap_stats {
    std::int64_t allocated = 0;
    std::int64_t resident = 0;
};
heap_stats read_heap_stats() noexcept;

}  // namespace liveroom::core
