#pragma once

#include <cstddef>

namespace liveroom::protocol {

// Text limits of the contract, in Unicode code points (configurable; these
// are the contract's defaults).
struct text_limits {
    std::size_t question = 300;
    std::size_t comment = 200;
    std::size_t notice = 500;
    std::size_t card_title = 100;
    std::size_t card_body = 2000;
    std::size_t name = 32;
    std::size_t answer = 2000;
    std::size_t quiz_question = 300;
    std::size_t quiz_option = 100;
    std::size_t id = 64;  // request ids and other client-chosen ids
    std::size_t blocked_words = 10000;
    std::size_t blocked_word = 64;
};

}  // namespace liveroom::protocol
