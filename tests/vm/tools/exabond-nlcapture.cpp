// SPDX-License-Identifier: GPL-2.0
//
// exabond-nlcapture: rtnetlink link messages, as the kernel sent them, for
// the parser's fixtures (tests/unit/rtnl/fixtures/, written by
// tests/vm/fixtures/capture.sh in the VM).
//
//	exabond-nlcapture dump OUT	RTM_GETLINK dump of every link
//	exabond-nlcapture listen OUT	RTNLGRP_LINK messages until
//					SIGTERM, SIGINT or the end of
//					stdin
//
// OUT gets one message a line, its bytes in lowercase hex, nlmsghdr
// first. "-" is stdout.
//
// listen marks steps: each line read on stdin is written to OUT as a
// "# LINE" comment, but only after every message already queued on the
// socket, so that a message caused before the mark is written before it
// (an empty line writes nothing).
// A script that waits for its mark to appear in OUT before acting
// therefore gets each step's messages after that step's mark. The first
// line of OUT, "# listening", says the subscription is in place. Every
// line is flushed as it is written.
//
// Exit status: 0, or 1 with a message on stderr (for listen, a lost
// message, ENOBUFS, is an error: the fixture would be incomplete).
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "rtnl_link.hpp"
#include "rtnl_socket.hpp"

namespace {

// 32 KiB, what the kernel fills a dump datagram up to (and libmnl 1.0.5
// calls MNL_SOCKET_DUMP_SIZE; bookworm has 1.0.4).
constexpr std::size_t recv_size = 32768;

volatile std::sig_atomic_t stopping;

void on_signal(int) { stopping = 1; }

void usage()
{
	std::fprintf(stderr, "usage: exabond-nlcapture dump|listen OUT\n");
}

int fail(const char *what)
{
	std::fprintf(stderr, "exabond-nlcapture: %s: %s\n", what,
		     std::strerror(errno));
	return 1;
}

bool write_hex(std::FILE *out, const nlmsghdr *nlh)
{
	static const char digits[] = "0123456789abcdef";
	const auto *p = reinterpret_cast<const std::uint8_t *>(nlh);
	std::string line;

	line.reserve(2 * nlh->nlmsg_len + 1);
	for (std::uint32_t i = 0; i < nlh->nlmsg_len; i++) {
		line += digits[p[i] >> 4];
		line += digits[p[i] & 15];
	}
	line += '\n';
	return std::fwrite(line.data(), 1, line.size(), out) == line.size() &&
	       std::fflush(out) == 0;
}

// Every message of one datagram of @n bytes: written, or the end of the
// dump (1), or an error reported by the kernel (-1).
int write_all(std::FILE *out, const void *buf, int n)
{
	const auto *nlh = static_cast<const nlmsghdr *>(buf);

	// message_ok(): mnl_nlmsg_ok() alone trusts an nlmsg_len >= 2^31.
	while (exabond::rtnl::message_ok(nlh, std::size_t(n)) &&
	       mnl_nlmsg_ok(nlh, n)) {
		if (nlh->nlmsg_type == NLMSG_DONE)
			return 1;
		if (nlh->nlmsg_type == NLMSG_ERROR) {
			const auto *e = static_cast<const nlmsgerr *>(
				mnl_nlmsg_get_payload(nlh));
			errno = nlh->nlmsg_len >= mnl_nlmsg_size(sizeof(*e)) ?
					-e->error : EBADMSG;
			return -1;
		}
		if (!write_hex(out, nlh))
			return -1;
		nlh = mnl_nlmsg_next(nlh, &n);
	}
	if (n) {
		errno = EBADMSG;	// a datagram not made of messages
		return -1;
	}
	return 0;
}

int dump(mnl_socket *nl, std::FILE *out)
{
	std::vector<char> buf(recv_size);
	nlmsghdr *nlh = mnl_nlmsg_put_header(buf.data());
	const unsigned seq = unsigned(time(nullptr));

	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	auto *ifi = static_cast<ifinfomsg *>(
		mnl_nlmsg_put_extra_header(nlh, sizeof(ifinfomsg)));
	ifi->ifi_family = AF_UNSPEC;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return fail("send RTM_GETLINK");

	for (;;) {
		const ssize_t n =
			mnl_socket_recvfrom(nl, buf.data(), buf.size());
		if (n < 0)
			return fail("recv");
		const int r = write_all(out, buf.data(), int(n));
		if (r < 0)
			return fail("dump");
		if (r > 0)
			return 0;
	}
}

// Drains what the socket holds without blocking; 0 or 1 with errno.
int drain(mnl_socket *nl, std::FILE *out, std::vector<char> &buf)
{
	for (;;) {
		const ssize_t n = recv(mnl_socket_get_fd(nl), buf.data(),
				       buf.size(), MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return 0;
		if (n < 0)
			return fail("recv");
		if (write_all(out, buf.data(), int(n)) < 0)
			return fail("write");
	}
}

int listen_links(mnl_socket *nl, std::FILE *out)
{
	// A message lost all the same (ENOBUFS) is an error.
	if (exabond::vm_tools::join_link_events(nl) < 0)
		return fail("join RTNLGRP_LINK");

	struct sigaction sa {};
	sa.sa_handler = on_signal;	// no SA_RESTART: poll() returns
	sigaction(SIGTERM, &sa, nullptr);
	sigaction(SIGINT, &sa, nullptr);

	if (std::fputs("# listening\n", out) < 0 || std::fflush(out))
		return fail("write");

	std::vector<char> buf(recv_size);
	std::string line;
	bool input = true;
	while (!stopping) {
		pollfd pfd[2] = {
			{mnl_socket_get_fd(nl), POLLIN, 0},
			{STDIN_FILENO, POLLIN, 0},
		};
		if (poll(pfd, input ? 2 : 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			return fail("poll");
		}
		if (pfd[0].revents && drain(nl, out, buf))
			return 1;
		if (!input || !pfd[1].revents)
			continue;

		char c[512];
		const ssize_t n = read(STDIN_FILENO, c, sizeof(c));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return fail("read stdin");
		if (n == 0) {
			input = false;
			break;		// the script is done with us
		}
		line.append(c, std::size_t(n));
		std::size_t nl_at;
		while ((nl_at = line.find('\n')) != std::string::npos) {
			// Everything queued before the mark goes first.
			if (drain(nl, out, buf))
				return 1;
			const std::string text = line.substr(0, nl_at);
			line.erase(0, nl_at + 1);
			if (text.empty())
				continue;	// bg_finish's goodbye
			const std::string mark = "# " + text;
			if (std::fprintf(out, "%s\n", mark.c_str()) < 0 ||
			    std::fflush(out))
				return fail("write");
		}
	}
	return drain(nl, out, buf);
}

} // namespace

int main(int argc, char **argv)
{
	if (argc != 3) {
		usage();
		return 2;
	}
	const std::string cmd = argv[1];
	if (cmd != "dump" && cmd != "listen") {
		usage();
		return 2;
	}

	const char *mode = cmd == "dump" ? "w" : "a";
	std::FILE *out =
		std::strcmp(argv[2], "-") ? std::fopen(argv[2], mode) : stdout;
	if (!out)
		return fail(argv[2]);

	const char *step;
	const exabond::vm_tools::MnlSocket nl = exabond::vm_tools::open_rtnl(&step);
	if (!nl)
		return fail(step);

	const int rc = cmd == "dump" ? dump(nl.get(), out) :
				       listen_links(nl.get(), out);
	if (out != stdout && std::fclose(out))
		return fail(argv[2]);
	return rc;
}
