#pragma once

#include <string>

namespace liveroom::test {

// Text kept aside during a test case (e.g. a server's stderr) and printed only
// when the test case fails. The Catch2 listener in catch_main.cpp drains it.
void failure_log_add(std::string text);
// Takes (and clears) what was kept.
std::string failure_log_take();
void failure_log_clear();

}  // namespace liveroom::test
