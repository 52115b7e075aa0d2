// SPDX-License-Identifier: GPL-2.0
//
// The subcommands, as the table in cli.cpp calls them. Each parses its own
// operands (cli.hpp's take_options() for the options) and returns an exit
// code, or throws UsageError or Failure.
#ifndef EXABOND_CTL_COMMANDS_HPP
#define EXABOND_CTL_COMMANDS_HPP

#include "cli.hpp"

namespace exabond::ctl {

int cmd_status(Context &ctx, const Args &args);		// status.cpp
int cmd_watch(Context &ctx, const Args &args);		// watch.cpp
int cmd_check(Context &ctx, const Args &args);		// check.cpp
int cmd_manage(Context &ctx, const Args &args);		// control_file.cpp
int cmd_unmanage(Context &ctx, const Args &args);	// control_file.cpp
int cmd_policy(Context &ctx, const Args &args);		// policy_params.cpp
int cmd_create(Context &ctx, const Args &args);		// netlink_admin.cpp
int cmd_enslave(Context &ctx, const Args &args);	// netlink_admin.cpp
int cmd_release(Context &ctx, const Args &args);	// netlink_admin.cpp

} // namespace exabond::ctl

#endif // EXABOND_CTL_COMMANDS_HPP
