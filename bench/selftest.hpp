#pragma once

// `liveroom-bench selftest`: checks the bench's pure parts (frame scanner, sequence
// tracker, histogram, URL parsing) without a server. Returns the exit status.

namespace liveroom::bench {

int run_selftest();

}  // namespace liveroom::bench
