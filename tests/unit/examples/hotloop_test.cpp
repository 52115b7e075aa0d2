// SPDX-License-Identifier: GPL-2.0
//
// examples/hotloop: exabond-hotloop (C++) and exabond-hotloop-c (C), each in
// its hot loop and with --block, follow one page that a PageWriter changes
// step by step. Every reader must see every publication (the next step
// waits for their lines), so all of them print the same lines, and exactly
// the documented ones, apart from the time each noticed the change.
#include <exabond/reader.h>
#include <exabond/writer.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <sched.h>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../staged_page.hpp"
#include "../unique_name.hpp"

namespace {

using exabond::PageWriter;
using Clock = std::chrono::steady_clock;

// Only a hang guard: a reader that misses a change never prints its line.
constexpr auto patience = std::chrono::seconds(20);

// One reader process, its stdout on a pipe.
class Reader {
public:
	Reader(const char *exe, std::vector<std::string> args) : label_(exe)
	{
		int p[2];

		for (const auto &a : args)
			label_ += " " + a;
		if (pipe2(p, O_CLOEXEC))
			throw std::runtime_error("pipe2");
		pid_ = fork();
		if (pid_ == 0) {
			std::vector<char *> argv{const_cast<char *>(exe)};

			for (auto &a : args)
				argv.push_back(a.data());
			argv.push_back(nullptr);
			dup2(p[1], STDOUT_FILENO);
			execv(exe, argv.data());
			_exit(127);
		}
		close(p[1]);
		fd_ = p[0];
	}
	Reader(const Reader &) = delete;
	Reader &operator=(const Reader &) = delete;
	~Reader()
	{
		if (pid_ > 0) {
			kill(pid_, SIGKILL);
			waitpid(pid_, nullptr, 0);
		}
		if (fd_ >= 0)
			close(fd_);
	}

	const std::string &label() const { return label_; }

	// Waits until the reader has printed @n complete lines (or closed
	// its output); returns the lines so far.
	std::vector<std::string> lines(std::size_t n)
	{
		const auto deadline = Clock::now() + patience;

		while (count() < n && !eof_ && Clock::now() < deadline) {
			struct pollfd p = {fd_, POLLIN, 0};

			if (poll(&p, 1, 100) <= 0)
				continue;
			char buf[4096];
			ssize_t r = read(fd_, buf, sizeof(buf));

			if (r <= 0)
				eof_ = true;
			else
				out_.append(buf, std::size_t(r));
		}
		std::vector<std::string> v;
		std::istringstream in(out_);
		for (std::string l; std::getline(in, l);)
			v.push_back(l);
		if (!out_.empty() && out_.back() != '\n')
			v.pop_back();	// incomplete
		return v;
	}

	// Waits for the exit; its status, or -1 if it is still running.
	int exit_status()
	{
		const auto deadline = Clock::now() + patience;
		int st;

		while (Clock::now() < deadline) {
			pid_t r = waitpid(pid_, &st, WNOHANG);

			if (r == pid_) {
				pid_ = -1;
				return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
			}
			usleep(10000);
		}
		return -1;
	}

	void signal(int sig) { kill(pid_, sig); }

private:
	std::size_t count() const
	{
		return std::size_t(std::count(out_.begin(), out_.end(), '\n'));
	}

	std::string label_;
	pid_t pid_ = -1;
	int fd_ = -1;
	std::string out_;
	bool eof_ = false;
};

void set_active(exabond_page &st, int active)
{
	st.bond.active_ifindex = active;
	for (__u32 i = 0; i < st.bond.member_count; i++)
		st.members[i].role = st.members[i].ifindex == active ?
					     EXABOND_ROLE_ACTIVE : EXABOND_ROLE_BACKUP;
}

// "SEEN rest" -> "rest", checking that SEEN is a number no earlier than
// the line's published_ns (same clock: CLOCK_MONOTONIC).
std::string without_seen(const std::string &line)
{
	const auto sp = line.find(' ');
	const std::string seen = line.substr(0, sp);
	const auto p = line.find(" published_ns=");

	EXPECT_FALSE(seen.empty() ||
		     seen.find_first_not_of("0123456789") != std::string::npos)
		<< line;
	if (p != std::string::npos) {
		EXPECT_GE(std::stoull(seen), std::stoull(line.substr(p + 14)))
			<< "seen before published: " << line;
	}
	return line.substr(sp + 1);
}

const std::string cpp = EXABOND_HOTLOOP_CPP;
const std::string c = EXABOND_HOTLOOP_C;

// Both programs, hot loop and --block, plus both with --failovers 1.
struct Readers {
	std::vector<std::unique_ptr<Reader>> all, once;

