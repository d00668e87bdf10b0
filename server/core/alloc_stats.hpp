#pragma once

#include <cstdint>

namespace liveroom::core {

// Bytes allocated so far by the calling thread, from jemalloc's per-thread
// counter (a pointer read: no syscall). Returns a pointer that stays valid for
// the thread's life, or nullptr without jemalloc (sanitizer builds).
const std::uint64_t* thread_allocated_counter() noexcept;

}  // namespace liveroom::core
