#!/usr/bin/env python3
"""Compare every published field of a bond's page with rtnetlink's view.

usage: compare_page.py NODE BOND [--netns NS] [--tool probe|libcheck] [-q]

Sources: the page (exabond-probe dump NODE; with --tool libcheck,
exabond-libcheck dump NODE, run in NS, where NODE is the bond name the
library opens or a page's path), `ip -d -j link show` for the bond
and its members, /proc/net/bonding/BOND for speed and duplex (bonding's own
view), and `ethtool -i` for driver and bus-info. Names are iproute2's.
Prints each mismatch and exits 1 if there is any; prints the number of
fields compared otherwise.
"""
import argparse
import json
import os
import re
import subprocess
import sys

MODES = ["balance-rr", "active-backup", "balance-xor", "broadcast",
         "802.3ad", "balance-tlb", "balance-alb"]
XMIT = ["layer2", "layer3+4", "layer2+3", "encap2+3", "encap3+4",
        "vlan+srcmac"]
FOM = ["none", "active", "follow"]
ARP_VALIDATE = ["none", "active", "backup", "all", "filter", "filter_active",
                "filter_backup"]
RESELECT = ["always", "better", "failure"]
ALL_TARGETS = ["any", "all"]
AD_SELECT = ["stable", "bandwidth", "count"]
MII = {"UP": 0, "GOING_DOWN": 1, "DOWN": 2, "GOING_BACK": 3}
ROLE = {"ACTIVE": 0, "BACKUP": 1}
OPER = {"UNKNOWN": 0, "NOTPRESENT": 1, "DOWN": 2, "LOWERLAYERDOWN": 3,
        "TESTING": 4, "DORMANT": 5, "UP": 6}
DUPLEX = {"half": 0, "full": 1, "unknown": 255}


def sh(argv, netns):
    if netns:
        argv = ["ip", "netns", "exec", netns] + argv
    return subprocess.run(argv, check=True, capture_output=True,
                          text=True).stdout


class Compare:
    def __init__(self):
        self.fields = 0
        self.bad = []

    def eq(self, what, page, truth):
        self.fields += 1
        if page != truth:
            self.bad.append(f"{what}: page {page!r}, rtnetlink {truth!r}")


