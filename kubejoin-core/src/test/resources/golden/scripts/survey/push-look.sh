s() { echo; echo "== $1"; }
s resolved; test -e '/run/systemd/resolve/resolv.conf' && echo present
s client; test -f '/etc/kubernetes/kubelet.kubeconfig' && test -f '/etc/kubernetes/cert/kubelet-client-current.pem' && echo present
s bootstrap; { test -e '/etc/kubernetes/kubelet-bootstrap.kubeconfig' || test -e '/etc/kubernetes/kubelet-bootstrap.kubeconfig.kubejoin-bak'; } && echo present
exit 0
