iptables-save -t nat | grep -qF -- '-d 10.254.0.1/32'
