// SPDX-License-Identifier: GPL-2.0
//
// The HTTP endpoint in-process on an ephemeral port: requests and their
// answers, limits, slow and many clients, big bodies. The server runs
// either in the test's own thread (a poll loop that calls dispatch(), for
// the tests that step through states) or in a thread of its own (for
// concurrent clients). No assertion is about speed: every wait is bounded
// only by a generous liveness limit that turns a hang into a failure.

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http_server.hpp"
#include "metrics.hpp"

namespace {

using exabond::monitor::HttpOptions;
using exabond::monitor::HttpServer;
using exabond::monitor::Response;
using namespace std::chrono_literals;

constexpr auto liveness = 30s;

// A client socket, closed with its owner.
class Client {
public:
	explicit Client(std::uint16_t port, bool v6 = false)
	{
		fd_ = socket(v6 ? AF_INET6 : AF_INET,
			     SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd_ < 0)
			throw std::system_error(errno, std::generic_category(),
						"socket");
		// Liveness only: a server that never answers fails the test
		// instead of hanging it.
		struct timeval tv = {30, 0};
		setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));

		int r;
		if (v6) {
			struct sockaddr_in6 a = {};

			a.sin6_family = AF_INET6;
			a.sin6_port = htons(port);
			a.sin6_addr = in6addr_loopback;
			r = connect(fd_, reinterpret_cast<sockaddr *>(&a),
				    sizeof(a));
		} else {
			struct sockaddr_in a = {};

			a.sin_family = AF_INET;
			a.sin_port = htons(port);
			a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
			r = connect(fd_, reinterpret_cast<sockaddr *>(&a),
				    sizeof(a));
		}
		if (r)
			throw std::system_error(errno, std::generic_category(),
						"connect");
	}
	Client(const Client &) = delete;
	Client &operator=(const Client &) = delete;
	~Client() { close(fd_); }

	int fd() const { return fd_; }

	void send_all(const std::string &s)
	{
		for (std::size_t off = 0; off < s.size();) {
			ssize_t n = ::send(fd_, s.data() + off, s.size() - off,
					   MSG_NOSIGNAL);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				throw std::system_error(errno,
							std::generic_category(),
							"send");
			off += std::size_t(n);
		}
	}

	// Everything until the server closes (or resets).
	std::string read_all()
	{
		std::string out;
		char buf[65536];

		for (;;) {
			ssize_t n = recv(fd_, buf, sizeof(buf), 0);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				return out;
			out.append(buf, std::size_t(n));
		}
	}

	// Whether data or EOF is waiting, without blocking.
	bool readable() const
	{
		struct pollfd p = {fd_, POLLIN, 0};

		return poll(&p, 1, 0) == 1;
	}

private:
	int fd_ = -1;
};

struct Reply {
	int status = 0;
	std::string head;	// status line and headers
	std::string body;

	std::optional<std::string> header(const std::string &name) const
	{
		const std::string key = "\r\n" + name + ": ";
		std::size_t at = head.find(key);

		if (at == std::string::npos)
			return std::nullopt;
		at += key.size();
		return head.substr(at, head.find("\r\n", at) - at);
	}
};

Reply parse_reply(const std::string &raw)
{
	Reply r;
	std::size_t end = raw.find("\r\n\r\n");

	if (raw.compare(0, 9, "HTTP/1.1 ") || end == std::string::npos)
		return r;
	r.status = std::stoi(raw.substr(9, 3));
	r.head = raw.substr(0, end + 2);
	r.body = raw.substr(end + 4);
	return r;
}

// Steps the server in this thread until @done, or fails at liveness.
// Waits on the server and on @client: a client's socket becoming readable
// is often what @done waits for.
void pump(HttpServer &s, const std::function<bool()> &done, int client = -1)
{
	const auto until = std::chrono::steady_clock::now() + liveness;

	while (!done()) {
		struct pollfd p[2] = {{s.fd(), POLLIN, 0}, {client, POLLIN, 0}};

		ASSERT_LT(std::chrono::steady_clock::now(), until)
			<< "liveness limit reached";
		poll(p, client >= 0 ? 2 : 1, 10);
		s.dispatch();
	}
}