def proc_bonding(bond, netns):
    """Per member: (speed, duplex) as /proc/net/bonding prints them."""
    text = sh(["cat", f"/proc/net/bonding/{bond}"], netns)
    out = {}
    for block in text.split("\nSlave Interface: ")[1:]:
        name = block.split("\n", 1)[0].strip()
        speed = re.search(r"^Speed: (\S+)", block, re.M).group(1)
        duplex = re.search(r"^Duplex: (\S+)", block, re.M).group(1)
        out[name] = (0xffffffff if speed == "Unknown" else int(speed),
                     DUPLEX[duplex.lower()])
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("node")
    ap.add_argument("bond")
    ap.add_argument("--netns")
    ap.add_argument("-q", action="store_true", help="print mismatches only")
    ap.add_argument("--tool", choices=("probe", "libcheck"), default="probe",
                    help="read the page with exabond-probe (the ABI alone) "
                    "or exabond-libcheck (libexabond, in NS)")
    a = ap.parse_args()

    tool = os.path.join(os.environ["EXABOND_BUILD"], "tests/vm/tools",
                        "exabond-" + a.tool)
    if a.tool == "probe":
        dump = subprocess.run([tool, "dump", a.node], check=True,
                              capture_output=True, text=True).stdout
    else:
        dump = sh([tool, "dump", a.node], a.netns)
    page = json.loads(dump)
    links = {l["ifname"]: l for l in json.loads(sh(["ip", "-d", "-j", "link", "show"], a.netns))}
    by_index = {l["ifindex"]: l for l in links.values()}
    bond = links[a.bond]
    info = bond["linkinfo"]["info_data"]
    b = page["bond"]
    c = Compare()

    c.eq("bond.ifindex", b["ifindex"], bond["ifindex"])
    c.eq("bond.name", b["name"], bond["ifname"])
    c.eq("bond.mode", MODES[b["mode"]], info["mode"])
    c.eq("bond.address", b["addr"], bond["address"])
    c.eq("bond.mtu", b["mtu"], bond["mtu"])
    c.eq("bond.operstate", b["operstate"], OPER[bond["operstate"]])
    c.eq("bond.admin_up", bool(b["flags"] & 1), "UP" in bond["flags"])
    c.eq("bond.carrier", bool(b["flags"] & 2), "LOWER_UP" in bond["flags"])
    c.eq("hot.up", bool(page["hot_up"]),
         "UP" in bond["flags"] and "LOWER_UP" in bond["flags"])
    for key, page_key in (("miimon", "miimon"), ("updelay", "updelay"),
                          ("downdelay", "downdelay"),
                          ("peer_notify_delay", "peer_notif_delay"),
                          ("arp_interval", "arp_interval")):
        if key in info:
            c.eq(f"bond.{page_key}", b[page_key], info[key])
    for key, names, page_key in (("xmit_hash_policy", XMIT, "xmit_hash_policy"),
                                 ("fail_over_mac", FOM, "fail_over_mac"),
                                 ("arp_validate", ARP_VALIDATE, "arp_validate"),
                                 ("primary_reselect", RESELECT, "primary_reselect"),
                                 ("arp_all_targets", ALL_TARGETS, "arp_all_targets")):
        if key in info:
            # iproute2 prints null for a value of 0 in some of these
            c.eq(f"bond.{page_key}", names[b[page_key]], info[key] or names[0])
    c.eq("bond.arp_ip_target", b["arp_ip_target"], info.get("arp_ip_target", []))
    active = info.get("active_slave")
    c.eq("bond.active", by_index[b["active_ifindex"]]["ifname"]
         if b["active_ifindex"] else None, active)
    c.eq("hot.ifindex", page["hot_ifindex"], b["active_ifindex"])
    c.eq("hot.has_active", page["hot_has_active"], 1 if b["active_ifindex"] else 0)
    c.eq("bond.primary", b["primary_ifindex"] and
         by_index[b["primary_ifindex"]]["ifname"], info.get("primary", 0))

    members = [l for l in links.values() if l.get("master") == a.bond]
    members.sort(key=lambda l: l["ifindex"])
    c.eq("bond.members_total", b["members_total"], len(members))
    c.eq("bond.member_count", b["member_count"], min(len(members), 16))
    page_members = {m["ifindex"]: m for m in page["members"]}
    c.eq("members", sorted(page_members), [l["ifindex"] for l in members][:16])
    speeds = proc_bonding(a.bond, a.netns)
    for l in members:
        m = page_members.get(l["ifindex"])
        if m is None:
            continue
        n = l["ifname"]
        sd = l["linkinfo"]["info_slave_data"]
        c.eq(f"{n}.name", m["name"], n)
        c.eq(f"{n}.link", m["link"], MII[sd["mii_status"]])
        c.eq(f"{n}.role", m["role"], ROLE[sd["state"]])
        c.eq(f"{n}.link_failure_count", m["link_failure_count"], sd["link_failure_count"])
        c.eq(f"{n}.perm_addr", m["perm_addr"], sd["perm_hwaddr"])
        c.eq(f"{n}.queue_id", m["queue_id"], sd["queue_id"])
        c.eq(f"{n}.addr", m["addr"], l["address"])
        c.eq(f"{n}.mtu", m["mtu"], l["mtu"])
        c.eq(f"{n}.carrier", m["carrier"], 1 if "LOWER_UP" in l["flags"] else 0)
        c.eq(f"{n}.operstate", m["operstate"], OPER[l["operstate"]])
        c.eq(f"{n}.active_flag", bool(m["flags"] & 2), l["ifindex"] == b["active_ifindex"])
        c.eq(f"{n}.primary_flag", bool(m["flags"] & 1), l["ifindex"] == b["primary_ifindex"])
        c.eq(f"{n}.speed", m["speed"], speeds[n][0])
        c.eq(f"{n}.duplex", m["duplex"], speeds[n][1])
        drv = dict(line.split(": ", 1) for line in
                   sh(["ethtool", "-i", n], a.netns).splitlines() if ": " in line)
        c.eq(f"{n}.driver", m["driver"], drv.get("driver", ""))
        c.eq(f"{n}.bus_info", m["bus_info"], drv.get("bus-info", ""))
        if b["mode"] == 4:
            for key in ("ad_aggregator_id", "ad_actor_oper_port_state",
                        "ad_partner_oper_port_state"):
                if key in sd:
                    c.eq(f"{n}.{key}", m[key], sd[key])

    if b["mode"] == 4:
        ad = page["ad"]
        c.eq("ad.lacp_rate", ad["lacp_rate"], ["slow", "fast"].index(info["ad_lacp_rate"]))
        c.eq("ad.ad_select", AD_SELECT[ad["ad_select"]], info["ad_select"])
        c.eq("ad.actor_sys_prio", ad["actor_sys_prio"], info["ad_actor_sys_prio"])
        c.eq("ad.user_port_key", ad["user_port_key"], info["ad_user_port_key"])
        c.eq("ad.actor_system", ad["actor_system"], info["ad_actor_system"])
        agg = info.get("ad_info")
        c.eq("ad.valid", bool(b["flags"] & 8), agg is not None)
        if agg:
            c.eq("ad.aggregator_id", ad["aggregator_id"], agg["aggregator"])
            c.eq("ad.num_ports", ad["num_ports"], agg["num_ports"])
            c.eq("ad.actor_key", ad["actor_key"], agg["actor_key"])
            c.eq("ad.partner_key", ad["partner_key"], agg["partner_key"])
            c.eq("ad.partner_mac", ad["partner_mac"], agg["partner_mac"])

    for line in c.bad:
        print(f"mismatch {line}")
    if c.bad:
        return 1
    if not a.q:
        print(f"compare: {c.fields} fields equal (generation {page['generation']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
