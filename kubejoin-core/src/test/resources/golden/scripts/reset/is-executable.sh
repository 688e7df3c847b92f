test -x '/opt/k8s/bin/kube-proxy'
