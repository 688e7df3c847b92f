systemctl start kubelet
