// SPDX-License-Identifier: GPL-2.0
//
// exabond.ko's control file, /sys/class/net/exabond_masters: which bonds
// are managed, managing and releasing one, and opening a managed bond's
// page with the failure turned into an exit code and a sentence.
#ifndef EXABOND_CTL_CONTROL_FILE_HPP
#define EXABOND_CTL_CONTROL_FILE_HPP

#include <string>
#include <vector>

#include <exabond/bond.hpp>

namespace exabond::ctl {

extern const char *const control_file_path;	// /sys/class/net/exabond_masters
extern const char *const module_sysfs_path;	// /sys/module/exabond

bool module_loaded();

// The managed bonds of this network namespace, as the control file lists
// them. Throws Failure (EXIT_NOT_FOUND) when the module is not loaded.
std::vector<std::string> managed_bonds();

// Bond::open(@name), or a Failure saying why in the operator's terms:
// module not loaded, no such interface, not managed (3), other (5).
Bond open_managed(const std::string &name);

// One write(2) of "+name" or "-name"; returns 0 or the errno.
int control_write(char op, const std::string &name);

// What the control file's errno means for "+"/"-", in one line.
std::string control_error_text(char op, const std::string &name, int err);

} // namespace exabond::ctl

#endif // EXABOND_CTL_CONTROL_FILE_HPP
