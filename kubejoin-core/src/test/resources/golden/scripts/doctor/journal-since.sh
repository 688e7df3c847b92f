journalctl -u kubelet --since '2026-12-05 20:00:00' -n 200 --no-pager -o cat
