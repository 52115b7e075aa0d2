// SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note
//
// exabond::Error: what libexabond throws when opening, mapping or creating
// a page fails. It carries the step that failed, the path it failed on and
// the errno, and its what() reads as one log line:
//
//   exabond: open /dev/exabond-bond0: No such file or directory (bond0 is
//   not managed in this network namespace: echo +bond0 >
//   /sys/class/net/exabond_masters)
//
// Nothing on the read path throws: the hot word, the generation,
// snapshot() and the waits report through return values.
#ifndef EXABOND_ERROR_HPP
#define EXABOND_ERROR_HPP

#include <string>
#include <system_error>

#include <exabond/export.hpp>

namespace exabond {

class EXABOND_API Error : public std::system_error {
public:
	// @op: the step ("open", "mmap", "validate"...); @path: what it was
	// applied to; @err: errno (EPROTO for a page that fails validation);
	// @detail: why, in words, when errno alone does not say it.
	Error(std::string op, std::string path, int err, std::string detail = {});

	const std::string &op() const noexcept { return op_; }
	const std::string &path() const noexcept { return path_; }
	int errno_value() const noexcept { return code().value(); }
	const std::string &detail() const noexcept { return detail_; }
	const char *what() const noexcept override { return what_.c_str(); }

private:
	std::string what_;
	std::string op_;
	std::string path_;
	std::string detail_;
};

} // namespace exabond

#endif // EXABOND_ERROR_HPP
