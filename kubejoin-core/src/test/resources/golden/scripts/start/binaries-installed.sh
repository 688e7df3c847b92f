test -x '/opt/k8s/bin/kubelet' && test -x '/opt/k8s/bin/kube-proxy'
