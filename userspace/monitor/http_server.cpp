// SPDX-License-Identifier: GPL-2.0
//
// The HTTP endpoint (see http_server.hpp for what it promises).
//
// A connection goes reading -> writing -> draining -> closed, each state
// with a deadline, and is registered in the server's epoll under an id of
// its own rather than its descriptor: a batch of events can hold one for a
// connection closed earlier in the same batch, whose descriptor number an
// accept in that batch may already have reused.
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <map>
#include <system_error>
#include <unordered_map>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "http_server.hpp"
#include "unique_fd.hpp"

namespace exabond::monitor {

using exabond::detail::UniqueFd;

namespace {

using Ns = std::int64_t;	// CLOCK_MONOTONIC, the timerfd's clock

Ns now_ns() noexcept
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return Ns(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

Ns to_ns(std::chrono::milliseconds ms)
{
	return std::chrono::duration_cast<std::chrono::nanoseconds>(ms).count();
}

constexpr Ns never = INT64_MAX;

// epoll ids: the listener, the timer, then connections from first_conn.
constexpr std::uint64_t id_listener = 0;
constexpr std::uint64_t id_timer = 1;
constexpr std::uint64_t first_conn = 2;

// How long accept() stays off after running out of descriptors: the
// listener would otherwise stay readable and spin the caller's loop.
constexpr Ns accept_pause = 100 * 1000000LL;

// Work per dispatch(), so one busy client cannot hold the loop.
constexpr int max_events = 64;
constexpr int max_accepts = 64;
constexpr std::size_t max_drain = 64 * 1024;

const char *reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	}
	return "Status";
}

// RFC 9110 tchar: what a method and a header name are made of.
bool tchar(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z') ||
	       std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
}

bool token(std::string_view s)
{
	if (s.empty())
		return false;
	for (char c : s)
		if (!tchar(c))
			return false;
	return true;
}

// The end of the request head ("\r\n\r\n", or "\n\n" from a client that
// sends bare LF, which RFC 9112 lets a server accept), or npos.
std::size_t head_end(const std::string &in)
{
	for (std::size_t i = in.find('\n'); i != std::string::npos;
	     i = in.find('\n', i + 1)) {
		std::size_t j = i + 1;

		if (j < in.size() && in[j] == '\r')
			j++;
		if (j < in.size() && in[j] == '\n')
			return j + 1;
	}
	return std::string::npos;
}

struct RequestLine {
	int error = 0;		// a status to answer with, or 0
	std::string method;
	std::string path;
};

// "METHOD SP request-target SP HTTP/x.y", origin-form targets only.
RequestLine parse_request_line(std::string_view line)
{
	RequestLine r;

	if (!line.empty() && line.back() == '\r')
		line.remove_suffix(1);
	const std::size_t sp1 = line.find(' ');
	const std::size_t sp2 = sp1 == line.npos ? line.npos
						 : line.find(' ', sp1 + 1);
	if (sp2 == line.npos || line.find(' ', sp2 + 1) != line.npos) {
		r.error = 400;
		return r;
	}
	const std::string_view method = line.substr(0, sp1);
	std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
	const std::string_view version = line.substr(sp2 + 1);

	if (!token(method) || target.empty() || target[0] != '/' ||
	    version.size() != 8 || version.substr(0, 5) != "HTTP/" ||
	    version[6] != '.' || !std::isdigit((unsigned char)version[5]) ||
	    !std::isdigit((unsigned char)version[7])) {
		r.error = 400;
		return r;
	}
	for (char c : target)
		if ((unsigned char)c <= 0x20 || (unsigned char)c >= 0x7f) {
			r.error = 400;
			return r;
		}
	if (version[5] != '1') {
		r.error = 505;
		return r;
	}
	target = target.substr(0, target.find_first_of("?#"));
	r.method = method;
	r.path = target;
	return r;
}

// Header lines: "name: value", nothing folded. Their content is not used,
// but a head that is not HTTP is answered 400 rather than served.
bool headers_valid(std::string_view head)
{
	std::size_t pos = head.find('\n') + 1;

	while (pos < head.size()) {
		std::size_t eol = head.find('\n', pos);
		std::string_view l = head.substr(pos, eol - pos);

		if (!l.empty() && l.back() == '\r')
			l.remove_suffix(1);
		if (l.empty())
			break;		// the blank line ending the head
		const std::size_t colon = l.find(':');

		if (colon == l.npos || !token(l.substr(0, colon)))
			return false;
		for (char c : l)
			if (c == '\0' || c == '\r')
				return false;
		pos = eol + 1;
	}
	return true;
}

std::system_error error(int err, const std::string &what)
{
	return std::system_error(err, std::generic_category(), what);
}

} // namespace

