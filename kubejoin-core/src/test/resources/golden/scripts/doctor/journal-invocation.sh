journalctl _SYSTEMD_INVOCATION_ID=0123456789abcdef0123456789abcdef -n 200 --no-pager -o cat