	explicit Readers(const std::string &target)
	{
		for (const std::string *exe : {&cpp, &c}) {
			all.push_back(std::make_unique<Reader>(exe->c_str(),
				std::vector<std::string>{target}));
			all.push_back(std::make_unique<Reader>(exe->c_str(),
				std::vector<std::string>{"--block", target}));
			once.push_back(std::make_unique<Reader>(exe->c_str(),
				std::vector<std::string>{"--failovers", "1", "--block", target}));
		}
	}
};

TEST(Hotloop, EveryChangeAsDocumentedAndTheSameFromCAndCpp)
{
	const std::string bond = unique_name("hl");
	PageWriter w = PageWriter::create_shared_memory(bond, std::uint32_t(exabond_netns_ino()), true);
	const std::string path = w.path();
	struct Unlink {
		PageWriter &w;
		~Unlink() { w.unlink(); }
	} unlink_at_end{w};

	exabond_page st = staged_page(bond, 11);
	ASSERT_TRUE(w.publish(st, EXABOND_EVENT_MANAGE, 10, 500));

	Readers r(bond);
	const std::string start = "watching " + bond + ": " + path +
				  " (monitor page), active eth0 (ifindex 11), generation 1";
	std::vector<std::string> want;	// without seen_ns
	std::size_t printed = 1;	// lines each reader printed so far
	std::size_t once_exits_after = SIZE_MAX;

	for (auto *v : {&r.all, &r.once})
		for (auto &rd : *v)
			ASSERT_EQ(std::vector<std::string>{start}, rd->lines(1))
				<< rd->label();

	// Publishes @st, expects @lines (each then " published_ns=P gen=G"),
	// and waits until every running reader has printed them.
	auto step = [&](std::uint32_t event, std::uint64_t event_ns,
			std::vector<std::string> lines, bool gone = false) {
		ASSERT_TRUE(gone ? (w.publish_final(st, event, event_ns), true)
				 : w.publish(st, event, 11, event_ns));
		const std::string tail = " published_ns=" +
					 std::to_string(w.page()->publish_ns) +
					 " gen=" + std::to_string(w.page()->generation);
		for (auto &l : lines)
			want.push_back(l + tail);
		if (gone)
			want.push_back("gone gen=" + std::to_string(w.page()->generation));
		printed = 1 + want.size();
		for (auto &rd : r.all)
			ASSERT_GE(rd->lines(printed).size(), printed) << rd->label();
		// Those with --failovers 1 until they exit after the failover.
		for (auto &rd : r.once)
			rd->lines(std::min(printed, once_exits_after));
	};

	// eth0 loses carrier; bonding declares its link down and fails over.
	st.members[0].carrier = 0;
	st.members[0].carrier_changed_ns = 1000;
	step(EXABOND_EVENT_CARRIER, 1000, {"carrier eth0 down changed_ns=1000"});
	st.members[0].link = EXABOND_LINK_DOWN;
	st.members[0].link_changed_ns = 2000;
	set_active(st, 12);
	step(EXABOND_EVENT_FAILOVER, 2000,
	     {"link eth0 down changed_ns=2000",
	      "failover eth0 -> eth1 failover_ns=2000"});
	once_exits_after = printed;

	// It comes back, through bonding's BACK.
	st.members[0].carrier = 1;
	st.members[0].carrier_changed_ns = 3000;
	st.members[0].link = EXABOND_LINK_BACK;
	st.members[0].link_changed_ns = 3001;
	step(EXABOND_EVENT_CARRIER, 3000,
	     {"carrier eth0 up changed_ns=3000", "link eth0 back changed_ns=3001"});
	st.members[0].link = EXABOND_LINK_UP;
	st.members[0].link_changed_ns = 4000;
	step(EXABOND_EVENT_MEMBER_LINK, 4000, {"link eth0 up changed_ns=4000"});

	// Not something the readers report (an option): no line; the next
	// step's lines show they did not stop.
	st.bond.miimon = 50;
	ASSERT_TRUE(w.publish(st, EXABOND_EVENT_BOND_CHANGE, 10, 4500));

	// A third member comes and goes; then the active one leaves.
	exabond_member &m2 = st.members[2];
	m2 = st.members[1];
	m2.ifindex = 13;
	std::snprintf(m2.name, sizeof(m2.name), "eth2");
	m2.role = EXABOND_ROLE_BACKUP;
	st.bond.member_count = st.bond.members_total = 3;
	step(EXABOND_EVENT_MEMBER_ADD, 5000, {"member eth2 added"});
	st.bond.member_count = st.bond.members_total = 2;
	step(EXABOND_EVENT_MEMBER_DEL, 6000, {"member eth2 removed"});
	st.members[1] = st.members[0];
	st.bond.member_count = st.bond.members_total = 1;
	set_active(st, 11);
	step(EXABOND_EVENT_MEMBER_DEL, 7000,
	     {"member eth1 removed", "failover eth1 -> eth0 failover_ns=7000"});

	// The bond is deleted: the final page.
	st.bond.member_count = st.bond.members_total = 0;
	set_active(st, 0);
	step(EXABOND_EVENT_BOND_DELETE, 8000,
	     {"member eth0 removed", "failover eth0 -> none failover_ns=8000"},
	     true);

	std::vector<std::string> expect{start};
	expect.insert(expect.end(), want.begin(), want.end());
	for (auto &rd : r.all) {
		std::vector<std::string> got = rd->lines(printed + 1);

		for (std::size_t i = 1; i < got.size(); i++)
			got[i] = without_seen(got[i]);
		EXPECT_EQ(expect, got) << rd->label();
		EXPECT_EQ(0, rd->exit_status()) << rd->label() << ": exit status";
	}
	// --failovers 1: everything up to the first failover, then exit 0.
	expect.resize(once_exits_after);
	for (auto &rd : r.once) {
		std::vector<std::string> got = rd->lines(once_exits_after + 1);

		for (std::size_t i = 1; i < got.size(); i++)
			got[i] = without_seen(got[i]);
		EXPECT_EQ(expect, got) << rd->label();
		EXPECT_EQ(0, rd->exit_status()) << rd->label() << ": exit status";
	}
}

// The same page by path, in a file: the start line names the file. A final
// page is reported gone at once. SIGTERM and SIGINT end a waiting reader
// with exit status 0, in either loop.
TEST(Hotloop, ByPathGoneAtOnceAndSignals)
{
	char tmpl[] = "/tmp/exabond-hotloop-test-XXXXXX";
	int fd = mkstemp(tmpl);
	ASSERT_GE(fd, 0);
	const std::string path = tmpl;
	struct Cleanup {
		int fd;
		std::string path;
		~Cleanup() { close(fd); unlink(path.c_str()); }
	} cleanup{fd, path};
	ASSERT_EQ(0, ftruncate(fd, EXABOND_PAGE_BYTES));
	void *mem = mmap(nullptr, EXABOND_PAGE_BYTES, PROT_READ | PROT_WRITE,
			 MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, mem);
	PageWriter w(static_cast<exabond_page *>(mem));
	exabond_page st = staged_page("bondp", 12);
	ASSERT_TRUE(w.publish(st, EXABOND_EVENT_MANAGE, 10, 500));

	const std::string start = "watching bondp: " + path +
				  " (monitor page), active eth1 (ifindex 12), generation 1";
	// Pinned to a CPU this test may use.
	cpu_set_t set;
	int cpu = 0;
	ASSERT_EQ(0, sched_getaffinity(0, sizeof(set), &set));
	while (!CPU_ISSET(cpu, &set))
		cpu++;
	const std::string pin = "--cpu=" + std::to_string(cpu);
	int sig = SIGTERM;
	for (const std::string *exe : {&cpp, &c}) {
		for (const char *mode : {pin.c_str(), "--block"}) {
			Reader rd(exe->c_str(), {mode, path});

			EXPECT_EQ(std::vector<std::string>{start}, rd.lines(1))
				<< rd.label();
			rd.signal(sig);
			EXPECT_EQ(0, rd.exit_status()) << rd.label() << " after signal " << sig;
			EXPECT_EQ(std::vector<std::string>{start}, rd.lines(2))
				<< rd.label() << ": nothing more";
			sig = sig == SIGTERM ? SIGINT : SIGTERM;
		}
	}

	w.publish_final(st, EXABOND_EVENT_UNMANAGE, 600);
	for (const std::string *exe : {&cpp, &c}) {
		Reader rd(exe->c_str(), {path});
		std::vector<std::string> got = rd.lines(2);

		ASSERT_EQ(2u, got.size()) << rd.label();
		EXPECT_EQ("watching bondp: " + path +
				  " (monitor page), active eth1 (ifindex 12), generation 2",
			  got[0]);
		EXPECT_EQ("gone gen=2", got[1].substr(got[1].find(' ') + 1));
		EXPECT_EQ(0, rd.exit_status()) << rd.label();
	}
	munmap(mem, EXABOND_PAGE_BYTES);
}

TEST(Hotloop, Usage)
{
	for (const std::string *exe : {&cpp, &c}) {
		for (std::vector<std::string> args :
		     {std::vector<std::string>{}, {"--failovers", "0", "bond0"},
		      {"--cpu", "x", "bond0"}, {"a", "b"}, {"--bogus", "bond0"}}) {
			Reader rd(exe->c_str(), args);
			EXPECT_EQ(2, rd.exit_status()) << rd.label();
		}
		Reader missing(exe->c_str(), {"/nonexistent/page"});
		EXPECT_EQ(1, missing.exit_status()) << missing.label();
	}
}

} // namespace
