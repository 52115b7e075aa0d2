// SPDX-License-Identifier: GPL-2.0
//
// exabond-monitor's HTTP endpoint: a small HTTP/1.1 server for GET and HEAD
// that lives inside an event loop it does not own.
//
// It listens on 127.0.0.1:9467 by default (--listen ADDRESS:PORT changes
// it; an IPv4 or IPv6 literal, "[::1]:9467" for IPv6). 9467 is not
// node_exporter's 9100, so both run on one host; the endpoint has no
// authentication and no TLS, which is why the default is loopback.
//
//	auto http = HttpServer::listen("127.0.0.1", 9467);
//	http.route("/metrics", [&] { return Response{200, ctype, text}; });
//	epoll_ctl(loop, EPOLL_CTL_ADD, http.fd(), {EPOLLIN});
//	... when http.fd() is readable: http.dispatch();
//
// fd() is the server's own epoll descriptor, holding the listening socket,
// every connection and a timerfd armed at the earliest connection deadline.
// It is readable whenever the server has work, deadlines included, so the
// caller needs nothing but fd() and dispatch(): no timeouts to compute. A
// dispatch() never blocks; it handles at most one batch of events, and
// since fd() is level-triggered anything left makes it readable again, so
// a flood of clients cannot starve the rest of the loop.
//
// Every response is "Connection: close": one request per connection, no
// keep-alive and no pipelining, which is what a scraper needs and removes
// a class of state. Requests are GET or HEAD with no body; the query string
// is ignored. Limits, each answered rather than dropped where HTTP allows:
//
//  - a request head above max_request bytes: 431;
//  - a request line that does not parse: 400; an HTTP major other than 1:
//    505; a path no route has: 404; another method on a known path: 405
//    with "Allow: GET, HEAD"; a handler that throws: 500;
//  - more than max_connections open: the extra connection gets 503 and is
//    closed at once;
//  - a client that has not sent its request request_timeout after it
//    connected (nothing, or a trickle) is closed; so is one that has not
//    read its response write_timeout after it was ready.
//
// After a response the server shuts its side down and reads until the
// client closes (for at most linger): closing with unread request bytes
// would send a RST that can destroy the response before the client reads
// it. No write raises SIGPIPE (MSG_NOSIGNAL).
//
// Not thread-safe: one thread routes and dispatches.
#ifndef EXABOND_MONITOR_HTTP_SERVER_HPP
#define EXABOND_MONITOR_HTTP_SERVER_HPP

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace exabond::monitor {

struct Response {
	int status = 200;
	std::string content_type;
	std::string body;
};

struct HttpOptions {
	std::size_t max_request = 8192;		// request line + headers
	unsigned max_connections = 32;
	std::chrono::milliseconds request_timeout{5000};
	std::chrono::milliseconds write_timeout{10000};
	std::chrono::milliseconds linger{1000};
	// SO_SNDBUF of each connection, bytes; 0: the system's default.
	// Bounds the kernel memory a slow reader holds.
	int send_buffer = 0;
};

// What the server did, for exabond_monitor_http_* (metrics.hpp).
struct HttpStats {
	std::uint64_t requests = 0;	// responses started, any status
	std::uint64_t rejected = 0;	// 503 over max_connections
	std::uint64_t timeouts = 0;	// closed at a request/write deadline
	std::uint64_t write_waits = 0;	// send() hit EAGAIN: wait for EPOLLOUT
};

class HttpServer {
public:
	// The default endpoint (see the top of this file).
	static constexpr const char *default_address = "127.0.0.1";
	static constexpr std::uint16_t default_port = 9467;

	// Listens on @address (an IPv4 or IPv6 literal; brackets allowed)
	// and @port (0: an ephemeral port, see port()). Throws
	// std::system_error whose what() names the step and the endpoint:
	// "listen 127.0.0.1:9467: Address already in use".
	static HttpServer listen(const std::string &address, std::uint16_t port,
				 const HttpOptions &options = HttpOptions());

	HttpServer(HttpServer &&) noexcept;
	HttpServer &operator=(HttpServer &&) noexcept;
	~HttpServer();

	// The descriptor to watch for EPOLLIN (or POLLIN).
	int fd() const noexcept;

	// Handles what is ready, without blocking.
	void dispatch();

	// Serves GET and HEAD of @path (exact match, no query string) with
	// @handler, called from dispatch(). An empty content_type is sent as
	// text/plain; charset=utf-8.
	void route(std::string path, std::function<Response()> handler);

	// The bound port: @port, or the one the kernel chose for 0.
	std::uint16_t port() const noexcept;

	const HttpStats &stats() const noexcept;

	// Connections open now (tests).
	std::size_t connections() const noexcept;

private:
	struct Impl;

	explicit HttpServer(std::unique_ptr<Impl> impl) noexcept;

	std::unique_ptr<Impl> impl_;
};

} // namespace exabond::monitor

#endif // EXABOND_MONITOR_HTTP_SERVER_HPP
