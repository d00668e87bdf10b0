// liveroom-bench: load generator for the liveroom server. Subcommands: fanout, selftest.

#include <exception>
#include <iostream>
#include <string_view>

#include "bench/args.hpp"
#include "bench/compare.hpp"
#include "bench/exit_status.hpp"
#include "bench/fanout.hpp"
#include "bench/scenario_run.hpp"
#include "bench/selftest.hpp"
#include "bench/sys_stats.hpp"

namespace {

void print_usage(std::ostream& out) {
    out << "usage: liveroom-bench <command> [options]\n"
           "\n"
           "commands:\n"
           "  fanout           N viewers in one room, one host publishing at a fixed rate: delivery\n"
           "                   latency, loss, throughput, bench CPU, server memory per viewer\n"
           "  run FILE|NAME    play a scenario file (bench/scenarios/*.json): viewers joining and\n"
           "                   leaving, comments, questions, votes, likes, quizzes, the host's timeline\n"
           "  union-evening    the reference evening: 6,204 viewers at peak, two hours (--speed 60)\n"
           "  reconnect-storm  every viewer cut at once and back within 2 s, resuming with since\n"
           "  quiz-burst       quizzes answered by most viewers within seconds\n"
           "  comments         10,000 viewers offering 2,000 comments/s (run bench/comments_bench.sh for the\n"
           "                   500 blocked words it is meant with)\n"
           "  soak             a long steady room; reports the server's memory trend\n"
           "  compare A B      two JSON reports side by side\n"
           "  check R EXPR..   assert on a JSON report ('deliveries.gaps == 0'); exit 1 if one fails\n"
           "  selftest         check the bench's own parsers and counters (no server needed)\n"
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
        if (command == "run" || is_named_scenario(std::string(command))) {
            return run_scenario(std::string(command), argc - 2, argv + 2);
        }
        if (command == "compare") {
            return run_compare(argc - 2, argv + 2);
        }
        if (command == "check") {
            return run_check(argc - 2, argv + 2);
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
