// The one translation unit that compiles Boost.Asio and Boost.Beast for the bench
// (BOOST_ASIO_SEPARATE_COMPILATION / BOOST_BEAST_SEPARATE_COMPILATION).

#include <boost/asio/impl/src.hpp>
#include <boost/beast/src.hpp>