// A whole exchange with the server stepped in this thread: the request is
// small enough for the socket buffer, so sending cannot block.
Reply roundtrip(HttpServer &s, const std::string &request)
{
	Client c(s.port());
	std::string raw;

	c.send_all(request);
	pump(s, [&] { return c.readable(); }, c.fd());
	// Read to EOF while still stepping the server: a big body comes in
	// pieces.
	for (;;) {
		char buf[65536];
		pump(s, [&] { return c.readable(); }, c.fd());
		ssize_t n = recv(c.fd(), buf, sizeof(buf), 0);

		if (n <= 0)
			break;
		raw.append(buf, std::size_t(n));
	}
	return parse_reply(raw);
}

// The server in a thread of its own, for concurrent clients.
class Running {
public:
	explicit Running(HttpServer &s) : s_(s)
	{
		t_ = std::thread([this] {
			while (!stop_.load(std::memory_order_relaxed)) {
				struct pollfd p = {s_.fd(), POLLIN, 0};

				poll(&p, 1, 10);
				s_.dispatch();
			}
		});
	}
	~Running() { stop(); }
	void stop()
	{
		stop_ = true;
		if (t_.joinable())
			t_.join();
	}

private:
	HttpServer &s_;
	std::atomic<bool> stop_{false};
	std::thread t_;
};

Reply get(std::uint16_t port, const std::string &path, bool v6 = false)
{
	Client c(port, v6);

	c.send_all("GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n");
	return parse_reply(c.read_all());
}

const std::string metrics_text = "# HELP x_total X.\n# TYPE x_total counter\n"
				 "x_total 1\n";

HttpServer server(const HttpOptions &o = HttpOptions())
{
	HttpServer s = HttpServer::listen("127.0.0.1", 0, o);

	s.route("/metrics", [] {
		return Response{200, exabond::monitor::prometheus_content_type,
				metrics_text};
	});
	return s;
}

TEST(HttpServer, EphemeralPortAndDefaults)
{
	HttpServer s = server();

	EXPECT_NE(s.port(), 0);
	EXPECT_GE(s.fd(), 0);
	EXPECT_EQ(HttpServer::default_port, 9467);
	EXPECT_STREQ(HttpServer::default_address, "127.0.0.1");
	s.dispatch();	// nothing ready: returns
	EXPECT_EQ(s.connections(), 0u);
}

TEST(HttpServer, GetMetrics)
{
	HttpServer s = server();
	Reply r = roundtrip(s, "GET /metrics HTTP/1.1\r\nHost: x\r\n"
			      "Accept: */*\r\n\r\n");

	EXPECT_EQ(r.status, 200);
	EXPECT_EQ(r.header("Content-Type"),
		  "text/plain; version=0.0.4; charset=utf-8");
	EXPECT_EQ(r.header("Content-Length"),
		  std::to_string(metrics_text.size()));
	EXPECT_EQ(r.header("Connection"), "close");
	EXPECT_EQ(r.body, metrics_text);
	EXPECT_EQ(s.stats().requests, 1u);
}

TEST(HttpServer, QueryStringIgnoredAndBareLfAccepted)
{
	HttpServer s = server();

	EXPECT_EQ(roundtrip(s, "GET /metrics?x=1&y HTTP/1.1\r\n\r\n").status,
		  200);
	EXPECT_EQ(roundtrip(s, "GET /metrics HTTP/1.0\n\n").status, 200);
}

TEST(HttpServer, HeadHasHeadersButNoBody)
{
	HttpServer s = server();
	Reply r = roundtrip(s, "HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n");

	EXPECT_EQ(r.status, 200);
	EXPECT_EQ(r.header("Content-Length"),
		  std::to_string(metrics_text.size()));
	EXPECT_EQ(r.body, "");
}

