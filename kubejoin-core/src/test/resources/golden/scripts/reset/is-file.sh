test -f '/etc/kubernetes/kube-proxy-config.yaml'
