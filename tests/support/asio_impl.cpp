// The one translation unit of the test support library that compiles Asio and
// Beast (BOOST_ASIO_SEPARATE_COMPILATION / BOOST_BEAST_SEPARATE_COMPILATION):
// every test executable gets them by linking liveroom_test_support.
#include <boost/asio/impl/src.hpp>
#include <boost/beast/src.hpp>
// Asio SSL, for the wss/https client (tls_client.cpp).
#include <boost/asio/ssl/impl/src.hpp>
