#pragma once

// Completion-handler memory recycled per thread, so read and write loops never call
// malloc in steady state. Asio's own recycling cache keeps two blocks per thread and none
// larger than ~1 KiB; a Beast WebSocket read composed over tcp_stream is larger than that,
// so without this every socket read allocates. A freed block goes to a free list for its
// 64-byte size class and is handed out again; the pool only grows to the peak number of
// operations in flight. One pool per io_context thread: not thread-safe by design.

#include <cstddef>
#include <vector>

namespace liveroom::core {

class handler_pool {
  public:
    handler_pool() = default;
    handler_pool(const handler_pool&) = delete;
    handler_pool& operator=(const handler_pool&) = delete;
    ~handler_pool();

    void* allocate(std::size_t bytes);
    void deallocate(void* block, std::size_t bytes) noexcept;

    // Blocks obtained from the system allocator so far (for diagnostics).
    std::size_t blocks_created() const { return created_; }

  private:
    static constexpr std::size_t granularity = 64;
    static constexpr std::size_t max_pooled_bytes = 16 * 1024;

    std::vector<std::vector<void*>> free_;  // index: size class
    std::size_t created_ = 0;
};

// A standard allocator over a handler_pool, to bind to completion handlers
// (boost::asio::bind_allocator); Asio and Beast allocate operation state through it.
template <class T>
class handler_allocator {
  public:
    using value_type = T;

    explicit handler_allocator(handler_pool& pool) noexcept : pool_(&pool) {}
    template <class U>
    handler_allocator(const handler_allocator<U>& other) noexcept : pool_(other.pool()) {}

    T* allocate(std::size_t n) { return static_cast<T*>(pool_->allocate(n * sizeof(T))); }
    void deallocate(T* p, std::size_t n) noexcept { pool_->deallocate(p, n * sizeof(T)); }

    handler_pool* pool() const noexcept { return pool_; }

    template <class U>
    bool operator==(const handler_allocator<U>& other) const noexcept {
        return pool_ == other.pool();
    }

  private:
    handler_pool* pool_;
};

}  // namespace liveroom::core
