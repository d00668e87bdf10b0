// Placeholder: written by a helper.
#include <catch2/catch.hpp>
