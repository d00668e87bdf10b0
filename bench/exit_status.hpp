#pragma once

// The bench's exit statuses, shared by every subcommand.

namespace liveroom::bench {

enum exit_status : int {
    exit_completed = 0,  // the run completed (whatever the figures say)
    exit_failed = 1,     // the run could not be done: connect failure, host refused, host lost, ...
    exit_usage = 2,      // bad command line
    exit_deadline = 3,   // the hard overall deadline passed
};

}  // namespace liveroom::bench
