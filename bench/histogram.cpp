#include "bench/histogram.hpp"

#include <algorithm>
#include <cmath>

namespace liveroom::bench {

void log_histogram::merge(const log_histogram& other) {
    for (std::size_t i = 0; i < bucket_count; ++i) {
        counts_[i] += other.counts_[i];
    }
    count_ += other.count_;
    sum_ += other.sum_;
    max_ = std::max(max_, other.max_);
    min_ = std::min(min_, other.min_);
}

std::uint64_t log_histogram::highest_in(std::size_t index) {
    constexpr std::size_t exact = std::size_t{1} << sub_bucket_bits;
    constexpr std::size_t half = exact / 2;
    if (index < exact) {
        return index;
    }
    const std::size_t shift = (index - exact) / half + 1;
    const std::uint64_t sub = half + (index - exact) % half;
    return ((sub + 1) << shift) - 1;
}

std::uint64_t log_histogram::percentile(double p) const {
    if (count_ == 0) {
        return 0;
    }
    p = std::clamp(p, 0.0, 100.0);
    std::uint64_t rank = static_cast<std::uint64_t>(std::ceil(p / 100.0 * static_cast<double>(count_)));
    rank = std::clamp<std::uint64_t>(rank, 1, count_);
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < bucket_count; ++i) {
        seen += counts_[i];
        if (seen >= rank) {
            return std::min(highest_in(i), max_);
        }
    }
    return max_;
}

}  // namespace liveroom::bench
