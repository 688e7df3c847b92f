systemctl show -p ActiveState -p SubState -p NRestarts kubelet
