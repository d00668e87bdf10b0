#include "tests/support/tcp_proxy.hpp"

#include <array>
#include <future>
#include <stdexcept>
#include <vector>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

namespace liveroom::test {

namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

tcp::endpoint loopback(std::uint16_t port) {
    return {net::ip::make_address_v4("127.0.0.1"), port};
}

}  // namespace

// One forwarded connection: the accepted client socket and the socket to the
// target, each relayed to the other by a read → write loop. Lives on the
// proxy's thread; the first error or end on either side closes both.
class tcp_proxy::session : public std::enable_shared_from_this<session> {
  public:
    session(tcp::socket client, tcp_proxy& owner)
        : client_(std::move(client)), target_(client_.get_executor()), owner_(owner) {}

    void start() {
        boost::system::error_code ignored;
        client_.set_option(tcp::no_delay(true), ignored);
        target_.async_connect(loopback(owner_.target_port_), [self = shared_from_this()](boost::system::error_code ec) {
            if (ec) {
                self->close();
                return;
            }
            boost::system::error_code ignored;
            self->target_.set_option(tcp::no_delay(true), ignored);
            self->relay(self->client_, self->target_, self->upstream_);
            self->relay(self->target_, self->client_, self->downstream_);
        });
    }

    void close() {
        if (closed_) {
            return;
        }
        closed_ = true;
        boost::system::error_code ignored;
        client_.close(ignored);
        target_.close(ignored);
        owner_.sessions_.erase(shared_from_this());
        --owner_.open_;
    }

  private:
    using buffer = std::array<char, 16 * 1024>;

    void relay(tcp::socket& from, tcp::socket& to, buffer& buf) {
        from.async_read_some(net::buffer(buf), [self = shared_from_this(), &from, &to, &buf](
                                                   boost::system::error_code ec, std::size_t n) {
            if (ec) {
                self->close();
                return;
            }
            net::async_write(to, net::buffer(buf.data(), n),
                             [self, &from, &to, &buf](boost::system::error_code ec, std::size_t) {
                                 if (ec) {
                                     self->close();
                                     return;
                                 }
                                 self->relay(from, to, buf);
                             });
        });
    }

    tcp::socket client_;
    tcp::socket target_;
    tcp_proxy& owner_;
    buffer upstream_{};
    buffer downstream_{};
    bool closed_ = false;
};

tcp_proxy::tcp_proxy(std::uint16_t target_port) : target_port_(target_port) {
    start();
}

tcp_proxy::~tcp_proxy() {
    stop();
}

void tcp_proxy::start() {
    std::lock_guard lock(mutex_);
    if (thread_.joinable()) {
        return;
    }
    auto ioc = std::make_unique<net::io_context>(1);
    auto acceptor = std::make_unique<tcp::acceptor>(*ioc);
    const auto at = loopback(port_.load());  // 0 the first time: an ephemeral port
    acceptor->open(at.protocol());
    acceptor->set_option(tcp::acceptor::reuse_address(true));
    boost::system::error_code ec;
    acceptor->bind(at, ec);
    if (ec) {
        throw std::runtime_error("tcp_proxy: bind 127.0.0.1:" + std::to_string(at.port()) + ": " + ec.message());
    }
    acceptor->listen(net::socket_base::max_listen_connections);
    port_ = acceptor->local_endpoint().port();
    ioc_ = std::move(ioc);
    acceptor_ = std::move(acceptor);
    do_accept();
    thread_ = std::thread([ioc = ioc_.get()] { ioc->run(); });
}

void tcp_proxy::stop() {
    std::lock_guard lock(mutex_);
    if (!thread_.joinable()) {
        return;
    }
    run_on_io([this] {
        boost::system::error_code ignored;
        acceptor_->close(ignored);
        close_all();
    });
    ioc_->stop();
    thread_.join();
    // Handlers still queued (aborted reads and writes) hold sessions: they go with the io_context.
    acceptor_.reset();
    ioc_.reset();
    sessions_.clear();
}

bool tcp_proxy::running() const {
    std::lock_guard lock(mutex_);
    return thread_.joinable();
}

void tcp_proxy::cut() {
    std::lock_guard lock(mutex_);
    cut_ = true;
    if (thread_.joinable()) {
        run_on_io([this] { close_all(); });
    }
}

void tcp_proxy::restore() {
    cut_ = false;
}

void tcp_proxy::run_on_io(const std::function<void()>& fn) {
    auto done = std::make_shared<std::promise<void>>();
    auto result = done->get_future();
    net::post(*ioc_, [fn, done] {
        fn();
        done->set_value();
    });
    if (result.wait_for(10s) != std::future_status::ready) {
        throw std::runtime_error("tcp_proxy: its io thread did not run a task within 10 s");
    }
}

void tcp_proxy::do_accept() {
    acceptor_->async_accept([this](boost::system::error_code ec, tcp::socket socket) {
        if (ec == net::error::operation_aborted || !acceptor_->is_open()) {
            return;
        }
        if (!ec) {
            if (cut_) {
                // Partitioned: the connection is taken and dropped at once.
                boost::system::error_code ignored;
                socket.close(ignored);
                ++refused_;
            } else {
                auto s = std::make_shared<session>(std::move(socket), *this);
                sessions_.insert(s);
                ++open_;
                ++forwarded_;
                s->start();
            }
        }
        do_accept();
    });
}

void tcp_proxy::close_all() {
    // close() takes each session out of sessions_: iterate over a copy.
    std::vector<std::shared_ptr<session>> all(sessions_.begin(), sessions_.end());
    for (auto& s : all) {
        s->close();
    }
}

}  // namespace liveroom::test
