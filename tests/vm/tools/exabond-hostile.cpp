// SPDX-License-Identifier: GPL-2.0
/*
 * exabond-hostile: every abuse of /dev/exabond-<bond> we could think of
 * (tests/vm/tests/hostile_device.sh), each with the one result it must get.
 *
 *	exabond-hostile NODE...
 *
 * Expected results come from DESIGN.md ("The device", "Errors") and the
 * file semantics in kmod/node.c's header. Where neither says (a wrong
 * length, a write through /proc/pid/mem or ptrace, a syscall the driver
 * never sees), the result is what the 6.1 kernel's own code path returns,
 * named next to the case (file and function). After every abuse, every
 * node's page must be byte-identical to the page before the first one,
 * read through a read-only mapping held the whole run.
 *
 * Prints one line per abuse ("ok:" or "FAIL:") and a summary; exit status
 * 0 when every abuse got its result and no page moved, 1 otherwise.
 */
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/select.h>
#include <sys/sendfile.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <linux/sockios.h>

#include <exabond/page.h>

namespace {

const size_t kPage = EXABOND_PAGE_BYTES;

// --- RAII ---------------------------------------------------------------------

class Fd {
public:
	explicit Fd(int fd = -1) : fd_(fd) {}
	Fd(const Fd &) = delete;
	Fd &operator=(const Fd &) = delete;
	Fd(Fd &&o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
	Fd &operator=(Fd &&o) noexcept
	{
		reset(std::exchange(o.fd_, -1));
		return *this;
	}
	~Fd() { reset(); }
	int get() const { return fd_; }
	bool ok() const { return fd_ >= 0; }
	void reset(int fd = -1)
	{
		if (fd_ >= 0)
			close(fd_);
		fd_ = fd;
	}

private:
	int fd_;
};

class Map {
public:
	Map() = default;
	Map(void *addr, size_t len) : p_(addr), len_(len) {}
	Map(const Map &) = delete;
	Map &operator=(const Map &) = delete;
	Map(Map &&o) noexcept
		: p_(std::exchange(o.p_, MAP_FAILED)), len_(o.len_) {}
	Map &operator=(Map &&o) noexcept
	{
		reset();
		p_ = std::exchange(o.p_, MAP_FAILED);
		len_ = o.len_;
		return *this;
	}
	~Map() { reset(); }
	bool ok() const { return p_ != MAP_FAILED; }
	void *get() const { return p_; }
	const uint8_t *bytes() const { return static_cast<const uint8_t *>(p_); }
	// After a successful mremap() the old range is gone.
	void moved(void *addr, size_t len)
	{
		p_ = addr;
		len_ = len;
	}
	void reset()
	{
		if (p_ != MAP_FAILED)
			munmap(p_, len_);
		p_ = MAP_FAILED;
	}

private:
	void *p_ = MAP_FAILED;
	size_t len_ = 0;
};

// --- results ------------------------------------------------------------------

std::string errname(int e)
{
	const char *n = strerrorname_np(e);
	return n ? n : "errno " + std::to_string(e);
}

// "ok" when the call succeeded (ret >= 0), else the errno name.
std::string res(long ret)
{
	return ret >= 0 ? "ok" : errname(errno);
}

std::string hex(unsigned v)
{
	char b[16];
	snprintf(b, sizeof(b), "0x%x", v);
	return b;
}

[[noreturn]] void die(const std::string &what)
{
	fprintf(stderr, "exabond-hostile: %s: %s\n", what.c_str(),
		strerror(errno));
	exit(1);
}

// Runs fn in a child; its result string, or "SIGxxx" if a signal killed it.
std::string in_child(const std::function<std::string()> &fn)
{
	int p[2];

	fflush(stdout);
	if (pipe2(p, O_CLOEXEC))
		die("pipe");
	Fd rd(p[0]), wr(p[1]);
	pid_t pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		rd.reset();
		std::string r = fn();
		if (write(wr.get(), r.data(), r.size()) < 0)
			_exit(2);
		_exit(0);
	}
	wr.reset();
	std::string out;
	char buf[256];
	ssize_t n;
	while ((n = read(rd.get(), buf, sizeof(buf))) > 0)
		out.append(buf, n);
	int st;
	if (waitpid(pid, &st, 0) < 0)
		die("waitpid");
	if (WIFSIGNALED(st))
		return std::string("SIG") + sigabbrev_np(WTERMSIG(st));
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		return "child exit " + std::to_string(WEXITSTATUS(st));
	return out;
}

// --- a node and its reference mapping -----------------------------------------

struct Node {
	std::string path;
	std::string label;
	Fd fd;				// the reference mapping's file
	Map ref;			// read-only, held the whole run
	std::vector<uint8_t> first;	// the page before the first abuse

	explicit Node(const std::string &p) : path(p)
	{
		label = p.substr(p.rfind('/') + 1);
		fd.reset(open(p.c_str(), O_RDONLY | O_CLOEXEC));
		if (!fd.ok())
			die("open " + p);
		ref = Map(mmap(nullptr, kPage, PROT_READ, MAP_SHARED, fd.get(),
			       0), kPage);
		if (!ref.ok())
			die("mmap " + p);
		first = snapshot();
	}

	// The reader protocol of include/exabond/page.h, R1..R4.
	std::vector<uint8_t> snapshot() const
	{
		auto pg = static_cast<const exabond_page *>(ref.get());
		std::vector<uint8_t> out(kPage);

		for (;;) {
			uint32_t seq = __atomic_load_n(&pg->seq, __ATOMIC_ACQUIRE);
			if (seq & 1)
				continue;
			for (size_t i = 0; i < kPage; i++)
				out[i] = __atomic_load_n(ref.bytes() + i,
							 __ATOMIC_RELAXED);
			__atomic_thread_fence(__ATOMIC_ACQUIRE);
			if (__atomic_load_n(&pg->seq, __ATOMIC_RELAXED) == seq)
				return out;
		}
	}

	// Are these 8 bytes the page's generation? (what read() returns)
	bool is_generation(const void *p) const
	{
		return !memcmp(p, first.data() + offsetof(exabond_page, generation),
			       sizeof(uint64_t));
	}

	Fd open_ro(int extra = O_NONBLOCK) const
	{
		Fd f(open(path.c_str(), O_RDONLY | O_CLOEXEC | extra));
		if (!f.ok())
			die("open " + path);
		return f;
	}

	// Is this memory the page as it was? (a mapping made by an abuse)
	bool same(const void *p) const
	{
		return !memcmp(p, first.data(), kPage);
	}
};

// --- the run ------------------------------------------------------------------

struct Abuse {
	std::string name;
	std::string want;
	std::function<std::string()> run;
};

class Runner {
public:
	explicit Runner(std::vector<Node> &nodes) : nodes_(nodes) {}

	void run(const Node &n, const Abuse &a)
	{
		std::string got = a.run();
		std::vector<std::string> problems;

		if (got != a.want)
			problems.push_back("expected " + a.want + ", got " + got);
		for (const Node &m : nodes_)
			if (m.snapshot() != m.first)
				problems.push_back("the page of " + m.label +
						   " changed");
		tried_++;
		results_[got]++;
		printf("%s: %s: %s -> %s", problems.empty() ? "ok" : "FAIL",
		       n.label.c_str(), a.name.c_str(), got.c_str());
		for (const auto &p : problems)
			printf(" | %s", p.c_str());
		printf("\n");
		if (!problems.empty())
			failed_++;
		fflush(stdout);
	}

