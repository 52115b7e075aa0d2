// SPDX-License-Identifier: GPL-2.0
/*
 * The node of a managed bond: a character device whose one page of state is
 * mapped read-only, and whose file descriptor reports changes.
 *
 * Names. /dev/exabond-<bond> for a bond in the initial network namespace
 * (the Exasock name); /dev/exabond-<bond>:<netns> for a bond in any other
 * namespace, where <netns> is the namespace's inode number (the one
 * `readlink /proc/self/ns/net` and `stat -L -c %i` show). No interface name
 * can contain ':', so the names never collide. Every node also has, in
 * /sys/class/exabond/<node>/, the attributes bond (current name), ifindex
 * and netns, and the same three in its uevent (EXABOND_BOND,
 * EXABOND_IFINDEX, EXABOND_NETNS), so a program or a udev rule can find the
 * node of its bond. The node is renamed when the bond is; open files and
 * mappings are unaffected.
 *
 * Numbers. A char device region of our own with EXABOND_MINORS minors, far
 * past the 128 dynamic misc minors, served by one cdev; open() finds the
 * bond by minor.
 *
 * Lifetime. The struct device is only the name in /dev and sysfs: it comes
 * and goes with management and renames. The bond's exabond_managed is
 * refcounted (exabond_get/put): management holds one reference and every
 * open file one more, and a mapping holds its file. The page itself has
 * one more reference per mapping (vm_insert_page), so it is never freed
 * under a process that maps it.
 *
 * File semantics:
 *	open	O_RDONLY only, else EACCES.
 *	mmap	exactly one page at offset 0 (else EINVAL), shared or private,
 *		never writable or executable (EACCES); VM_MAYWRITE and
 *		VM_MAYEXEC are cleared, so mprotect() cannot add either later.
 *	read	8 bytes: the current generation, which this file then counts
 *		as observed. A new file has observed nothing, so its first read
 *		returns at once. Later reads block until the generation moves
 *		(EAGAIN with O_NONBLOCK). A buffer under 8 bytes is EINVAL.
 *		Once the bond is released or deleted and its final generation
 *		has been read, read returns 0 (end of file).
 *	poll	EPOLLIN when the generation differs from what this file last
 *		read; EPOLLHUP once the bond is released or deleted.
 *	ioctl	none (ENOTTY). lseek: ESPIPE.
 */
#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <net/net_namespace.h>

#include "exabond.h"

#define EXABOND_MINORS	BIT(16)

static dev_t exabond_devt;
static struct cdev exabond_cdev;	/* one for the whole region */
static struct class *exabond_class;

/*
 * Minor -> managed bond, for open(). A bond is in here exactly while it has
 * a node; management holds a reference on it for all that time, so open
 * can take its own under the lock. Not RTNL: open must not wait for it.
 */
static DEFINE_MUTEX(exabond_minors_lock);
static DEFINE_IDR(exabond_minors);

/* One open file: which bond, and the generation it last read. */
struct exabond_file {
	struct exabond_managed *m;
	u64 observed;
};

static inline u64 exabond_generation(const struct exabond_managed *m)
{
	return READ_ONCE(m->pg->generation);
}

/* Pairs with the smp_store_release() in exabond_publish_final(). */
static inline bool exabond_dead(const struct exabond_managed *m)
{
	return smp_load_acquire(&m->dead);	/* then the final generation */
}

static int exabond_open(struct inode *inode, struct file *filp)
{
	struct exabond_managed *m;
	struct exabond_file *f;

	if ((filp->f_flags & O_ACCMODE) != O_RDONLY)
		return -EACCES;

	f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return -ENOMEM;

	mutex_lock(&exabond_minors_lock);
	m = idr_find(&exabond_minors, iminor(inode));
	if (m)
		exabond_get(m);
	mutex_unlock(&exabond_minors_lock);
	if (!m) {
		kfree(f);
		return -ENXIO;	/* the node was removed as we opened it */
	}

	f->m = m;
	filp->private_data = f;
	return stream_open(inode, filp);
}

/* The file's reference keeps the bond's page for its mappings, too. */
static int exabond_release_file(struct inode *inode, struct file *filp)
{
	struct exabond_file *f = filp->private_data;

	exabond_put(f->m);
	kfree(f);
	return 0;
}

