#pragma once

#include <cstdio>
#include <cstdlib>

// An always-on property check for fuzz targets: a violated property is a
// finding, so it aborts (libFuzzer then saves the input as a crash artifact).
#define LR_FUZZ_CHECK(cond)                                                                         \
    do {                                                                                            \
        if (!(cond)) {                                                                              \
            std::fprintf(stderr, "%s:%d: fuzz property violated: %s\n", __FILE__, __LINE__, #cond); \
            std::abort();                                                                           \
        }                                                                                           \
    } while (false)
