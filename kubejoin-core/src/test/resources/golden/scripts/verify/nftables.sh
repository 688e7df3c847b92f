s() { echo; echo "== $1"; }
kj_ready() { curl -fsS --max-time 2 http://127.42.0.2:10248/healthz >/dev/null 2>&1 && curl -fsS --max-time 2 http://127.42.0.2:10256/healthz >/dev/null 2>&1 && nft list table ip kube-proxy 2>/dev/null | grep -qF -- '10.254.0.1'; }
kj_wait() { for d in 0.1; do if kj_ready; then return 0; fi; sleep $d; done; return 1; }
kj_wait
s kubelet; curl -fsS --max-time 5 http://127.42.0.2:10248/healthz 2>&1 && echo kubejoin-check-ok
s kube-proxy; curl -fsS --max-time 5 http://127.42.0.2:10256/healthz 2>&1 && echo kubejoin-check-ok
s rules; nft list table ip kube-proxy | grep -qF -- '10.254.0.1' && echo kubejoin-check-ok
exit 0
