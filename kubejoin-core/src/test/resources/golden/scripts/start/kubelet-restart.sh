mkdir -p '/data/k8s/k8s/kubelet/kubelet-plugins/volume/exec/' '/data/k8s/k8s/kubelet' '/etc/kubernetes/manifests' || exit 100
if systemctl is-enabled --quiet kubelet; then systemctl daemon-reload || exit 101; else systemctl enable kubelet || exit 90; echo 'kubejoin: enabled'; fi
systemctl restart kubelet || exit 91; systemctl is-active --quiet kubelet || exit 91; echo 'kubejoin: started'
exit 0
