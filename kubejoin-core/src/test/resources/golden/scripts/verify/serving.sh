test -e '/etc/kubernetes/cert/kubelet-server-current.pem'
