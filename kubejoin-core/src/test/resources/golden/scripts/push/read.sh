if [ -f '/etc/kubernetes/kubelet-config.yaml' ]; then exec cat -- '/etc/kubernetes/kubelet-config.yaml'; else exit 3; fi
