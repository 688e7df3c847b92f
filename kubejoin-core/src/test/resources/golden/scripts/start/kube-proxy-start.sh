mkdir -p '/data/k8s/k8s/kube-proxy' || exit 100
modprobe -a 'ip_tables' 'iptable_nat' 'ip_vs' 'nf_conntrack' 2>/dev/null || { { modprobe 'ip_tables' || [ -d '/sys/module/ip_tables' ] || { [ -e '/proc/net/ip_tables_names' ] || iptables -t filter -S >/dev/null 2>&1; }; } && { modprobe 'iptable_nat' || [ -d '/sys/module/iptable_nat' ] || iptables -t nat -S >/dev/null 2>&1; } && { modprobe 'ip_vs' || [ -d '/sys/module/ip_vs' ] || [ -e '/proc/net/ip_vs' ]; } && { modprobe 'nf_conntrack' || [ -d '/sys/module/nf_conntrack' ]; }; } || exit 101
if systemctl is-enabled --quiet kube-proxy; then systemctl daemon-reload || exit 102; else systemctl enable kube-proxy || exit 90; echo 'kubejoin: enabled'; fi
if systemctl is-active --quiet kube-proxy; then :; else systemctl restart kube-proxy || exit 91; systemctl is-active --quiet kube-proxy || exit 91; echo 'kubejoin: started'; fi
exit 0