struct HttpServer::Impl {
	enum class State { reading, writing, draining };

	struct Conn {
		UniqueFd fd;
		State state = State::reading;
		std::string in;
		std::string out;
		std::size_t sent = 0;
		Ns deadline = never;
	};

	HttpOptions opt;
	UniqueFd listener;
	UniqueFd ep;
	UniqueFd timer;
	std::uint16_t port = 0;
	std::map<std::string, std::function<Response()>> routes;
	std::unordered_map<std::uint64_t, Conn> conns;
	std::uint64_t next_id = first_conn;
	HttpStats stats;
	Ns accept_resume = never;	// accept() paused until then
	Ns armed = never;		// the timerfd's expiry

	bool ctl(int op, int fd, std::uint32_t events,
		 std::uint64_t id) noexcept;
	void accept_all(Ns now);
	void pause_accept(Ns now);
	void reject(int fd);
	void on_event(std::uint64_t id, std::uint32_t events, Ns now);
	void read_request(std::uint64_t id, Conn &c, Ns now);
	void answer(std::uint64_t id, Conn &c, std::size_t head_len, Ns now);
	void respond(std::uint64_t id, Conn &c, int status,
		     const std::string &content_type, const std::string &body,
		     bool head_only, const char *extra, Ns now);
	void flush(std::uint64_t id, Conn &c, Ns now);
	void drain(std::uint64_t id, Conn &c);
	void expire(Ns now);
	void rearm();
	void close_conn(std::uint64_t id) { conns.erase(id); }
};

// false with errno set. It fails only for lack of memory: the connection
// concerned is dropped, the server goes on.
bool HttpServer::Impl::ctl(int op, int fd, std::uint32_t events,
			   std::uint64_t id) noexcept
{
	struct epoll_event ev = {};

	ev.events = events;
	ev.data.u64 = id;
	return epoll_ctl(ep.get(), op, fd, &ev) == 0;
}

void HttpServer::Impl::pause_accept(Ns now)
{
	(void)ctl(EPOLL_CTL_MOD, listener.get(), 0, id_listener);
	accept_resume = now + accept_pause;
}

