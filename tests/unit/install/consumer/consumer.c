// SPDX-License-Identifier: GPL-2.0
//
// consumer_c FILE: the C reader on a page file: prints "<bond> <active
// ifindex> <generation> <members>".
#include <stdio.h>

#include <exabond/reader.h>

int main(int argc, char **argv)
{
	const struct exabond_page *pg;
	struct exabond_page snap;
	const char *why;
	int fd;

	if (argc != 2)
		return 2;
	pg = exabond_map(argv[1], &fd, &why);
	if (!pg) {
		perror(why);
		return 1;
	}
	if (exabond_snapshot(pg, &snap, &why)) {
		fprintf(stderr, "snapshot: %s\n", why);
		return 1;
	}
	printf("%s %u %llu %u\n", snap.bond.name, exabond_active_ifindex(pg),
	       (unsigned long long)exabond_generation(pg),
	       snap.bond.member_count);
	exabond_unmap(pg, fd);
	return 0;
}
