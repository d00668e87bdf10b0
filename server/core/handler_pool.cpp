#include "server/core/handler_pool.hpp"

#include <new>

namespace liveroom::core {

handler_pool::~handler_pool() {
    for (auto& list : free_) {
        for (void* block : list) {
            ::operator delete(block);
        }
    }
}

void* handler_pool::allocate(std::size_t bytes) {
    if (bytes > max_pooled_bytes) {
        return ::operator new(bytes);
    }
    const std::size_t size_class = (bytes + granularity - 1) / granularity;
    if (size_class < free_.size() && !free_[size_class].empty()) {
        void* block = free_[size_class].back();
        free_[size_class].pop_back();
        return block;
    }
    ++created_;
    return ::operator new(size_class* granularity);
}

void handler_pool::deallocate(void* block, std::size_t bytes) noexcept {
    if (block == nullptr) {
        return;
    }
    if (bytes > max_pooled_bytes) {
        ::operator delete(block);
        return;
    }
    const std::size_t size_class = (bytes + granularity - 1) / granularity;
    try {
        if (size_class >= free_.size()) {
            free_.resize(size_class + 1);
        }
        free_[size_class].push_back(block);
    } catch (...) {
        ::operator delete(block);
    }
}

}  // namespace liveroom::core
