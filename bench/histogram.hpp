#pragma once

// An HDR-style log-bucket histogram of non-negative integers (the bench records
// microseconds). Values below 128 are exact; above, each power of two is split into 64
// sub-buckets, so any reported value is within 1/64 (1.6 %) above the true one. Recording
// is a few instructions and never allocates; one histogram per thread, merged at the end.

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>

namespace liveroom::bench {

class log_histogram {
  public:
    static constexpr unsigned sub_bucket_bits = 7;  // 128 exact values, then 64 per power of two
    static constexpr unsigned max_value_bits = 40;  // ~12.7 days in microseconds; larger values clamp

    void record(std::uint64_t value) {
        if (value >= max_trackable) {
            value = max_trackable - 1;
        }
        ++counts_[index_of(value)];
        ++count_;
        sum_ += value;
        if (value > max_) {
            max_ = value;
        }
        if (value < min_) {
            min_ = value;
        }
    }

    void merge(const log_histogram& other);
    void reset() { *this = log_histogram{}; }

    std::uint64_t count() const { return count_; }
    std::uint64_t max() const { return count_ == 0 ? 0 : max_; }
    std::uint64_t min() const { return count_ == 0 ? 0 : min_; }
    double mean() const { return count_ == 0 ? 0.0 : static_cast<double>(sum_) / static_cast<double>(count_); }

    // The value at percentile p (0..100]: the highest value equivalent to the bucket that
    // holds the sample of rank ceil(p% of count), capped at the recorded maximum. 0 when empty.
    std::uint64_t percentile(double p) const;

    static constexpr std::uint64_t max_trackable = std::uint64_t{1} << max_value_bits;

    static std::size_t index_of(std::uint64_t value) {
        constexpr std::uint64_t exact = std::uint64_t{1} << sub_bucket_bits;
        constexpr std::uint64_t half = exact / 2;
        if (value < exact) {
            return static_cast<std::size_t>(value);
        }
        const unsigned msb = 63U - static_cast<unsigned>(std::countl_zero(value));
        const unsigned shift = msb - (sub_bucket_bits - 1);
        return static_cast<std::size_t>(exact + (shift - 1) * half + ((value >> shift) - half));
    }

    // The largest value that maps to bucket `index`.
    static std::uint64_t highest_in(std::size_t index);

  private:
    static constexpr std::size_t bucket_count =
        (std::size_t{1} << sub_bucket_bits) +
        (max_value_bits - sub_bucket_bits) * (std::size_t{1} << (sub_bucket_bits - 1));

    std::array<std::uint64_t, bucket_count> counts_{};
    std::uint64_t count_ = 0;
    std::uint64_t sum_ = 0;
    std::uint64_t max_ = 0;
    std::uint64_t min_ = ~std::uint64_t{0};
};

}  // namespace liveroom::bench
