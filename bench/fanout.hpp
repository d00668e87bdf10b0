#pragma once

// The fan-out scenario: N guest viewers in one room, one host publishing notice.set events
// at a fixed rate; measures delivery latency, loss, throughput and the cost on both sides.
// The viewers may be spread over several URLs (the nodes of a cluster serving the room).

#include <iosfwd>

namespace liveroom::bench {

void print_fanout_usage(std::ostream& out);

// Runs `liveroom-bench fanout` with the arguments after the subcommand name; returns the
// exit status. Throws usage_error for a bad command line.
int run_fanout(int argc, char** argv);

}  // namespace liveroom::bench