// Over the cap: a short answer, best effort, and close. Nothing is read,
// so a client that already sent its request may see a reset instead.
void HttpServer::Impl::reject(int fd)
{
	static const char msg[] =
		"HTTP/1.1 503 Service Unavailable\r\n"
		"Content-Type: text/plain; charset=utf-8\r\n"
		"Content-Length: 20\r\n"
		"Connection: close\r\n\r\n"
		"too many connections";

	stats.rejected++;
	(void)!send(fd, msg, sizeof(msg) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
	close(fd);
}

void HttpServer::Impl::accept_all(Ns now)
{
	for (int i = 0; i < max_accepts; i++) {
		int fd = accept4(listener.get(), nullptr, nullptr,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			switch (errno) {
			case EAGAIN:
				return;
			case EINTR:
			case ECONNABORTED:
			case EPROTO:
			case EPERM:	// refused by a firewall rule
				continue;
			default:	// EMFILE, ENFILE, ENOBUFS, ENOMEM
				pause_accept(now);
				return;
			}
		}
		if (conns.size() >= opt.max_connections) {
			reject(fd);
			continue;
		}
		const std::uint64_t id = next_id++;
		Conn &c = conns[id];

		c.fd = UniqueFd(fd);
		c.deadline = now + to_ns(opt.request_timeout);
		if (opt.send_buffer > 0)
			(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF,
					 &opt.send_buffer,
					 sizeof(opt.send_buffer));
		if (!ctl(EPOLL_CTL_ADD, fd, EPOLLIN | EPOLLRDHUP, id))
			close_conn(id);
	}
}

void HttpServer::Impl::on_event(std::uint64_t id, std::uint32_t events,
				Ns now)
{
	auto it = conns.find(id);

	if (it == conns.end())
		return;		// closed earlier in this batch
	Conn &c = it->second;

	switch (c.state) {
	case State::reading:
		read_request(id, c, now);
		break;
	case State::writing:
		if (events & (EPOLLERR | EPOLLHUP))
			close_conn(id);
		else if (events & EPOLLOUT)
			flush(id, c, now);
		break;
	case State::draining:
		drain(id, c);
		break;
	}
}

void HttpServer::Impl::read_request(std::uint64_t id, Conn &c, Ns now)
{
	char buf[4096];

	for (;;) {
		// One byte past the cap is enough to know it was passed.
		const std::size_t room = opt.max_request + 1 - c.in.size();
		ssize_t n = recv(c.fd.get(), buf, std::min(room, sizeof(buf)),
				 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			// The client left (or failed) before a whole
			// request: there is nobody to answer.
			close_conn(id);
			return;
		}
		const std::size_t old = c.in.size();

		c.in.append(buf, std::size_t(n));

		// A bad request line is answered as soon as it is whole,
		// not after the client has also sent headers it may never
		// finish.
		const std::size_t nl = c.in.find('\n', old);
		if (nl != std::string::npos && c.in.find('\n') == nl) {
			RequestLine r = parse_request_line(
				std::string_view(c.in).substr(0, nl));

			if (r.error) {
				respond(id, c, r.error, {}, {}, false, nullptr,
					now);
				return;
			}
		}
		const std::size_t end = head_end(c.in);

		if (end != std::string::npos && end <= opt.max_request) {
			answer(id, c, end, now);
			return;
		}
		if (c.in.size() > opt.max_request) {
			respond(id, c, 431, {}, {}, false, nullptr, now);
			return;
		}
	}
}

void HttpServer::Impl::answer(std::uint64_t id, Conn &c,
			      std::size_t head_len, Ns now)
{
	const std::string_view head(c.in.data(), head_len);
	RequestLine r = parse_request_line(head.substr(0, head.find('\n')));
	const bool head_only = r.method == "HEAD";

	if (!r.error && !headers_valid(head))
		r.error = 400;
	if (r.error) {
		respond(id, c, r.error, {}, {}, false, nullptr, now);
		return;
	}
	auto route = routes.find(r.path);

	if (route == routes.end()) {
		respond(id, c, 404, {}, {}, head_only, nullptr, now);
		return;
	}
	if (r.method != "GET" && !head_only) {
		respond(id, c, 405, {}, {}, false, "Allow: GET, HEAD\r\n", now);
		return;
	}
	Response resp;

	try {
		resp = route->second();
	} catch (...) {
		// The handler's failure is the daemon's to log; the client
		// only learns that there is no document.
		respond(id, c, 500, {}, {}, head_only, nullptr, now);
		return;
	}
	// A status or type we would send malformed is our bug, not the
	// client's: answer 500 rather than a broken response.
	if (resp.status < 100 || resp.status > 599 ||
	    resp.content_type.find_first_of("\r\n") != std::string::npos) {
		respond(id, c, 500, {}, {}, head_only, nullptr, now);
		return;
	}
	respond(id, c, resp.status, resp.content_type, resp.body, head_only,
		nullptr, now);
}

void HttpServer::Impl::respond(std::uint64_t id, Conn &c, int status,
			       const std::string &content_type,
			       const std::string &body, bool head_only,
			       const char *extra, Ns now)
{
	const std::string text = body.empty() && status >= 400
		? std::to_string(status) + " " + reason(status) + "\n"
		: std::string();
	const std::string &b = text.empty() ? body : text;

	c.out = "HTTP/1.1 " + std::to_string(status) + " " + reason(status) +
		"\r\nContent-Type: " +
		(content_type.empty() || !text.empty()
			 ? std::string("text/plain; charset=utf-8")
			 : content_type) +
		"\r\nContent-Length: " + std::to_string(b.size()) +
		"\r\n" + (extra ? extra : "") + "Connection: close\r\n\r\n";
	if (!head_only)
		c.out += b;
	c.in.clear();
	c.in.shrink_to_fit();
	c.sent = 0;
	c.state = State::writing;
	c.deadline = now + to_ns(opt.write_timeout);
	stats.requests++;
	flush(id, c, now);
}

void HttpServer::Impl::flush(std::uint64_t id, Conn &c, Ns now)
{
	while (c.sent < c.out.size()) {
		ssize_t n = send(c.fd.get(), c.out.data() + c.sent,
				 c.out.size() - c.sent, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			stats.write_waits++;
			if (!ctl(EPOLL_CTL_MOD, c.fd.get(), EPOLLOUT, id))
				close_conn(id);
			return;
		}
		if (n < 0) {
			close_conn(id);		// EPIPE, ECONNRESET
			return;
		}
		c.sent += std::size_t(n);
	}
	c.out.clear();
	c.out.shrink_to_fit();
	// FIN now, then read to the client's close: see the header.
	shutdown(c.fd.get(), SHUT_WR);
	c.state = State::draining;
	c.deadline = now + to_ns(opt.linger);
	if (!ctl(EPOLL_CTL_MOD, c.fd.get(), EPOLLIN | EPOLLRDHUP, id)) {
		close_conn(id);
		return;
	}
	drain(id, c);
}

void HttpServer::Impl::drain(std::uint64_t id, Conn &c)
{
	char buf[4096];

	for (std::size_t total = 0; total < max_drain;) {
		ssize_t n = recv(c.fd.get(), buf, sizeof(buf), 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			close_conn(id);
			return;
		}
		total += std::size_t(n);
	}
}

void HttpServer::Impl::expire(Ns now)
{
	for (auto it = conns.begin(); it != conns.end();) {
		if (it->second.deadline > now) {
			++it;
			continue;
		}
		// Lingering ran out: the response is out, not a timeout.
		if (it->second.state != State::draining)
			stats.timeouts++;
		it = conns.erase(it);
	}
	if (accept_resume <= now) {
		accept_resume = never;
		if (!ctl(EPOLL_CTL_MOD, listener.get(), EPOLLIN, id_listener))
			accept_resume = now + accept_pause;
	}
}

void HttpServer::Impl::rearm()
{
	Ns next = accept_resume;
	struct itimerspec its = {};

	for (const auto &[id, c] : conns)
		next = std::min(next, c.deadline);
	if (next == armed)
		return;
	if (next != never) {
		its.it_value.tv_sec = next / 1000000000;
		its.it_value.tv_nsec = next % 1000000000;
	}
	// All zero disarms.
	if (timerfd_settime(timer.get(), TFD_TIMER_ABSTIME, &its, nullptr))
		throw error(errno, "http: timerfd_settime");
	armed = next;
}

HttpServer HttpServer::listen(const std::string &address, std::uint16_t port,
			      const HttpOptions &options)
{
	std::string host = address;

	if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
		host = host.substr(1, host.size() - 2);

	const bool v6 = host.find(':') != std::string::npos;
	const std::string where = "listen " + (v6 ? "[" + host + "]" : host) +
				  ":" + std::to_string(port);
	struct sockaddr_storage ss = {};
	socklen_t len;

	if (!v6) {
		auto *sin = reinterpret_cast<struct sockaddr_in *>(&ss);

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		if (inet_pton(AF_INET, host.c_str(), &sin->sin_addr) != 1)
			throw error(EINVAL,
				    where + ": not an IPv4 or IPv6 literal");
		len = sizeof(*sin);
	} else {
		auto *sin6 = reinterpret_cast<struct sockaddr_in6 *>(&ss);

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		if (inet_pton(AF_INET6, host.c_str(), &sin6->sin6_addr) != 1)
			throw error(EINVAL,
				    where + ": not an IPv4 or IPv6 literal");
		len = sizeof(*sin6);
	}

	auto impl = std::make_unique<Impl>();
	const int one = 1;

	impl->opt = options;
	if (!impl->opt.max_request)
		throw error(EINVAL, where + ": max_request is 0");
	impl->listener = UniqueFd(socket(ss.ss_family,
				   SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
				   0));
	if (impl->listener.get() < 0)
		throw error(errno, where + " (socket)");
	// A restarted daemon rebinds while the old connections are in
	// TIME_WAIT.
	if (setsockopt(impl->listener.get(), SOL_SOCKET, SO_REUSEADDR, &one,
		       sizeof(one)))
		throw error(errno, where + " (SO_REUSEADDR)");
	// "::" means IPv6 only, whatever net.ipv6.bindv6only says.
	if (v6 && setsockopt(impl->listener.get(), IPPROTO_IPV6, IPV6_V6ONLY,
			     &one, sizeof(one)))
		throw error(errno, where + " (IPV6_V6ONLY)");
	if (bind(impl->listener.get(), reinterpret_cast<sockaddr *>(&ss),
		 len))
		throw error(errno, where);
	if (::listen(impl->listener.get(), 64))
		throw error(errno, where);
	if (getsockname(impl->listener.get(), reinterpret_cast<sockaddr *>(&ss),
			&len))
		throw error(errno, where + " (getsockname)");
	impl->port = ntohs(v6 ? reinterpret_cast<sockaddr_in6 *>(&ss)->sin6_port
			      : reinterpret_cast<sockaddr_in *>(&ss)->sin_port);

	impl->ep = UniqueFd(epoll_create1(EPOLL_CLOEXEC));
	if (impl->ep.get() < 0)
		throw error(errno, where + " (epoll_create1)");
	impl->timer = UniqueFd(timerfd_create(CLOCK_MONOTONIC,
					TFD_NONBLOCK | TFD_CLOEXEC));
	if (impl->timer.get() < 0)
		throw error(errno, where + " (timerfd_create)");
	if (!impl->ctl(EPOLL_CTL_ADD, impl->listener.get(), EPOLLIN,
		       id_listener) ||
	    !impl->ctl(EPOLL_CTL_ADD, impl->timer.get(), EPOLLIN, id_timer))
		throw error(errno, where + " (epoll_ctl)");
	return HttpServer(std::move(impl));
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) noexcept
	: impl_(std::move(impl)) {}
HttpServer::HttpServer(HttpServer &&) noexcept = default;
HttpServer &HttpServer::operator=(HttpServer &&) noexcept = default;
HttpServer::~HttpServer() = default;

int HttpServer::fd() const noexcept
{
	return impl_->ep.get();
}

std::uint16_t HttpServer::port() const noexcept
{
	return impl_->port;
}

const HttpStats &HttpServer::stats() const noexcept
{
	return impl_->stats;
}

std::size_t HttpServer::connections() const noexcept
{
	return impl_->conns.size();
}

void HttpServer::route(std::string path, std::function<Response()> handler)
{
	impl_->routes[std::move(path)] = std::move(handler);
}

void HttpServer::dispatch()
{
	Impl &s = *impl_;
	struct epoll_event ev[max_events];
	const int n = epoll_wait(s.ep.get(), ev, max_events, 0);

	if (n < 0 && errno != EINTR)
		throw error(errno, "http: epoll_wait");
	const Ns now = now_ns();

	for (int i = 0; i < n; i++) {
		const std::uint64_t id = ev[i].data.u64;

		if (id == id_listener) {
			s.accept_all(now);
		} else if (id == id_timer) {
			std::uint64_t ticks;

			// Only to clear readiness: expire() below
			// compares deadlines with the clock.
			(void)!read(s.timer.get(), &ticks, sizeof(ticks));
		} else {
			s.on_event(id, ev[i].events, now);
		}
	}
	s.expire(now_ns());
	s.rearm();
}

} // namespace exabond::monitor
