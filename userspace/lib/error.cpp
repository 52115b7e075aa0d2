// SPDX-License-Identifier: GPL-2.0
#include <exabond/error.hpp>

namespace exabond {

Error::Error(std::string op, std::string path, int err, std::string detail)
	: std::system_error(err, std::generic_category()),
	  op_(std::move(op)), path_(std::move(path)), detail_(std::move(detail))
{
	what_ = "exabond: " + op_;
	if (!path_.empty())
		what_ += " " + path_;
	what_ += ": ";
	what_ += std::generic_category().message(err);
	if (!detail_.empty())
		what_ += " (" + detail_ + ")";
}

} // namespace exabond
