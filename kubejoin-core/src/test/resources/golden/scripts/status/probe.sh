s() { echo; echo "== $1"; }
s client; sed -n '/-----BEGIN CERTIFICATE-----/,/-----END CERTIFICATE-----/p' -- '/etc/kubernetes/cert/kubelet-client-current.pem' 2>/dev/null
s proxy; sed -n '/-----BEGIN CERTIFICATE-----/,/-----END CERTIFICATE-----/p' -- '/etc/kubernetes/cert/kube-proxy.pem' 2>/dev/null
s kubelet; systemctl is-active kubelet
s kube-proxy; systemctl is-active kube-proxy
s healthz; curl -fsS --max-time 5 http://127.42.0.2:10256/healthz >/dev/null 2>&1 && echo ok || echo failed
exit 0
