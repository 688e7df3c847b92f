systemctl disable --now kube-proxy