TEST(HttpServer, UnknownPathIs404)
{
	HttpServer s = server();

	EXPECT_EQ(roundtrip(s, "GET /nope HTTP/1.1\r\n\r\n").status, 404);
	EXPECT_EQ(roundtrip(s, "GET /metrics/ HTTP/1.1\r\n\r\n").status, 404);
	Reply head = roundtrip(s, "HEAD /nope HTTP/1.1\r\n\r\n");
	EXPECT_EQ(head.status, 404);
	EXPECT_EQ(head.body, "");
}

TEST(HttpServer, OtherMethodsAre405WithAllow)
{
	HttpServer s = server();

	for (const char *m : {"POST", "PUT", "DELETE", "OPTIONS"}) {
		Reply r = roundtrip(s, std::string(m) +
					      " /metrics HTTP/1.1\r\n"
					      "Content-Length: 0\r\n\r\n");

		EXPECT_EQ(r.status, 405) << m;
		EXPECT_EQ(r.header("Allow"), "GET, HEAD") << m;
	}
}

TEST(HttpServer, GarbageIs400)
{
	HttpServer s = server();

	for (const char *req : {
		     "garbage\r\n\r\n",
		     "GET\r\n\r\n",
		     "GET /metrics\r\n\r\n",
		     "GET  /metrics HTTP/1.1\r\n\r\n",
		     "GET metrics HTTP/1.1\r\n\r\n",
		     "GET /metrics HTTP/1.1 x\r\n\r\n",
		     "GET /metrics FTP/1.1\r\n\r\n",
		     "G(T /metrics HTTP/1.1\r\n\r\n",
		     "GET /metrics HTTP/1.1\r\nno colon\r\n\r\n",
		     "GET /metrics HTTP/1.1\r\n folded: x\r\n\r\n",
		     "\x16\x03\x01\x02\x01\xfc\x03\x03\n\n",	// TLS
	     })
		EXPECT_EQ(roundtrip(s, req).status, 400) << req;
	EXPECT_EQ(roundtrip(s, "GET /metrics HTTP/2.0\r\n\r\n").status, 505);
}

TEST(HttpServer, BadRequestLineAnsweredBeforeHeadersEnd)
{
	HttpServer s = server();
	Client c(s.port());

	c.send_all("BLAH\r\nHost: x\r\n");	// no blank line, ever
	pump(s, [&] { return c.readable(); }, c.fd());
	EXPECT_EQ(parse_reply(c.read_all()).status, 400);
}

TEST(HttpServer, OversizedRequestIs431)
{
	HttpServer s = server();
	std::string req = "GET /metrics HTTP/1.1\r\n";

	while (req.size() < 20000)
		req += "X-Filler: " + std::string(100, 'a') + "\r\n";
	req += "\r\n";
	// Bigger than the socket buffer may take at once: send from a
	// thread while this one steps the server.
	Client c(s.port());
	std::thread sender([&] {
		try {
			c.send_all(req);
		} catch (const std::system_error &) {
			// The server may close once it has answered.
		}
	});
	std::string raw;

	pump(s, [&] { return c.readable(); }, c.fd());
	sender.join();
	raw = c.read_all();
	EXPECT_EQ(parse_reply(raw).status, 431);
}

TEST(HttpServer, HandlerFailureIs500)
{
	HttpServer s = server();

	s.route("/boom", []() -> Response {
		throw std::runtime_error("no document");
	});
	s.route("/bad", [] { return Response{42, "text/plain", "x"}; });
	EXPECT_EQ(roundtrip(s, "GET /boom HTTP/1.1\r\n\r\n").status, 500);
	EXPECT_EQ(roundtrip(s, "GET /bad HTTP/1.1\r\n\r\n").status, 500);
}

TEST(HttpServer, HandlerStatusAndDefaultContentType)
{
	HttpServer s = server();

	s.route("/unavailable", [] {
		return Response{503, "", "not ready\n"};
	});
	Reply r = roundtrip(s, "GET /unavailable HTTP/1.1\r\n\r\n");
	EXPECT_EQ(r.status, 503);
	EXPECT_EQ(r.header("Content-Type"), "text/plain; charset=utf-8");
	EXPECT_EQ(r.body, "not ready\n");
}

