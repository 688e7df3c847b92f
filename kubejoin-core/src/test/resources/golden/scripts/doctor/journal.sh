journalctl -u kube-proxy -n 4 --no-pager -o cat
