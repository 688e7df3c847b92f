s() { echo; echo "== $1"; }
s socket; test -S '/var/run/docker.sock' && echo present
s modules; for m in 'ip_tables'; do [ -d '/sys/module/'"$m" ] || modinfo -n "$m" >/dev/null 2>&1 || { [ "$m" = 'ip_tables' ] && { [ -e '/proc/net/ip_tables_names' ] || iptables -t filter -S >/dev/null 2>&1; }; } || echo "$m"; done
s date; date +%s
s programs; for b in 'conntrack' 'ipset' 'ipvsadm'; do command -v "$b" >/dev/null 2>&1 || echo "$b"; done
s resolve; getent hosts 'node-1'
s addresses; ip -o addr show
s disk-kubelet; df -Pk '/data/k8s/k8s/kubelet' '/data/k8s/k8s' '/data/k8s' '/data' '/' 2>/dev/null
s disk-images; df -Pk '/var/lib/containerd' '/var/lib' '/var' '/' 2>/dev/null
s iptables; iptables --version 2>&1; iptables-legacy-save 2>/dev/null | grep -q -F ' -j ' && echo rules-legacy; iptables-nft-save 2>/dev/null | grep -q -F ' -j ' && echo rules-nf_tables
s runtime-config; docker info --format '{{.CgroupDriver}}' 2>&1
exit 0