TEST(HttpServer, SlowClientsTimedOutWithoutBlockingOthers)
{
	HttpOptions o;

	o.request_timeout = 300ms;
	HttpServer s = server(o);
	Running run(s);
	Client silent(s.port());
	Client trickle(s.port());
	std::atomic<bool> trickle_closed{false};

	// One byte at a time, never a whole request: the deadline is from
	// the connection, so bytes do not extend it.
	std::thread t([&] {
		const std::string req = "GET /metrics HTTP/1.1\r\nX-Slow: ";
		const auto until = std::chrono::steady_clock::now() + liveness;

		for (std::size_t i = 0;
		     std::chrono::steady_clock::now() < until; i++) {
			char ch = i < req.size() ? req[i] : 'a';

			if (::send(trickle.fd(), &ch, 1, MSG_NOSIGNAL) != 1)
				break;
			struct pollfd p = {trickle.fd(), POLLIN, 0};
			if (poll(&p, 1, 50) == 1) {
				char buf[16];

				if (recv(trickle.fd(), buf, sizeof(buf),
					 0) <= 0)
					break;
			}
		}
		trickle_closed = true;
	});

	// Others are served while both are connected.
	for (int i = 0; i < 3; i++) {
		Reply r = get(s.port(), "/metrics");

		EXPECT_EQ(r.status, 200);
		EXPECT_EQ(r.body, metrics_text);
	}
	// The silent one is closed without an answer.
	EXPECT_EQ(silent.read_all(), "");
	t.join();
	EXPECT_TRUE(trickle_closed);
	run.stop();
	EXPECT_GE(s.stats().timeouts, 2u);
}

TEST(HttpServer, ManyClients)
{
	HttpServer s = server();
	Running run(s);
	std::atomic<int> ok{0};
	std::vector<std::thread> clients;
	constexpr int threads = 8, each = 25;

	for (int i = 0; i < threads; i++)
		clients.emplace_back([&] {
			for (int k = 0; k < each; k++) {
				Reply r = get(s.port(), "/metrics");

				if (r.status == 200 && r.body == metrics_text)
					ok++;
			}
		});
	for (auto &t : clients)
		t.join();
	run.stop();
	EXPECT_EQ(ok, threads * each);
	EXPECT_EQ(s.stats().requests, std::uint64_t(threads * each));
	EXPECT_EQ(s.stats().rejected, 0u);
}

TEST(HttpServer, ConnectionCapAnswers503)
{
	HttpOptions o;

	o.max_connections = 2;
	HttpServer s = server(o);
	Client a(s.port()), b(s.port());

	pump(s, [&] { return s.connections() == 2; });
	Client c(s.port());

	pump(s, [&] { return c.readable(); }, c.fd());
	EXPECT_EQ(parse_reply(c.read_all()).status, 503);
	EXPECT_EQ(s.stats().rejected, 1u);
	EXPECT_EQ(s.connections(), 2u);

	// Below the cap again once one leaves.
	a.send_all("GET /metrics HTTP/1.1\r\n\r\n");
	pump(s, [&] { return a.readable(); }, a.fd());
	EXPECT_EQ(parse_reply(a.read_all()).status, 200);
	pump(s, [&] { return s.connections() == 1; });
	EXPECT_EQ(roundtrip(s, "GET /metrics HTTP/1.1\r\n\r\n").status, 200);
}

