// Boost.Asio and Boost.Beast separate compilation: their implementation is
// compiled once, here, instead of in every translation unit that uses them.
#include <boost/asio/impl/src.hpp>
#include <boost/beast/src.hpp>
// Asio SSL, for --tls-cert/--tls-key (net/transport.hpp).
#include <boost/asio/ssl/impl/src.hpp>
