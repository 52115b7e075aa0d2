// SPDX-License-Identifier: GPL-2.0
/*
 * For the VM harness self-test only: raises one kernel warning on load, so
 * the self-test can prove that a warning in the guest fails the test during
 * which it happened. Never installed, never loaded outside that test.
 */
#include <linux/module.h>
#include <linux/bug.h>

static int __init exabond_vm_selftest_init(void)
{
	WARN(1, "exabond VM harness self-test: a deliberate warning\n");
	return 0;
}

static void __exit exabond_vm_selftest_exit(void)
{
}

module_init(exabond_vm_selftest_init);
module_exit(exabond_vm_selftest_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("exabond VM harness self-test: deliberate kernel warning");