	int summary() const
	{
		std::string per;
		for (const auto &[k, v] : results_)
			per += (per.empty() ? "" : ", ") + k + " " +
			       std::to_string(v);
		bool unchanged = true;
		for (const Node &m : nodes_)
			unchanged = unchanged && m.snapshot() == m.first;
		printf("exabond-hostile: %d abuses on %zu nodes, %d as documented, "
		       "%d failed; results: %s; pages unchanged: %s\n",
		       tried_, nodes_.size(), tried_ - failed_, failed_,
		       per.c_str(), unchanged ? "yes" : "NO");
		return failed_ || !unchanged;
	}

private:
	std::vector<Node> &nodes_;
	int tried_ = 0, failed_ = 0;
	std::map<std::string, int> results_;
};

// A read-only mapping of the node with these arguments, as a result string:
// "ok" only if it maps exactly the page.
std::string try_mmap(const Node &n, size_t len, int prot, int flags,
		     off_t off)
{
	Fd f = n.open_ro();
	Map m(mmap(nullptr, len, prot, flags, f.get(), off), len);

	if (!m.ok())
		return errname(errno);
	if (!(prot & PROT_READ))
		return "ok";
	return n.same(m.get()) ? "ok" : "ok, but not the page";
}

// read(2) with arguments the compiler must not judge: the bad buffers are
// the point.
long raw_read(int fd, void *buf, size_t len)
{
	return syscall(SYS_read, fd, buf, len);
}

volatile sig_atomic_t g_ticks;
void on_tick(int) { g_ticks = g_ticks + 1; }

std::vector<Abuse> abuses(const Node &n)
{
	std::vector<Abuse> v;
	const std::string p = n.path;
	const long pg = sysconf(_SC_PAGESIZE);
	struct statvfs sv;

	if (statvfs(p.c_str(), &sv))
		die("statvfs " + p);
	// mm/mmap.c do_mmap(): on a noexec mount VM_EXEC is EPERM before the
	// driver is asked; elsewhere exabond_mmap() refuses it (EACCES).
	const std::string exec_refused = (sv.f_flag & ST_NOEXEC) ? "EPERM" : "EACCES";

	// --- open ---
	struct {
		const char *name;
		int flags;
		const char *want;
	} opens[] = {
		// kmod/node.c exabond_open(): the access mode must be O_RDONLY.
		{ "open O_WRONLY", O_WRONLY, "EACCES" },
		{ "open O_RDWR", O_RDWR, "EACCES" },
		{ "open O_ACCMODE (3, ioctl-only)", O_ACCMODE, "EACCES" },
		{ "open O_WRONLY|O_TRUNC", O_WRONLY | O_TRUNC, "EACCES" },
		{ "open O_WRONLY|O_APPEND", O_WRONLY | O_APPEND, "EACCES" },
		{ "open O_RDWR|O_APPEND", O_RDWR | O_APPEND, "EACCES" },
		{ "open O_WRONLY|O_NONBLOCK", O_WRONLY | O_NONBLOCK, "EACCES" },
		{ "open O_RDWR|O_CREAT", O_RDWR | O_CREAT, "EACCES" },
		{ "open O_RDWR|O_SYNC", O_RDWR | O_SYNC, "EACCES" },
		// fs/namei.c do_open(): the node exists.
		{ "open O_RDONLY|O_CREAT|O_EXCL", O_RDONLY | O_CREAT | O_EXCL, "EEXIST" },
		{ "open O_RDONLY|O_DIRECTORY", O_RDONLY | O_DIRECTORY, "ENOTDIR" },
		// fs/open.c do_dentry_open(): no direct I/O (checked after
		// ->open, so ->release must drop what open took).
		{ "open O_RDONLY|O_DIRECT", O_RDONLY | O_DIRECT, "EINVAL" },
		// fs/namei.c path_openat() -> do_tmpfile(): the path must be a
		// directory.
		{ "open O_TMPFILE|O_RDWR", O_TMPFILE | O_RDWR, "ENOTDIR" },
		// Read-only access: O_TRUNC only truncates regular files
		// (fs/namei.c do_open()), O_APPEND means nothing to a reader.
		{ "open O_RDONLY|O_TRUNC", O_RDONLY | O_TRUNC, "ok" },
		{ "open O_RDONLY|O_APPEND", O_RDONLY | O_APPEND, "ok" },
		{ "open O_RDONLY|O_NONBLOCK|O_NOCTTY|O_NOATIME|O_SYNC",
		  O_RDONLY | O_NONBLOCK | O_NOCTTY | O_NOATIME | O_SYNC, "ok" },
		{ "open O_RDONLY|O_CREAT (exists)", O_RDONLY | O_CREAT, "ok" },
		{ "open O_PATH", O_PATH, "ok" },
	};
	for (const auto &o : opens) {
		int flags = o.flags;
		v.push_back({ o.name, o.want, [p, flags] {
			Fd f(open(p.c_str(), flags | O_CLOEXEC, 0600));
			return f.ok() ? std::string("ok") : errname(errno);
		} });
	}
	// An O_PATH file never reaches the driver: fdget() refuses it to
	// mmap, read and ioctl (fs/file.c __fget_light, FMODE_PATH).
	v.push_back({ "O_PATH fd: mmap", "EBADF", [p] {
		Fd f(open(p.c_str(), O_PATH | O_CLOEXEC));
		Map m(mmap(nullptr, kPage, PROT_READ, MAP_SHARED, f.get(), 0), kPage);
		return m.ok() ? std::string("ok") : errname(errno);
	} });
	v.push_back({ "O_PATH fd: read", "EBADF", [p] {
		Fd f(open(p.c_str(), O_PATH | O_CLOEXEC));
		uint64_t g;
		return res(read(f.get(), &g, sizeof(g)));
	} });
	v.push_back({ "O_PATH fd: ioctl", "EBADF", [p] {
		Fd f(open(p.c_str(), O_PATH | O_CLOEXEC));
		return res(ioctl(f.get(), _IO('E', 1)));
	} });

	// Not root: the node is 0444 (kmod/node.c exabond_node_devnode), so
	// write access stops at the permission check (fs/namei.c may_open),
	// O_TRUNC included (fs/open.c build_open_flags adds MAY_WRITE).
	auto as_nobody = [](std::function<std::string()> fn) {
		return [fn] {
			return in_child([fn] {
				if (setgroups(0, nullptr) || setgid(65534) ||
				    setuid(65534))
					return std::string("cannot drop root");
				return fn();
			});
		};
	};
	v.push_back({ "unprivileged: open O_WRONLY", "EACCES", as_nobody([p] {
		Fd f(open(p.c_str(), O_WRONLY | O_CLOEXEC));
		return f.ok() ? std::string("ok") : errname(errno);
	}) });
	v.push_back({ "unprivileged: open O_RDONLY|O_TRUNC", "EACCES", as_nobody([p] {
		Fd f(open(p.c_str(), O_RDONLY | O_TRUNC | O_CLOEXEC));
		return f.ok() ? std::string("ok") : errname(errno);
	}) });
	v.push_back({ "unprivileged: open O_RDONLY and map the page", "ok",
		      as_nobody([&n] { return try_mmap(n, kPage, PROT_READ, MAP_SHARED, 0); }) });
	v.push_back({ "unprivileged: MAP_PRIVATE PROT_WRITE", "EACCES",
		      as_nobody([&n] { return try_mmap(n, kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE, 0); }) });

	// --- mmap: protections and flags ---
	struct {
		const char *name;
		size_t len;
		int prot, flags;
		off_t off;
		std::string want;
	} maps[] = {
		// kmod/node.c: one page at offset 0, shared or private, read.
		{ "mmap PROT_READ MAP_SHARED", kPage, PROT_READ, MAP_SHARED, 0, "ok" },
		{ "mmap PROT_READ MAP_PRIVATE", kPage, PROT_READ, MAP_PRIVATE, 0, "ok" },
		{ "mmap PROT_READ MAP_SHARED_VALIDATE", kPage, PROT_READ, MAP_SHARED_VALIDATE, 0, "ok" },
		{ "mmap PROT_READ MAP_SHARED|MAP_POPULATE|MAP_LOCKED", kPage, PROT_READ,
		  MAP_SHARED | MAP_POPULATE | MAP_LOCKED, 0, "ok" },
		{ "mmap PROT_NONE MAP_SHARED", kPage, PROT_NONE, MAP_SHARED, 0, "ok" },
		// mm/mmap.c do_mmap(): a shared writable map needs FMODE_WRITE.
		{ "mmap PROT_READ|PROT_WRITE MAP_SHARED", kPage, PROT_READ | PROT_WRITE, MAP_SHARED, 0, "EACCES" },
		{ "mmap PROT_WRITE MAP_SHARED", kPage, PROT_WRITE, MAP_SHARED, 0, "EACCES" },
		{ "mmap PROT_READ|PROT_WRITE MAP_SHARED_VALIDATE", kPage, PROT_READ | PROT_WRITE,
		  MAP_SHARED_VALIDATE, 0, "EACCES" },
		{ "mmap PROT_READ|PROT_WRITE|PROT_EXEC MAP_SHARED", kPage,
		  PROT_READ | PROT_WRITE | PROT_EXEC, MAP_SHARED, 0, "EACCES" },
		// kmod/node.c exabond_mmap(): VM_WRITE or VM_EXEC.
		{ "mmap PROT_READ|PROT_WRITE MAP_PRIVATE", kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE, 0, "EACCES" },
		{ "mmap PROT_WRITE MAP_PRIVATE", kPage, PROT_WRITE, MAP_PRIVATE, 0, "EACCES" },
		{ "mmap PROT_READ|PROT_WRITE|PROT_EXEC MAP_PRIVATE", kPage,
		  PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE, 0, "EACCES" },
		{ "mmap PROT_READ|PROT_EXEC MAP_SHARED", kPage, PROT_READ | PROT_EXEC, MAP_SHARED, 0, exec_refused },
		{ "mmap PROT_EXEC MAP_SHARED", kPage, PROT_EXEC, MAP_SHARED, 0, exec_refused },
		{ "mmap PROT_READ|PROT_EXEC MAP_PRIVATE", kPage, PROT_READ | PROT_EXEC, MAP_PRIVATE, 0, exec_refused },
		// mm/mmap.c do_mmap(): flags the driver does not declare.
		{ "mmap MAP_SHARED_VALIDATE|MAP_SYNC", kPage, PROT_READ, MAP_SHARED_VALIDATE | MAP_SYNC, 0, "EOPNOTSUPP" },
		{ "mmap MAP_SHARED|MAP_GROWSDOWN", kPage, PROT_READ, MAP_SHARED | MAP_GROWSDOWN, 0, "EINVAL" },
		// mm/mmap.c ksys_mmap_pgoff(): MAP_HUGETLB on a file not in hugetlbfs.
		{ "mmap MAP_SHARED|MAP_HUGETLB", kPage, PROT_READ, MAP_SHARED | MAP_HUGETLB, 0, "EINVAL" },
		// mm/mmap.c do_mmap(): neither shared nor private.
		{ "mmap flags 0 (no type)", kPage, PROT_READ, 0, 0, "EINVAL" },
		// Lengths. mm/mmap.c do_mmap(): 0 is EINVAL; the rest is
		// rounded up to pages, so 1 and PAGE_SIZE-1 are one page.
		{ "mmap length 0", 0, PROT_READ, MAP_SHARED, 0, "EINVAL" },
		{ "mmap length 1", 1, PROT_READ, MAP_SHARED, 0, "ok" },
		{ "mmap length PAGE_SIZE-1", kPage - 1, PROT_READ, MAP_SHARED, 0, "ok" },
		// kmod/node.c exabond_mmap(): more than one page.
		{ "mmap length PAGE_SIZE+1", kPage + 1, PROT_READ, MAP_SHARED, 0, "EINVAL" },
		{ "mmap length 2 pages", 2 * kPage, PROT_READ, MAP_SHARED, 0, "EINVAL" },
		{ "mmap length 16 pages", 16 * kPage, PROT_READ, MAP_SHARED, 0, "EINVAL" },
		{ "mmap length 2 pages MAP_PRIVATE", 2 * kPage, PROT_READ, MAP_PRIVATE, 0, "EINVAL" },
		// mm/mmap.c do_mmap(): PAGE_ALIGN(SIZE_MAX) wraps to 0;
		// get_unmapped_area(): longer than the address space.
		{ "mmap length SIZE_MAX", SIZE_MAX, PROT_READ, MAP_SHARED, 0, "ENOMEM" },
		{ "mmap length 2^48", size_t(1) << 48, PROT_READ, MAP_SHARED, 0, "ENOMEM" },
		// Offsets. kmod/node.c exabond_mmap(): vm_pgoff != 0.
		{ "mmap offset PAGE_SIZE", kPage, PROT_READ, MAP_SHARED, off_t(pg), "EINVAL" },
		{ "mmap offset 2 pages", kPage, PROT_READ, MAP_SHARED, off_t(2 * pg), "EINVAL" },
		{ "mmap offset 2^62", kPage, PROT_READ, MAP_SHARED, off_t(1) << 62, "EINVAL" },
		{ "mmap offset PAGE_SIZE MAP_PRIVATE", kPage, PROT_READ, MAP_PRIVATE, off_t(pg), "EINVAL" },
		// arch/x86/kernel/sys_x86_64.c mmap: an unaligned offset.
		{ "mmap offset 1", kPage, PROT_READ, MAP_SHARED, 1, "EINVAL" },
		{ "mmap offset PAGE_SIZE/2", kPage, PROT_READ, MAP_SHARED, off_t(pg / 2), "EINVAL" },
		{ "mmap offset 2^63-1", kPage, PROT_READ, MAP_SHARED, INT64_MAX, "EINVAL" },
		// mm/mmap.c do_mmap() -> file_mmap_ok(): a char device may map
		// up to ULONG_MAX bytes; -PAGE_SIZE is past that.
		{ "mmap offset -PAGE_SIZE", kPage, PROT_READ, MAP_SHARED, off_t(-pg), "EOVERFLOW" },
	};
	for (const auto &m : maps) {
		size_t len = m.len;
		int prot = m.prot, flags = m.flags;
		off_t off = m.off;
		v.push_back({ m.name, m.want, [&n, len, prot, flags, off] {
			return try_mmap(n, len, prot, flags, off);
		} });
	}

	// --- what a good mapping may become ---
	// One helper: open, map one page read-only (shared or private), run
	// fn on the mapping.
	auto with_map = [&n](int flags, std::function<std::string(Map &)> fn) {
		return [&n, flags, fn] {
			Fd f = n.open_ro();
			Map m(mmap(nullptr, kPage, PROT_READ, flags, f.get(), 0), kPage);
			if (!m.ok())
				return "cannot map: " + errname(errno);
			return fn(m);
		};
	};
	struct {
		const char *name;
		int flags, prot;
		const char *want;
	} prots[] = {
		// kmod/node.c clears VM_MAYWRITE and VM_MAYEXEC; mm/mprotect.c
		// do_mprotect_pkey() refuses what VM_MAY* does not allow.
		{ "mprotect shared +PROT_WRITE", MAP_SHARED, PROT_READ | PROT_WRITE, "EACCES" },
		{ "mprotect shared PROT_WRITE", MAP_SHARED, PROT_WRITE, "EACCES" },
		{ "mprotect shared +PROT_EXEC", MAP_SHARED, PROT_READ | PROT_EXEC, "EACCES" },
		{ "mprotect shared RWX", MAP_SHARED, PROT_READ | PROT_WRITE | PROT_EXEC, "EACCES" },
		{ "mprotect private +PROT_WRITE", MAP_PRIVATE, PROT_READ | PROT_WRITE, "EACCES" },
		{ "mprotect private +PROT_EXEC", MAP_PRIVATE, PROT_READ | PROT_EXEC, "EACCES" },
		{ "mprotect private RWX", MAP_PRIVATE, PROT_READ | PROT_WRITE | PROT_EXEC, "EACCES" },
		// mm/mprotect.c: PROT_GROWSDOWN on a mapping without VM_GROWSDOWN.
		{ "mprotect PROT_READ|PROT_GROWSDOWN", MAP_SHARED, PROT_READ | PROT_GROWSDOWN, "EINVAL" },
		{ "mprotect PROT_NONE", MAP_SHARED, PROT_NONE, "ok" },
	};
	for (const auto &x : prots) {
		int prot = x.prot;
		v.push_back({ x.name, x.want, with_map(x.flags, [prot](Map &m) {
			return res(mprotect(m.get(), kPage, prot));
		}) });
	}
	v.push_back({ "mprotect PROT_NONE then PROT_READ again", "ok",
		      with_map(MAP_SHARED, [&n](Map &m) {
		if (mprotect(m.get(), kPage, PROT_NONE) ||
		    mprotect(m.get(), kPage, PROT_READ))
			return errname(errno);
		return n.same(m.get()) ? std::string("ok") : "not the page";
	}) });
	v.push_back({ "mmap PROT_NONE then mprotect PROT_READ", "ok", [&n] {
		Fd f = n.open_ro();
		Map m(mmap(nullptr, kPage, PROT_NONE, MAP_SHARED, f.get(), 0), kPage);
		if (!m.ok() || mprotect(m.get(), kPage, PROT_READ))
			return errname(errno);
		return n.same(m.get()) ? std::string("ok") : "not the page";
	} });
	// mm/mremap.c vma_to_resize(): VM_DONTEXPAND (kmod/node.c) refuses
	// growth, in place or moving, and a duplicate (old_len 0) that grows.
	v.push_back({ "mremap grow MREMAP_MAYMOVE", "EFAULT", with_map(MAP_SHARED, [](Map &m) {
		void *q = mremap(m.get(), kPage, 2 * kPage, MREMAP_MAYMOVE);
		if (q == MAP_FAILED)
			return errname(errno);
		m.moved(q, 2 * kPage);
		return std::string("ok");
	}) });
	v.push_back({ "mremap grow in place", "EFAULT", with_map(MAP_SHARED, [](Map &m) {
		void *q = mremap(m.get(), kPage, 2 * kPage, 0);
		if (q == MAP_FAILED)
			return errname(errno);
		m.moved(q, 2 * kPage);
		return std::string("ok");
	}) });
	v.push_back({ "mremap grow private MREMAP_MAYMOVE", "EFAULT", with_map(MAP_PRIVATE, [](Map &m) {
		void *q = mremap(m.get(), kPage, 4 * kPage, MREMAP_MAYMOVE);
		if (q == MAP_FAILED)
			return errname(errno);
		m.moved(q, 4 * kPage);
		return std::string("ok");
	}) });
	v.push_back({ "mremap duplicate (old_len 0) shared", "EFAULT", with_map(MAP_SHARED, [](Map &m) {
		void *q = mremap(m.get(), 0, kPage, MREMAP_MAYMOVE);
		if (q == MAP_FAILED)
			return errname(errno);
		munmap(q, kPage);
		return std::string("ok");
	}) });
	// mm/mremap.c vma_to_resize(): MREMAP_DONTUNMAP and VM_DONTEXPAND.
	v.push_back({ "mremap MREMAP_DONTUNMAP", "EINVAL", with_map(MAP_SHARED, [](Map &m) {
		void *q = mremap(m.get(), kPage, kPage, MREMAP_MAYMOVE | MREMAP_DONTUNMAP);
		if (q == MAP_FAILED)
			return errname(errno);
		munmap(q, kPage);
		return std::string("ok");
	}) });
	// Moving the mapping whole is allowed, and it still shows the page.
	v.push_back({ "mremap move same size", "ok", with_map(MAP_SHARED, [&n](Map &m) {
		Map hole(mmap(nullptr, kPage, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), kPage);
		void *q = mremap(m.get(), kPage, kPage, MREMAP_MAYMOVE | MREMAP_FIXED, hole.get());
		if (q == MAP_FAILED)
			return errname(errno);
		hole.moved(MAP_FAILED, 0);	// replaced by the move
		m.moved(q, kPage);
		return n.same(q) ? std::string("ok") : "not the page";
	}) });
	// madvise. kmod/node.c exabond_fault() puts the page back after a
	// zap; mm/madvise.c refuses removal (not shared writable) and
	// wipe-on-fork (not anonymous); cold/pageout skip a page that is
	// not on an LRU list.
	struct {
		const char *name;
		int flags, advice;
		const char *want;
	} advs[] = {
		{ "madvise MADV_DONTNEED shared", MAP_SHARED, MADV_DONTNEED, "ok" },
		{ "madvise MADV_DONTNEED private", MAP_PRIVATE, MADV_DONTNEED, "ok" },
		{ "madvise MADV_REMOVE", MAP_SHARED, MADV_REMOVE, "EACCES" },
		{ "madvise MADV_WIPEONFORK", MAP_SHARED, MADV_WIPEONFORK, "EINVAL" },
		{ "madvise MADV_COLD", MAP_SHARED, MADV_COLD, "ok" },
		{ "madvise MADV_PAGEOUT", MAP_SHARED, MADV_PAGEOUT, "ok" },
		{ "madvise MADV_PAGEOUT private", MAP_PRIVATE, MADV_PAGEOUT, "ok" },
		{ "madvise MADV_FREE", MAP_SHARED, MADV_FREE, "EINVAL" },
	};
	for (const auto &x : advs) {
		int advice = x.advice;
		v.push_back({ x.name, x.want, with_map(x.flags, [&n, advice](Map &m) {
			if (madvise(m.get(), kPage, advice))
				return errname(errno);
			return n.same(m.get()) ? std::string("ok") : "not the page";
		}) });
	}
	// mm/mlock.c mlock_fixup(): VM_SPECIAL mappings are left alone.
	v.push_back({ "mlock", "ok", with_map(MAP_SHARED, [&n](Map &m) {
		if (mlock(m.get(), kPage))
			return errname(errno);
		munlock(m.get(), kPage);
		return n.same(m.get()) ? std::string("ok") : "not the page";
	}) });
	v.push_back({ "msync MS_SYNC|MS_INVALIDATE", "ok", with_map(MAP_SHARED, [](Map &m) {
		return res(msync(m.get(), kPage, MS_SYNC | MS_INVALIDATE));
	}) });
	// Stores through the mapping itself fault: SIGSEGV.
	v.push_back({ "store into the shared mapping", "SIGSEGV", with_map(MAP_SHARED, [](Map &m) {
		return in_child([&m] {
			*static_cast<volatile uint32_t *>(m.get()) = 0;
			return std::string("stored");
		});
	}) });
	v.push_back({ "store into the private mapping", "SIGSEGV", with_map(MAP_PRIVATE, [](Map &m) {
		return in_child([&m] {
			*static_cast<volatile uint32_t *>(m.get()) = 0;
			return std::string("stored");
		});
	}) });
	v.push_back({ "store into the mapping after mprotect fails", "SIGSEGV",
		      with_map(MAP_PRIVATE, [](Map &m) {
		return in_child([&m] {
			mprotect(m.get(), kPage, PROT_READ | PROT_WRITE);
			*static_cast<volatile uint64_t *>(m.get()) = ~0ULL;
			return std::string("stored");
		});
	}) });
	v.push_back({ "jump into the mapping", "SIGSEGV", with_map(MAP_SHARED, [](Map &m) {
		return in_child([&m] {
			reinterpret_cast<void (*)()>(m.get())();
			return std::string("returned");
		});
	}) });
	v.push_back({ "fork: the child reads the page", "ok", with_map(MAP_SHARED, [&n](Map &m) {
		return in_child([&n, &m] {
			return n.same(m.get()) ? std::string("ok") : "not the page";
		});
	}) });

	// --- writes through the kernel: /proc/pid/mem, ptrace, process_vm ---
	// The page is never VM_WRITE, and neither mapping is a COW mapping
	// (the shared one has no VM_MAYWRITE after do_mmap() on an O_RDONLY
	// file, the private one after exabond_mmap()), so mm/gup.c
	// check_vma_flags() refuses FOLL_WRITE even with FOLL_FORCE:
	// access_remote_vm() writes nothing, and fs/proc/base.c mem_rw()
	// returns EIO, kernel/ptrace.c generic_ptrace_pokedata() EIO;
	// process_vm_writev() (no FOLL_FORCE) gets EFAULT from
	// mm/process_vm_access.c process_vm_rw_pages().
	auto mem_write = [](pid_t pid, void *addr) {
		std::string path = "/proc/" + std::to_string(pid) + "/mem";
		Fd mem(open(path.c_str(), O_RDWR | O_CLOEXEC));
		uint64_t bad = ~0ULL;
		if (!mem.ok())
			return "open " + path + ": " + errname(errno);
		return res(pwrite(mem.get(), &bad, sizeof(bad),
				  off_t(reinterpret_cast<uintptr_t>(addr))));
	};
	auto vm_write = [](pid_t pid, void *addr) {
		uint64_t bad = ~0ULL;
		struct iovec local = { &bad, sizeof(bad) };
		struct iovec remote = { addr, sizeof(bad) };
		return res(process_vm_writev(pid, &local, 1, &remote, 1, 0));
	};
	for (int flags : { MAP_SHARED, MAP_PRIVATE }) {
		std::string kind = flags == MAP_SHARED ? "shared" : "private";
		v.push_back({ "/proc/self/mem write, " + kind, "EIO",
			      with_map(flags, [mem_write](Map &m) {
			return mem_write(getpid(), m.get());
		}) });
		v.push_back({ "/proc/self/mem write at page offset 2048, " + kind, "EIO",
			      with_map(flags, [mem_write](Map &m) {
			return mem_write(getpid(), static_cast<uint8_t *>(m.get()) + 2048);
		}) });
		v.push_back({ "process_vm_writev to self, " + kind, "EFAULT",
			      with_map(flags, [vm_write](Map &m) {
			return vm_write(getpid(), m.get());
		}) });
	}

	// A traced child maps the page both ways and stops; its parent pokes
	// at both mappings by every route, then the child checks its view.
	struct {
		const char *name;
		const char *want;
		int route;	// 0 POKEDATA, 1 POKETEXT, 2 /proc/pid/mem, 3 process_vm_writev
		bool shared;
	} routes[] = {
		{ "ptrace PTRACE_POKEDATA into the child's shared mapping", "EIO", 0, true },
		{ "ptrace PTRACE_POKEDATA into the child's private mapping", "EIO", 0, false },
		{ "ptrace PTRACE_POKETEXT into the child's shared mapping", "EIO", 1, true },
		{ "ptrace PTRACE_POKETEXT into the child's private mapping", "EIO", 1, false },
		{ "/proc/<child>/mem write, shared mapping", "EIO", 2, true },
		{ "/proc/<child>/mem write, private mapping", "EIO", 2, false },
		{ "process_vm_writev into the child, shared mapping", "EFAULT", 3, true },
		{ "process_vm_writev into the child, private mapping", "EFAULT", 3, false },
	};
	for (const auto &r : routes) {
		int route = r.route;
		bool shared = r.shared;
		v.push_back({ r.name, std::string(r.want) + ", child sees the page",
			      [&n, route, shared, mem_write, vm_write] {
			int p[2];
			if (pipe2(p, O_CLOEXEC))
				die("pipe");
			Fd rd(p[0]), wr(p[1]);
			Fd f = n.open_ro();
			fflush(stdout);
			pid_t pid = fork();
			if (pid < 0)
				die("fork");
			if (pid == 0) {
				Map m(mmap(nullptr, kPage, PROT_READ,
					   shared ? MAP_SHARED : MAP_PRIVATE,
					   f.get(), 0), kPage);
				void *addr = m.get();
				if (!m.ok() || write(wr.get(), &addr, sizeof(addr)) != sizeof(addr))
					_exit(3);
				if (ptrace(PTRACE_TRACEME, 0, nullptr, nullptr))
					_exit(4);
				raise(SIGSTOP);
				_exit(n.same(m.get()) ? 0 : 5);
			}
			wr.reset();
			void *addr = nullptr;
			if (read(rd.get(), &addr, sizeof(addr)) != sizeof(addr))
				return std::string("child did not map");
			int st;
			if (waitpid(pid, &st, 0) != pid || !WIFSTOPPED(st))
				return std::string("child did not stop");
			std::string got;
			switch (route) {
			case 0:
			case 1:
				got = res(ptrace(route ? PTRACE_POKETEXT : PTRACE_POKEDATA,
						 pid, addr, reinterpret_cast<void *>(~0UL)));
				break;
			case 2:
				got = mem_write(pid, addr);
				break;
			default:
				got = vm_write(pid, addr);
			}
			ptrace(PTRACE_CONT, pid, nullptr, nullptr);
			if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
				return got + ", child did not exit";
			return got + (WEXITSTATUS(st) ? ", child exit " +
				      std::to_string(WEXITSTATUS(st)) :
				      ", child sees the page");
		} });
	}

	// --- read ---
	// kmod/node.c exabond_read(): a buffer under 8 bytes is EINVAL; a
	// new file's first read returns the generation (8 bytes).
	for (size_t len = 0; len < 8; len++)
		v.push_back({ "read " + std::to_string(len) + " bytes", "EINVAL", [&n, len] {
			Fd f = n.open_ro();
			uint64_t b[2];
			return res(read(f.get(), b, len));
		} });
	auto read_gen = [&n](int fd, void *buf, size_t len) {
		ssize_t r = read(fd, buf, len);
		if (r < 0)
			return errname(errno);
		if (r != 8)
			return std::to_string(r) + " bytes";
		return n.is_generation(buf) ? std::string("8 bytes: the generation")
					    : "8 bytes: not the generation";
	};
	for (size_t len : { size_t(8), size_t(9), size_t(4096), size_t(1) << 20 })
		v.push_back({ "read " + std::to_string(len) + " bytes", "8 bytes: the generation",
			      [&n, len, read_gen] {
			Fd f = n.open_ro();
			std::vector<uint8_t> buf(len);
			return read_gen(f.get(), buf.data(), len);
		} });
	v.push_back({ "read into an unaligned buffer", "8 bytes: the generation", [&n, read_gen] {
		Fd f = n.open_ro();
		uint8_t buf[17];
		return read_gen(f.get(), buf + 1, 8);
	} });
	v.push_back({ "read again (O_NONBLOCK)", "EAGAIN", [&n] {
		Fd f = n.open_ro();
		uint64_t g;
		if (read(f.get(), &g, 8) != 8)
			return "first read: " + errname(errno);
		return res(read(f.get(), &g, 8));
	} });
	v.push_back({ "read again after ioctl FIONBIO", "EAGAIN", [&n] {
		Fd f = n.open_ro(0);
		uint64_t g;
		int on = 1;
		if (read(f.get(), &g, 8) != 8 || ioctl(f.get(), FIONBIO, &on))
			return "setup: " + errname(errno);
		return res(read(f.get(), &g, 8));
	} });
	// A failed copy must not count the generation as read.
	v.push_back({ "read into NULL, then a good read", "EFAULT, then 8 bytes: the generation",
		      [&n, read_gen] {
		Fd f = n.open_ro();
		uint64_t g;
		std::string first = res(raw_read(f.get(), nullptr, 8));
		return first + ", then " + read_gen(f.get(), &g, 8);
	} });
	v.push_back({ "read into the read-only page itself, then a good read",
		      "EFAULT, then 8 bytes: the generation", [&n, read_gen] {
		Fd f = n.open_ro();
		Map m(mmap(nullptr, kPage, PROT_READ, MAP_SHARED, f.get(), 0), kPage);
		uint64_t g;
		std::string first = res(read(f.get(), m.get(), 8));
		return first + ", then " + read_gen(f.get(), &g, 8);
	} });
	// fs/read_write.c vfs_read(): access_ok() of the whole length.
	v.push_back({ "read SIZE_MAX bytes", "EFAULT", [&n] {
		Fd f = n.open_ro();
		uint64_t g;
		return res(raw_read(f.get(), &g, SIZE_MAX));
	} });
	// Blocking read, interrupted by a signal without SA_RESTART
	// (kmod/node.c: wait_event_interruptible).
	v.push_back({ "blocking read interrupted by a signal", "EINTR", [&n] {
		Fd f = n.open_ro(0);
		uint64_t g;
		if (read(f.get(), &g, 8) != 8)
			return "first read: " + errname(errno);
		struct sigaction sa = {}, old;
		sa.sa_handler = on_tick;
		sigaction(SIGALRM, &sa, &old);
		struct itimerval it = { { 0, 50000 }, { 0, 50000 } }, off = {};
		setitimer(ITIMER_REAL, &it, nullptr);
		std::string r = res(read(f.get(), &g, 8));
		setitimer(ITIMER_REAL, &off, nullptr);
		sigaction(SIGALRM, &old, nullptr);
		return r;
	} });
	// readv has no ->read_iter to go to: fs/read_write.c
	// do_loop_readv_writev() calls ->read once per iovec, and stops at
	// the first error or short read; an empty vector never reaches it
	// (do_iter_read()).
	auto readv_lens = [&n](std::vector<size_t> lens, int rwf, bool pos_minus1) {
		return [&n, lens, rwf, pos_minus1] {
			Fd f = n.open_ro();
			std::vector<std::vector<uint8_t>> bufs;
			std::vector<struct iovec> iov;
			for (size_t l : lens) {
				bufs.emplace_back(l + 8);
				iov.push_back({ bufs.back().data(), l });
			}
			ssize_t r = pos_minus1 ? preadv2(f.get(), iov.data(), iov.size(), -1, rwf)
					       : readv(f.get(), iov.data(), iov.size());
			if (r < 0)
				return errname(errno);
			if (r != 8)
				return std::to_string(r) + " bytes";
			return n.is_generation(bufs[0].data()) ? std::string("8 bytes: the generation")
							       : "8 bytes: not the generation";
		};
	};
	v.push_back({ "readv 4+4", "EINVAL", readv_lens({ 4, 4 }, 0, false) });
	v.push_back({ "readv 8", "8 bytes: the generation", readv_lens({ 8 }, 0, false) });
	v.push_back({ "readv 8+8 (O_NONBLOCK)", "8 bytes: the generation", readv_lens({ 8, 8 }, 0, false) });
	v.push_back({ "readv no iovec", "0 bytes", readv_lens({}, 0, false) });
	v.push_back({ "readv one empty iovec", "0 bytes", readv_lens({ 0 }, 0, false) });
	// preadv2 at -1 is readv (fs/read_write.c); flags other than
	// RWF_HIPRI are refused by do_loop_readv_writev().
	v.push_back({ "preadv2 -1 8", "8 bytes: the generation", readv_lens({ 8 }, 0, true) });
	v.push_back({ "preadv2 -1 RWF_HIPRI", "8 bytes: the generation", readv_lens({ 8 }, RWF_HIPRI, true) });
	v.push_back({ "preadv2 -1 RWF_NOWAIT", "EOPNOTSUPP", readv_lens({ 8 }, RWF_NOWAIT, true) });
	v.push_back({ "preadv2 -1 RWF_APPEND", "EOPNOTSUPP", readv_lens({ 8 }, RWF_APPEND, true) });
	// Positioned reads: stream_open() (kmod/node.c) clears FMODE_PREAD,
	// so fs/read_write.c ksys_pread64() says ESPIPE; a negative position
	// is EINVAL before the file is looked at.
	for (off_t pos : { off_t(0), off_t(8), off_t(pg), off_t(1) << 40 })
		v.push_back({ "pread at " + std::to_string(pos), "ESPIPE", [&n, pos] {
			Fd f = n.open_ro();
			uint64_t g;
			return res(pread(f.get(), &g, 8, pos));
		} });
	v.push_back({ "pread at -1", "EINVAL", [&n] {
		Fd f = n.open_ro();
		uint64_t g;
		return res(pread(f.get(), &g, 8, -1));
	} });
	v.push_back({ "preadv at 0", "ESPIPE", [&n] {
		Fd f = n.open_ro();
		uint64_t g;
		struct iovec iov = { &g, 8 };
		return res(preadv(f.get(), &iov, 1, 0));
	} });

	// --- write and everything else that needs write access ---
	// fs/read_write.c vfs_write(): not open for writing (EBADF);
	// ksys_pwrite64()/do_pwritev() look at FMODE_PWRITE first (ESPIPE).
	for (size_t len : { size_t(0), size_t(1), size_t(8), kPage })
		v.push_back({ "write " + std::to_string(len) + " bytes", "EBADF", [&n, len] {
			Fd f = n.open_ro();
			std::vector<uint8_t> buf(len + 1, 0xff);
			return res(write(f.get(), buf.data(), len));
		} });
	v.push_back({ "writev", "EBADF", [&n] {
		Fd f = n.open_ro();
		uint64_t g = 0;
		struct iovec iov = { &g, 8 };
		return res(writev(f.get(), &iov, 1));
	} });
	v.push_back({ "pwrite at 0", "ESPIPE", [&n] {
		Fd f = n.open_ro();
		uint64_t g = 0;
		return res(pwrite(f.get(), &g, 8, 0));
	} });
	v.push_back({ "pwrite at -1", "EINVAL", [&n] {
		Fd f = n.open_ro();
		uint64_t g = 0;
		return res(pwrite(f.get(), &g, 8, -1));
	} });
	v.push_back({ "pwritev at 0", "ESPIPE", [&n] {
		Fd f = n.open_ro();
		uint64_t g = 0;
		struct iovec iov = { &g, 8 };
		return res(pwritev(f.get(), &iov, 1, 0));
	} });
	// fs/open.c do_sys_ftruncate(), vfs_truncate(): not a regular file.
	v.push_back({ "ftruncate", "EINVAL", [&n] {
		Fd f = n.open_ro();
		return res(ftruncate(f.get(), 0));
	} });
	v.push_back({ "truncate (path)", "EINVAL", [p] { return res(truncate(p.c_str(), 0)); } });
	// fs/open.c vfs_fallocate(): not open for writing.
	v.push_back({ "fallocate", "EBADF", [&n] {
		Fd f = n.open_ro();
		return res(fallocate(f.get(), 0, 0, kPage));
	} });
	// fs/sync.c vfs_fsync_range(): no ->fsync.
	v.push_back({ "fsync", "EINVAL", [&n] {
		Fd f = n.open_ro();
		return res(fsync(f.get()));
	} });
	v.push_back({ "fdatasync", "EINVAL", [&n] {
		Fd f = n.open_ro();
		return res(fdatasync(f.get()));
	} });
	// fs/splice.c do_splice_to(): no ->splice_read; do_splice(): an
	// input offset on a file without FMODE_PREAD. Both EINVAL.
	v.push_back({ "splice to a pipe", "EINVAL", [&n] {
		Fd f = n.open_ro();
		int pp[2];
		if (pipe2(pp, O_CLOEXEC))
			die("pipe");
		Fd r(pp[0]), w(pp[1]);
		return res(splice(f.get(), nullptr, w.get(), nullptr, 8, 0));
	} });
	v.push_back({ "splice to a pipe at offset 0", "EINVAL", [&n] {
		Fd f = n.open_ro();
		int pp[2];
		if (pipe2(pp, O_CLOEXEC))
			die("pipe");
		Fd r(pp[0]), w(pp[1]);
		loff_t off = 0;
		return res(splice(f.get(), &off, w.get(), nullptr, 8, 0));
	} });
	v.push_back({ "sendfile to /dev/null", "EINVAL", [&n] {
		Fd f = n.open_ro();
		Fd out(open("/dev/null", O_WRONLY | O_CLOEXEC));
		return res(sendfile(out.get(), f.get(), nullptr, 8));
	} });
	// fs/read_write.c generic_file_rw_checks(): not regular files.
	v.push_back({ "copy_file_range to a memfd", "EINVAL", [&n] {
		Fd f = n.open_ro();
		Fd out(memfd_create("hostile", MFD_CLOEXEC));
		return res(copy_file_range(f.get(), nullptr, out.get(), nullptr, 8, 0));
	} });
	// fs/fcntl.c setfl(): no direct I/O here either.
	v.push_back({ "fcntl F_SETFL O_DIRECT", "EINVAL", [&n] {
		Fd f = n.open_ro();
		return res(fcntl(f.get(), F_SETFL, O_DIRECT));
	} });
	// lseek: kmod/node.c no_llseek; fs/read_write.c ksys_lseek() refuses
	// an unknown whence before asking the file.
	for (int whence : { SEEK_SET, SEEK_CUR, SEEK_END, SEEK_DATA, SEEK_HOLE })
		v.push_back({ "lseek whence " + std::to_string(whence), "ESPIPE", [&n, whence] {
			Fd f = n.open_ro();
			return res(lseek(f.get(), 0, whence));
		} });
	for (int whence : { 5, 1000 })
		v.push_back({ "lseek whence " + std::to_string(whence), "EINVAL", [&n, whence] {
			Fd f = n.open_ro();
			return res(lseek(f.get(), 0, whence));
		} });

	// --- ioctl ---
	// kmod/node.c has no ioctl: fs/ioctl.c vfs_ioctl() says ENOTTY for
	// every number the VFS does not handle itself (do_vfs_ioctl()). The
	// numbers it does handle are left out of the spread, and a few of
	// them are tried on their own below.
	const unsigned vfs_own[] = {
		FIOCLEX, FIONCLEX, FIONBIO, FIOASYNC, FIOQSIZE, FIFREEZE, FITHAW,
		FS_IOC_FIEMAP, FIGETBSZ, FICLONE, FICLONERANGE, FIDEDUPERANGE,
		FS_IOC_GETFLAGS, FS_IOC_SETFLAGS, FS_IOC_FSGETXATTR,
		FS_IOC_FSSETXATTR,
	};
	std::vector<unsigned> cmds;
	for (unsigned dir : { _IOC_NONE, _IOC_READ, _IOC_WRITE, _IOC_READ | _IOC_WRITE })
		for (unsigned type : { 0x00u, unsigned('E'), unsigned('x'), 0x89u, 0xffu })
			for (unsigned nr : { 0u, 1u, 0x80u, 0xffu })
				for (unsigned size : { 0u, 8u, 0x3fffu }) {
					if ((dir == _IOC_NONE) != (size == 0))
						continue;
					cmds.push_back(_IOC(dir, type, nr, size));
				}
	for (unsigned c : { 0xffffffffu, 0x80000000u, unsigned(TCGETS), unsigned(TIOCGWINSZ),
			    unsigned(SIOCGIFFLAGS), unsigned(SIOCBONDENSLAVE), unsigned(FIONREAD) })
		cmds.push_back(c);
	for (unsigned c : cmds) {
		bool skip = false;
		for (unsigned o : vfs_own)
			skip = skip || c == o;
		if (skip)
			continue;
		v.push_back({ "ioctl " + hex(c), "ENOTTY", [&n, c] {
			Fd f = n.open_ro();
			static uint8_t arg[0x4000];
			return res(ioctl(f.get(), c, arg));
		} });
	}
	for (unsigned long arg : { 0UL, 0xdeadbeefUL, ~0UL })
		v.push_back({ "ioctl _IOWR('E', 1, 64) with arg " + hex(unsigned(arg)), "ENOTTY", [&n, arg] {
			Fd f = n.open_ro();
			return res(ioctl(f.get(), _IOWR('E', 1, uint8_t[64]), arg));
		} });
	// Handled by the VFS alone (fs/ioctl.c do_vfs_ioctl()): FIOQSIZE only
	// for files, directories and links; FIOCLEX acts on the fd.
	v.push_back({ "ioctl FIOQSIZE", "ENOTTY", [&n] {
		Fd f = n.open_ro();
		loff_t q;
		return res(ioctl(f.get(), FIOQSIZE, &q));
	} });
	v.push_back({ "ioctl FIOCLEX", "ok", [&n] {
		Fd f = n.open_ro();
		return res(ioctl(f.get(), FIOCLEX));
	} });
	// fs/ioctl.c ioctl_fioasync(): no ->fasync.
	v.push_back({ "ioctl FIOASYNC on", "ENOTTY", [&n] {
		Fd f = n.open_ro();
		int on = 1;
		return res(ioctl(f.get(), FIOASYNC, &on));
	} });

	// --- poll, epoll, select ---
	// kmod/node.c exabond_poll(): EPOLLIN|EPOLLRDNORM while this file has
	// not read the current generation, nothing else while the bond
	// lives; fs/select.c masks with the requested events (plus ERR|HUP).
	auto poll_once = [&n](short events, bool observed) {
		return [&n, events, observed] {
			Fd f = n.open_ro();
			uint64_t g;
			if (observed && read(f.get(), &g, 8) != 8)
				return "first read: " + errname(errno);
			struct pollfd fds[2] = { { -1, POLLIN, 0 }, { f.get(), events, 0 } };
			int r = poll(fds, 2, 0);
			if (r < 0)
				return errname(errno);
			return std::to_string(r) + " revents " + hex(unsigned(fds[1].revents));
		};
	};
	struct {
		const char *name;
		short events;
		bool observed;
		const char *want;
	} polls[] = {
		{ "poll POLLIN, new file", POLLIN, false, "1 revents 0x1" },
		{ "poll POLLRDNORM, new file", POLLRDNORM, false, "1 revents 0x40" },
		{ "poll all 16 bits, new file", short(0xffff), false, "1 revents 0x41" },
		{ "poll no events, new file", 0, false, "0 revents 0x0" },
		{ "poll POLLOUT|POLLWRNORM|POLLWRBAND, new file", POLLOUT | POLLWRNORM | POLLWRBAND, false, "0 revents 0x0" },
		{ "poll POLLPRI, new file", POLLPRI, false, "0 revents 0x0" },
		{ "poll POLLRDHUP, new file", POLLRDHUP, false, "0 revents 0x0" },
		{ "poll POLLRDBAND|POLLMSG, new file", POLLRDBAND | POLLMSG, false, "0 revents 0x0" },
		{ "poll POLLIN, generation read", POLLIN, true, "0 revents 0x0" },
		{ "poll all 16 bits, generation read", short(0xffff), true, "0 revents 0x0" },
	};
	for (const auto &x : polls)
		v.push_back({ x.name, x.want, poll_once(x.events, x.observed) });
	auto epoll_twice = [&n](uint32_t events) {
		return [&n, events] {
			Fd f = n.open_ro();
			Fd ep(epoll_create1(EPOLL_CLOEXEC));
			struct epoll_event ev = {}, out[2];
			ev.events = events;
			if (epoll_ctl(ep.get(), EPOLL_CTL_ADD, f.get(), &ev))
				return errname(errno);
			int a = epoll_wait(ep.get(), out, 2, 0);
			unsigned got = a > 0 ? out[0].events : 0;
			int b = epoll_wait(ep.get(), out, 2, 0);
			return std::to_string(a) + " " + hex(got) + ", then " + std::to_string(b);
		};
	};
	v.push_back({ "epoll EPOLLIN (level)", "1 0x1, then 1", epoll_twice(EPOLLIN) });
	v.push_back({ "epoll EPOLLIN|EPOLLET", "1 0x1, then 0", epoll_twice(EPOLLIN | EPOLLET) });
	v.push_back({ "epoll EPOLLIN|EPOLLONESHOT", "1 0x1, then 0", epoll_twice(EPOLLIN | EPOLLONESHOT) });
	v.push_back({ "epoll EPOLLIN|EPOLLEXCLUSIVE", "1 0x1, then 1", epoll_twice(EPOLLIN | EPOLLEXCLUSIVE) });
	v.push_back({ "epoll EPOLLOUT|EPOLLPRI", "0 0x0, then 0", epoll_twice(EPOLLOUT | EPOLLPRI) });
	v.push_back({ "epoll no events", "0 0x0, then 0", epoll_twice(0) });
	v.push_back({ "select read, write and except sets, new file", "1: read", [&n] {
		Fd f = n.open_ro();
		fd_set r, w, e;
		FD_ZERO(&r);
		FD_ZERO(&w);
		FD_ZERO(&e);
		FD_SET(f.get(), &r);
		FD_SET(f.get(), &w);
		FD_SET(f.get(), &e);
		struct timeval tv = {};
		int k = select(f.get() + 1, &r, &w, &e, &tv);
		if (k < 0)
			return errname(errno);
		std::string s = std::to_string(k) + ":";
		if (FD_ISSET(f.get(), &r))
			s += " read";
		if (FD_ISSET(f.get(), &w))
			s += " write";
		if (FD_ISSET(f.get(), &e))
			s += " except";
		return s;
	} });

	// --- and after all that, the ordinary reader still works ---
	v.push_back({ "a good open, read and map at the end", "8 bytes: the generation, page", [&n, read_gen] {
		Fd f = n.open_ro();
		uint64_t g;
		std::string r = read_gen(f.get(), &g, 8);
		Map m(mmap(nullptr, kPage, PROT_READ, MAP_SHARED, f.get(), 0), kPage);
		return r + (m.ok() && n.same(m.get()) ? ", page" : ", no page");
	} });
	return v;
}

} // namespace

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: exabond-hostile NODE...\n");
		return 1;
	}
	// The child that stores into the mapping dies of SIGSEGV on purpose;
	// a write to a closed pipe must be an error, not a death.
	signal(SIGPIPE, SIG_IGN);

	std::vector<Node> nodes;
	for (int i = 1; i < argc; i++)
		nodes.emplace_back(argv[i]);
	Runner runner(nodes);
	for (const Node &n : nodes)
		for (const Abuse &a : abuses(n))
			runner.run(n, a);
	return runner.summary();
}
