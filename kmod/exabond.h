/* SPDX-License-Identifier: GPL-2.0 */
/*
 * exabond.ko internal interfaces. Each concept lives in the file named for
 * it; this header is only the glue between them.
 */
#ifndef _EXABOND_H
#define _EXABOND_H

/* control.c: /sys/class/net/exabond_masters in every network namespace. */
int exabond_control_init(void);
void exabond_control_exit(void);

#endif /* _EXABOND_H */
