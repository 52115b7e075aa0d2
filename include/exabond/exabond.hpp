// SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note
//
// libexabond: everything a reader of exabond pages needs.
//
//   exabond/page.h      the page ABI (C)
//   exabond/reader.h    the C reader: hot loads, snapshot, map
//   exabond/names.hpp   enum names as iproute2 spells them
//   exabond/snapshot.hpp  exabond::Snapshot, exabond::Member
//   exabond/bond.hpp    exabond::Bond: open, hot path, waits
//   exabond/error.hpp   exabond::Error
//   exabond/export.hpp  EXABOND_API, the exported interface
//   exabond/writer.hpp  exabond::PageWriter, for user-space publishers
#ifndef EXABOND_EXABOND_HPP
#define EXABOND_EXABOND_HPP

#include <exabond/bond.hpp>
#include <exabond/error.hpp>
#include <exabond/names.hpp>
#include <exabond/snapshot.hpp>
#include <exabond/writer.hpp>

#endif // EXABOND_EXABOND_HPP