TEST(HttpServer, BigBodyWrittenAcrossPartialWrites)
{
	std::string big(1 << 20, '\0');

	for (std::size_t i = 0; i < big.size(); i++)
		big[i] = char('a' + i % 26);
	HttpOptions o;

	// Small buffers on the server's side, and a client that does not
	// read yet: the server must stop at EAGAIN and go on later, without
	// blocking the loop.
	o.send_buffer = 4096;
	HttpServer s = server(o);
	s.route("/big", [&] { return Response{200, "text/plain", big}; });

	Client c(s.port());
	c.send_all("GET /big HTTP/1.1\r\n\r\n");
	pump(s, [&] { return c.readable(); }, c.fd());
	for (int i = 0; i < 5; i++)
		s.dispatch();
	EXPECT_EQ(s.connections(), 1u);		// still writing

	// Meanwhile another client is served.
	EXPECT_EQ(roundtrip(s, "GET /metrics HTTP/1.1\r\n\r\n").status, 200);

	std::string raw;
	for (;;) {
		char buf[8192];

		pump(s, [&] { return c.readable(); }, c.fd());
		ssize_t n = recv(c.fd(), buf, sizeof(buf), 0);
		if (n <= 0)
			break;
		raw.append(buf, std::size_t(n));
	}
	Reply r = parse_reply(raw);
	EXPECT_EQ(r.status, 200);
	EXPECT_EQ(r.header("Content-Length"), std::to_string(big.size()));
	EXPECT_TRUE(r.body == big);
	EXPECT_GT(s.stats().write_waits, 0u);
}

TEST(HttpServer, SlowReaderOfBigBodyInAThread)
{
	const std::string big(1 << 20, 'x');
	HttpServer s = server();

	s.route("/big", [&] { return Response{200, "text/plain", big}; });
	Running run(s);
	Client c(s.port());
	std::string raw;

	c.send_all("GET /big HTTP/1.1\r\n\r\n");
	for (;;) {
		char buf[1024];
		ssize_t n = recv(c.fd(), buf, sizeof(buf), 0);

		if (n <= 0)
			break;
		raw.append(buf, std::size_t(n));
		if (raw.size() % (256 * 1024) < 1024)
			std::this_thread::sleep_for(1ms);
	}
	Reply r = parse_reply(raw);
	EXPECT_EQ(r.status, 200);
	EXPECT_EQ(r.body.size(), big.size());
}

TEST(HttpServer, ClientThatLeavesEarlyIsForgotten)
{
	HttpServer s = server();
	{
		Client c(s.port());

		c.send_all("GET /met");
		pump(s, [&] { return s.connections() == 1; });
	}
	pump(s, [&] { return s.connections() == 0; });
	EXPECT_EQ(s.stats().requests, 0u);
}

TEST(HttpServer, ListenErrorsCarryContext)
{
	HttpServer s = server();
	const std::string where =
		"listen 127.0.0.1:" + std::to_string(s.port());

	try {
		(void)HttpServer::listen("127.0.0.1", s.port());
		FAIL() << "listened twice on one port";
	} catch (const std::system_error &e) {
		EXPECT_EQ(e.code().value(), EADDRINUSE);
		EXPECT_EQ(std::string(e.what()),
			  where + ": " + std::strerror(EADDRINUSE));
	}
	try {
		(void)HttpServer::listen("localhost", 9467);
		FAIL() << "a host name is not an address literal";
	} catch (const std::system_error &e) {
		EXPECT_EQ(e.code().value(), EINVAL);
		EXPECT_NE(std::string(e.what()).find("listen localhost:9467"),
			  std::string::npos);
	}
	EXPECT_THROW((void)HttpServer::listen("127.0.0.1.5", 0),
		     std::system_error);
}

TEST(HttpServer, Ipv6Literal)
{
	std::optional<HttpServer> s;

	for (const char *addr : {"::1", "[::1]"}) {
		try {
			s.emplace(HttpServer::listen(addr, 0));
		} catch (const std::system_error &e) {
			GTEST_SKIP() << "no IPv6 loopback: " << e.what();
		}
		s->route("/metrics", [] {
			return Response{200, "text/plain", "v6\n"};
		});
		Running run(*s);
		Reply r = get(s->port(), "/metrics", true);

		EXPECT_EQ(r.status, 200) << addr;
		EXPECT_EQ(r.body, "v6\n") << addr;
		run.stop();
		s.reset();
	}
}

TEST(HttpServer, MovedServerKeepsWorking)
{
	HttpServer a = server();
	HttpServer b = std::move(a);

	EXPECT_EQ(roundtrip(b, "GET /metrics HTTP/1.1\r\n\r\n").status, 200);
}

} // namespace