/* True when a read has something to return: a new generation, or EOF. */
static bool exabond_readable(struct exabond_file *f, u64 *gen, bool *dead)
{
	*dead = exabond_dead(f->m);
	*gen = exabond_generation(f->m);
	return *gen != READ_ONCE(f->observed) || *dead;
}

static ssize_t exabond_read(struct file *filp, char __user *buf, size_t count,
			    loff_t *ppos)
{
	struct exabond_file *f = filp->private_data;
	bool dead;
	u64 gen;
	int err;

	if (count < sizeof(gen))
		return -EINVAL;

	while (!exabond_readable(f, &gen, &dead)) {
		if (filp->f_flags & O_NONBLOCK)
			return -EAGAIN;
		err = wait_event_interruptible(f->m->wait,
					       exabond_readable(f, &gen, &dead));
		if (err)
			return err;
	}
	if (gen == READ_ONCE(f->observed))
		return 0;		/* dead, final generation already read */

	if (copy_to_user(buf, &gen, sizeof(gen)))
		return -EFAULT;
	WRITE_ONCE(f->observed, gen);
	return sizeof(gen);
}

static __poll_t exabond_poll(struct file *filp, poll_table *wait)
{
	struct exabond_file *f = filp->private_data;
	__poll_t mask = 0;
	bool dead;
	u64 gen;

	poll_wait(filp, &f->m->wait, wait);
	exabond_readable(f, &gen, &dead);
	if (dead)
		mask |= EPOLLHUP;
	if (gen != READ_ONCE(f->observed))
		mask |= EPOLLIN | EPOLLRDNORM;
	return mask;
}

/* Puts the page back after madvise(MADV_DONTNEED) or similar zapped it. */
static vm_fault_t exabond_fault(struct vm_fault *vmf)
{
	struct exabond_file *f = vmf->vma->vm_file->private_data;

	if (vmf->pgoff)
		return VM_FAULT_SIGBUS;
	return vmf_insert_page(vmf->vma, vmf->address, f->m->page);
}

static const struct vm_operations_struct exabond_vm_ops = {
	.fault = exabond_fault,
};

static int exabond_mmap(struct file *filp, struct vm_area_struct *vma)
{
	struct exabond_file *f = filp->private_data;

	if (vma->vm_pgoff != 0 || vma_pages(vma) != 1)
		return -EINVAL;
	if (vma->vm_flags & (VM_WRITE | VM_EXEC))
		return -EACCES;

	vma->vm_flags &= ~(VM_MAYWRITE | VM_MAYEXEC);
	vma->vm_flags |= VM_DONTEXPAND;
	vma->vm_ops = &exabond_vm_ops;

	/* Populated now, so the first load on the hot path does not fault. */
	return vm_insert_page(vma, vma->vm_start, f->m->page);
}

static const struct file_operations exabond_fops = {
	.owner = THIS_MODULE,
	.open = exabond_open,
	.release = exabond_release_file,
	.read = exabond_read,
	.poll = exabond_poll,
	.mmap = exabond_mmap,
	.llseek = no_llseek,
};

/* Device attributes; none takes RTNL (device_del() runs under it). */
static ssize_t bond_show(struct device *d, struct device_attribute *attr,
			 char *buf)
{
	struct exabond_managed *m = dev_get_drvdata(d);
	char name[IFNAMSIZ];

	exabond_page_name(m, name);
	return sysfs_emit(buf, "%s\n", name);
}
static DEVICE_ATTR_RO(bond);

static ssize_t ifindex_show(struct device *d, struct device_attribute *attr,
			    char *buf)
{
	struct exabond_managed *m = dev_get_drvdata(d);

	return sysfs_emit(buf, "%d\n", m->ifindex);
}
static DEVICE_ATTR_RO(ifindex);

static ssize_t netns_show(struct device *d, struct device_attribute *attr,
			  char *buf)
{
	struct exabond_managed *m = dev_get_drvdata(d);

	return sysfs_emit(buf, "%u\n", m->netns_ino);
}
static DEVICE_ATTR_RO(netns);

static struct attribute *exabond_node_attrs[] = {
	&dev_attr_bond.attr,
	&dev_attr_ifindex.attr,
	&dev_attr_netns.attr,
	NULL,
};
ATTRIBUTE_GROUPS(exabond_node);

