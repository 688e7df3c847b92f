umount -l -- '/data/k8s/k8s/kubelet/pods/p1/volumes/v'
