sed -n '/-----BEGIN CERTIFICATE-----/,/-----END CERTIFICATE-----/p' -- '/etc/kubernetes/cert/kubelet-client-current.pem' 2>/dev/null
