// SPDX-License-Identifier: GPL-2.0
//
// A file descriptor owned by one object and closed when it goes: the one
// RAII fd of libexabond, exabond-monitor and exabondctl (libcamera's
// UniqueFD is the model). Move-only.
#ifndef EXABOND_LIB_UNIQUE_FD_HPP
#define EXABOND_LIB_UNIQUE_FD_HPP

#include <unistd.h>

namespace exabond::detail {

class UniqueFd {
public:
	UniqueFd() noexcept = default;
	explicit UniqueFd(int fd) noexcept : fd_(fd) {}
	UniqueFd(UniqueFd &&o) noexcept : fd_(o.release()) {}
	UniqueFd &operator=(UniqueFd &&o) noexcept
	{
		reset(o.release());
		return *this;
	}
	UniqueFd(const UniqueFd &) = delete;
	UniqueFd &operator=(const UniqueFd &) = delete;
	~UniqueFd() { reset(); }

	int get() const noexcept { return fd_; }
	bool valid() const noexcept { return fd_ >= 0; }

	// Closes what it holds and takes @fd.
	void reset(int fd = -1) noexcept
	{
		if (fd_ >= 0 && fd_ != fd)
			::close(fd_);
		fd_ = fd;
	}

	// Gives the descriptor up without closing it.
	int release() noexcept
	{
		int fd = fd_;

		fd_ = -1;
		return fd;
	}

private:
	int fd_ = -1;
};

} // namespace exabond::detail

#endif // EXABOND_LIB_UNIQUE_FD_HPP
