rm -f '/etc/kubernetes/kubelet.kubeconfig' '/etc/kubernetes/cert'/kubelet-client-current*.pem '/etc/kubernetes/cert'/kubelet-client-2*.pem
