// The Catch2 main of the integration test executables, plus a listener that
// prints what the support code kept aside (the servers' stderr and stdout)
// when — and only when — a test case failed.
#define CATCH_CONFIG_MAIN
#include <iostream>

#include <catch2/catch.hpp>

#include "tests/support/failure_log.hpp"

namespace {

struct failure_log_listener : Catch::TestEventListenerBase {
    using TestEventListenerBase::TestEventListenerBase;

    void testCaseStarting(const Catch::TestCaseInfo& info) override {
        liveroom::test::failure_log_clear();
        TestEventListenerBase::testCaseStarting(info);
    }

    void testCaseEnded(const Catch::TestCaseStats& stats) override {
        std::string kept = liveroom::test::failure_log_take();
        if (stats.totals.assertions.failed > 0 && !kept.empty()) {
            std::cerr << "\n#### test case \"" << stats.testInfo.name << "\" failed; server output follows\n"
                      << kept << "#### end of server output\n"
                      << std::flush;
        }
        TestEventListenerBase::testCaseEnded(stats);
    }
};

}  // namespace

CATCH_REGISTER_LISTENER(failure_log_listener)
