// liveroom-bench: load generator for the liveroom server. Subcommands: fanout, selftest.

#include <exception>
#include <iostream>
#include <string_view>

#include "bench/args.hpp"
#include "bench/exit_status.hpp"
#include "bench/fanout.hpp"
#include "bench/selftest.hpp"
#include "bench/sys_stats.hpp"

namespace {

void print_usage(std::ostream& out) {
    out << "usage: liveroom-bench <command> [options]\n"
           "\n"
           "commands:\n"
           "  fanout     N viewers in one room, one host publishing at a fixed rate: delivery latency,\n"
           "             loss, throughput, bench CPU, server memory per viewer\n"
           "  selftest   check the bench's own parsers and counters (no server needed)\n"
           "\n"
           "`liveroom-bench <command> --help` describes a command's options.\n";
}

}  // namespace

int main(int argc, char** argv) {
    using namespace liveroom::bench;
    // Every connection is a descriptor: allow as many as the hard limit permits.
    const nofile_limit files = raise_nofile_limit();
    if (!files.error.empty()) {
        std::cerr << "liveroom-bench: warning: cannot raise RLIMIT_NOFILE: " << files.error << "\n";
    }
    if (argc < 2) {
        print_usage(std::cerr);
        return exit_usage;
    }
    const std::string_view command = argv[1];
    if (command == "--help" || command == "-h" || command == "help") {
        print_usage(std::cout);
        return exit_completed;
    }
    try {
        if (command == "fanout") {
            return run_fanout(argc - 2, argv + 2);
        }
        if (command == "selftest") {
            return run_selftest();
        }
    } catch (const usage_error& e) {
        std::cerr << "liveroom-bench " << command << ": " << e.what() << "\n"
                  << "run 'liveroom-bench " << command << " --help' for usage\n";
        return exit_usage;
    } catch (const std::exception& e) {
        std::cerr << "liveroom-bench " << command << ": " << e.what() << "\n";
        return exit_failed;
    }
    std::cerr << "liveroom-bench: unknown command '" << command << "'\n\n";
    print_usage(std::cerr);
    return exit_usage;
}
