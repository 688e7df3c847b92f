rm -rf --one-file-system -- '/data/k8s/k8s/kubelet' '/data/k8s/k8s/kube-proxy'
