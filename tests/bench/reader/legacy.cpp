// SPDX-License-Identifier: GPL-2.0
//
// sysfs, procfs and rtnetlink readers of the active member (legacy.hpp).
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <fcntl.h>
#include <net/if.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "legacy.hpp"

namespace bench {

namespace {

[[noreturn]] void fail(const std::string &what)
{
	throw std::runtime_error(what + ": " + std::strerror(errno));
}

// Copies the name that starts at @p and ends at a newline or @end.
int take_name(const char *p, const char *end, char *name, std::size_t size)
{
	const char *nl = static_cast<const char *>(memchr(p, '\n', end - p));
	std::size_t n = (nl ? nl : end) - p;

	if (n >= size)
		return -ENAMETOOLONG;
	std::memcpy(name, p, n);
	name[n] = '\0';
	return int(n);
}

constexpr std::size_t rtnl_buf_size = 32768;

} // namespace

SysfsAttr::SysfsAttr(const std::string &path)
{
	fd_ = open(path.c_str(), O_RDONLY | O_CLOEXEC);
	if (fd_ < 0)
		fail("open " + path);
}

SysfsAttr::~SysfsAttr()
{
	if (fd_ >= 0)
		close(fd_);
}

int SysfsAttr::read(char *name, std::size_t size) noexcept
{
	char buf[64];
	ssize_t n = pread(fd_, buf, sizeof(buf), 0);

	if (n < 0)
		return -errno;
	return take_name(buf, buf + n, name, size);
}

ProcNetBonding::ProcNetBonding(const std::string &bond)
	: path_("/proc/net/bonding/" + bond)
{
	char name[IFNAMSIZ];

	if (read(name, sizeof(name)) < 0)
		fail("read " + path_);
}

int ProcNetBonding::read(char *name, std::size_t size) noexcept
{
	static const char key[] = "Currently Active Slave: ";
	int fd = open(path_.c_str(), O_RDONLY | O_CLOEXEC);
	std::size_t len = 0;
	ssize_t n;

	if (fd < 0)
		return -errno;
	while ((n = ::read(fd, buf_ + len, sizeof(buf_) - 1 - len)) > 0)
		len += std::size_t(n);
	const int err = n < 0 ? errno : 0;

	close(fd);
	if (err)
		return -err;
	buf_[len] = '\0';
	const char *p = std::strstr(buf_, key);

	if (!p)
		return -ENOENT;
	p += sizeof(key) - 1;
	int r = take_name(p, buf_ + len, name, size);

	// bonding prints "None" when there is no active member.
	if (r >= 0 && !std::strcmp(name, "None")) {
		name[0] = '\0';
		r = 0;
	}
	return r;
}

RtnlGetLink::RtnlGetLink(const std::string &ifname)
{
	ifindex_ = int(if_nametoindex(ifname.c_str()));
	if (!ifindex_)
		fail("if_nametoindex " + ifname);
	nl_ = mnl_socket_open(NETLINK_ROUTE);
	if (!nl_)
		fail("mnl_socket_open");
	if (mnl_socket_bind(nl_, 0, MNL_SOCKET_AUTOPID) < 0) {
		mnl_socket_close(nl_);
		fail("mnl_socket_bind");
	}
	portid_ = mnl_socket_get_portid(nl_);
	buf_ = new char[rtnl_buf_size];
	if (read() < 0) {
		const int e = errno;

		delete[] buf_;
		mnl_socket_close(nl_);
		errno = e;
		fail("RTM_GETLINK " + ifname);
	}
}

RtnlGetLink::~RtnlGetLink()
{
	delete[] buf_;
	if (nl_)
		mnl_socket_close(nl_);
}

namespace {

struct Parse {
	const nlattr *linkinfo = nullptr;
	const nlattr *info_data = nullptr;
	int active = 0;
};

int link_attr(const nlattr *a, void *data)
{
	auto *p = static_cast<Parse *>(data);

	if (mnl_attr_get_type(a) == IFLA_LINKINFO &&
	    mnl_attr_validate(a, MNL_TYPE_NESTED) >= 0)
		p->linkinfo = a;
	return MNL_CB_OK;
}

int linkinfo_attr(const nlattr *a, void *data)
{
	auto *p = static_cast<Parse *>(data);

	if (mnl_attr_get_type(a) == IFLA_INFO_DATA &&
	    mnl_attr_validate(a, MNL_TYPE_NESTED) >= 0)
		p->info_data = a;
	return MNL_CB_OK;
}

int bond_attr(const nlattr *a, void *data)
{
	auto *p = static_cast<Parse *>(data);

	if (mnl_attr_get_type(a) == IFLA_BOND_ACTIVE_SLAVE &&
	    mnl_attr_validate(a, MNL_TYPE_U32) >= 0)
		p->active = int(mnl_attr_get_u32(a));
	return MNL_CB_OK;
}

int link_msg(const nlmsghdr *nlh, void *data)
{
	auto *p = static_cast<Parse *>(data);

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(ifinfomsg), link_attr, p);
	if (p->linkinfo)
		mnl_attr_parse_nested(p->linkinfo, linkinfo_attr, p);
	if (p->info_data)
		mnl_attr_parse_nested(p->info_data, bond_attr, p);
	return MNL_CB_OK;
}

} // namespace

int RtnlGetLink::read() noexcept
{
	nlmsghdr *nlh = mnl_nlmsg_put_header(buf_);

	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = ++seq_;
	auto *ifm = static_cast<ifinfomsg *>(
		mnl_nlmsg_put_extra_header(nlh, sizeof(ifinfomsg)));
	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = ifindex_;
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	if (mnl_socket_sendto(nl_, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	ssize_t n = mnl_socket_recvfrom(nl_, buf_, rtnl_buf_size);

	if (n < 0)
		return -errno;
	reply_bytes_ = std::size_t(n);
	Parse p;

	if (mnl_cb_run(buf_, std::size_t(n), seq_, portid_, link_msg, &p) < 0)
		return errno ? -errno : -EIO;
	return p.active;
}

} // namespace bench
