'/opt/k8s/bin/kube-proxy' --cleanup --config '/etc/kubernetes/kube-proxy-config.yaml'
