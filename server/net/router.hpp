#pragma once

#include "server/net/http_types.hpp"

namespace liveroom::hub {
class hub;
}

namespace liveroom::net {

// Routes one HTTP request: /healthz, /metrics, /api/..., pages and static
// files. Calls `respond` exactly once.
void route(hub::hub& h, http_request&& req, respond_fn respond);

// A response with the project's security headers.
http_response make_response(const http_request& req,
                            boost::beast::http::status status,
                            std::string body,
                            std::string_view content_type);

// {"error":{"code":..,"message":..}}
http_response make_error(const http_request& req,
                         boost::beast::http::status status,
                         std::string_view code,
                         std::string_view message);

}  // namespace liveroom::net
