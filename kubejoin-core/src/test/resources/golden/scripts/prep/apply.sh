modprobe 'br_netfilter' || exit 3
sysctl -p '/etc/sysctl.d/99-kubernetes.conf' >/dev/null || exit 4
swapoff -a || exit 5
exit 0