static int exabond_node_uevent(struct device *d, struct kobj_uevent_env *env)
{
	struct exabond_managed *m = dev_get_drvdata(d);
	char name[IFNAMSIZ];
	int err;

	exabond_page_name(m, name);
	err = add_uevent_var(env, "EXABOND_BOND=%s", name);
	if (err)
		return err;
	err = add_uevent_var(env, "EXABOND_IFINDEX=%d", m->ifindex);
	if (err)
		return err;
	return add_uevent_var(env, "EXABOND_NETNS=%u", m->netns_ino);
}

/* World-readable: the same facts /proc/net/bonding shows to everyone. */
static char *exabond_node_devnode(struct device *d, umode_t *mode)
{
	if (mode)
		*mode = 0444;
	return NULL;
}

static struct device *exabond_node_create(struct exabond_managed *m)
{
	const char *bond = m->dev->name;
	dev_t devt = MKDEV(MAJOR(exabond_devt), m->minor);

	if (net_eq(m->net, &init_net))
		return device_create(exabond_class, NULL, devt, m,
				     "exabond-%s", bond);
	return device_create(exabond_class, NULL, devt, m, "exabond-%s:%u",
			     bond, m->netns_ino);
}

/* Gives the bond a minor and makes its node appear. RTNL. */
int exabond_node_add(struct exabond_managed *m)
{
	struct device *node;
	int minor;

	mutex_lock(&exabond_minors_lock);
	/* Cyclic: a stale node (a bind mount, a container's /dev) of a
	 * released bond does not open the next bond at once.
	 */
	minor = idr_alloc_cyclic(&exabond_minors, m, 0, EXABOND_MINORS,
				 GFP_KERNEL);
	mutex_unlock(&exabond_minors_lock);
	if (minor < 0)
		return minor;
	m->minor = minor;

	node = exabond_node_create(m);
	if (IS_ERR(node)) {
		mutex_lock(&exabond_minors_lock);
		idr_remove(&exabond_minors, minor);
		mutex_unlock(&exabond_minors_lock);
		return PTR_ERR(node);
	}
	m->node = node;
	return 0;
}

/*
 * The node disappears and no new open can find the bond; files already
 * open keep their own reference. RTNL.
 */
void exabond_node_del(struct exabond_managed *m)
{
	mutex_lock(&exabond_minors_lock);
	idr_remove(&exabond_minors, m->minor);
	mutex_unlock(&exabond_minors_lock);
	if (m->node)
		device_unregister(m->node);
	m->node = NULL;
}

/*
 * A new name means a new device: devtmpfs (and udev) name a node when its
 * device is added and never rename it, so the old device goes and one with
 * the same number and the new name comes. Open files and mappings hold the
 * bond, not the device, and do not notice. RTNL.
 */
int exabond_node_rename(struct exabond_managed *m)
{
	struct device *node;

	if (m->node)
		device_unregister(m->node);
	m->node = NULL;
	node = exabond_node_create(m);
	if (IS_ERR(node))
		return PTR_ERR(node);
	m->node = node;
	return 0;
}

const char *exabond_node_name(const struct exabond_managed *m)
{
	return m->node ? dev_name(m->node) : "(none)";
}

int exabond_node_init(void)
{
	int err;

	err = alloc_chrdev_region(&exabond_devt, 0, EXABOND_MINORS, "exabond");
	if (err)
		return err;

	cdev_init(&exabond_cdev, &exabond_fops);
	exabond_cdev.owner = THIS_MODULE;
	err = cdev_add(&exabond_cdev, exabond_devt, EXABOND_MINORS);
	if (err)
		goto err_cdev;

	exabond_class = class_create(THIS_MODULE, "exabond");
	if (IS_ERR(exabond_class)) {
		err = PTR_ERR(exabond_class);
		goto err_class;
	}
	exabond_class->dev_groups = exabond_node_groups;
	exabond_class->dev_uevent = exabond_node_uevent;
	exabond_class->devnode = exabond_node_devnode;
	return 0;

err_class:
	cdev_del(&exabond_cdev);
err_cdev:
	unregister_chrdev_region(exabond_devt, EXABOND_MINORS);
	return err;
}

/* Every node is gone by now; open files pinned the module until closed. */
void exabond_node_exit(void)
{
	class_destroy(exabond_class);
	cdev_del(&exabond_cdev);
	unregister_chrdev_region(exabond_devt, EXABOND_MINORS);
	idr_destroy(&exabond_minors);
}
