#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/tcp_stream.hpp>

namespace liveroom::net {

// Every socket and timer is bound to its worker's io_context executor type,
// not the type-erased any_io_executor, which allocates on each completion.
using executor_t = boost::asio::io_context::executor_type;
using socket_t = boost::asio::basic_stream_socket<boost::asio::ip::tcp, executor_t>;
using timer_t = boost::asio::
    basic_waitable_timer<std::chrono::steady_clock, boost::asio::wait_traits<std::chrono::steady_clock>, executor_t>;
using http_stream_t = boost::beast::basic_stream<boost::asio::ip::tcp, executor_t>;

}  // namespace liveroom::net
