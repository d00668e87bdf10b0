#pragma once

#include <functional>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

namespace liveroom::net {

using http_request = boost::beast::http::request<boost::beast::http::string_body>;
using http_response = boost::beast::http::response<boost::beast::http::string_body>;

// Handlers answer through `respond`, possibly later and from another thread.
using respond_fn = std::function<void(http_response)>;

}  // namespace liveroom::net
