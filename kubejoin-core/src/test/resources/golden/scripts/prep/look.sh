s() { echo; echo "== $1"; }
s file-0; cat '/etc/sysctl.d/99-kubernetes.conf' 2>/dev/null
s file-1; cat '/etc/modules-load.d/kubernetes.conf' 2>/dev/null
s file-2; cat '/etc/fstab' 2>/dev/null
s swaps; tail -n +2 '/proc/swaps'
s sysctl-net.ipv4.ip_forward; cat '/proc/sys/net/ipv4/ip_forward' 2>/dev/null
s sysctl-net.bridge.bridge-nf-call-iptables; cat '/proc/sys/net/bridge/bridge-nf-call-iptables' 2>/dev/null
s sysctl-net.ipv6.conf.default.forwarding; cat '/proc/sys/net/ipv6/conf/default/forwarding' 2>/dev/null
s sysctl-net.bridge.bridge-nf-call-ip6tables; cat '/proc/sys/net/bridge/bridge-nf-call-ip6tables' 2>/dev/null
exit 0
