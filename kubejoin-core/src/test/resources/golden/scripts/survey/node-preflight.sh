s() { echo; echo "== $1"; }
s socket; test -S '/run/containerd/containerd.sock' && echo present
s swaps; tail -n +2 '/proc/swaps'
s cgroup; stat -fc %T '/sys/fs/cgroup'
s port-10250; ss -Hltn 'sport = :10250'
s active-kubelet; systemctl is-active --quiet kubelet && echo active
s port-10256; ss -Hltn 'sport = :10256'
s active-kube-proxy; systemctl is-active --quiet kube-proxy && echo active
s modules; for m in 'ip_tables' 'iptable_nat' 'ip_vs' 'nf_conntrack'; do [ -d '/sys/module/'"$m" ] || modinfo -n "$m" >/dev/null 2>&1 || { [ "$m" = 'ip_tables' ] && { [ -e '/proc/net/ip_tables_names' ] || iptables -t filter -S >/dev/null 2>&1; }; } || { [ "$m" = 'iptable_nat' ] && iptables -t nat -S >/dev/null 2>&1; } || { [ "$m" = 'ip_vs' ] && [ -e '/proc/net/ip_vs' ]; } || echo "$m"; done
s sysctl-net.ipv4.ip_forward; cat '/proc/sys/net/ipv4/ip_forward' 2>/dev/null
s sysctl-net.bridge.bridge-nf-call-iptables; cat '/proc/sys/net/bridge/bridge-nf-call-iptables' 2>/dev/null
s sysctl-net.ipv6.conf.default.forwarding; cat '/proc/sys/net/ipv6/conf/default/forwarding' 2>/dev/null
s sysctl-net.bridge.bridge-nf-call-ip6tables; cat '/proc/sys/net/bridge/bridge-nf-call-ip6tables' 2>/dev/null
s date; date +%s
s resolved; test -e '/run/systemd/resolve/resolv.conf' && echo present
s client; test -f '/etc/kubernetes/kubelet.kubeconfig' && test -f '/etc/kubernetes/cert/kubelet-client-current.pem' && echo present
s bootstrap; { test -e '/etc/kubernetes/kubelet-bootstrap.kubeconfig' || test -e '/etc/kubernetes/kubelet-bootstrap.kubeconfig.kubejoin-bak'; } && echo present
s programs; for b in 'conntrack' 'ipset' 'ipvsadm'; do command -v "$b" >/dev/null 2>&1 || echo "$b"; done
s resolve; getent hosts 'node-1'
s addresses; ip -o addr show
s disk-kubelet; df -Pk '/data/k8s/k8s/kubelet' '/data/k8s/k8s' '/data/k8s' '/data' '/' 2>/dev/null
s disk-images; df -Pk '/var/lib/containerd' '/var/lib' '/var' '/' 2>/dev/null
s iptables; iptables --version 2>&1; iptables-legacy-save 2>/dev/null | grep -q -F ' -j ' && echo rules-legacy; iptables-nft-save 2>/dev/null | grep -q -F ' -j ' && echo rules-nf_tables
s runtime-config; containerd config dump 2>&1
s runtime-version; test -S '/run/containerd/containerd.sock' && ctr --address '/run/containerd/containerd.sock' version 2>&1
exit 0
