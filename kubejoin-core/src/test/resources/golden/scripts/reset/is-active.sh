systemctl is-active --quiet kubelet
