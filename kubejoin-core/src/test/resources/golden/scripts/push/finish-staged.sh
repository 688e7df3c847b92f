umask 022
place() {
  if [ -d "$2" ]; then echo "$2 is a folder" >&2; return 1; fi
  if [ -e "$2" ]; then ln -f -- "$2" "$3" 2>/dev/null || cp -p -- "$2" "$3" || return 1; echo "B $2"; fi
  mv -f -- "$1" "$2"
}
mkdir -p -- '/etc/kubernetes/cert' '/etc/kubernetes' || exit 1
install -m 0644 -o 0 -g 0 -- '/tmp/kubejoin-stage/0-ca.pem' '/etc/kubernetes/cert/.ca.pem.kubejoin-tmp' || exit 1
install -m 0644 -o 0 -g 0 -- '/tmp/kubejoin-stage/1-kubelet-config.yaml' '/etc/kubernetes/.kubelet-config.yaml.kubejoin-tmp' || exit 1
place '/etc/kubernetes/cert/.ca.pem.kubejoin-tmp' '/etc/kubernetes/cert/ca.pem' '/etc/kubernetes/cert/ca.pem.kubejoin-bak' || exit 1
place '/etc/kubernetes/.kubelet-config.yaml.kubejoin-tmp' '/etc/kubernetes/kubelet-config.yaml' '/etc/kubernetes/kubelet-config.yaml.kubejoin-bak' || exit 1
chown 0:0 -- '/etc/kubernetes/cert/kube-proxy-key.pem' && chmod 0600 -- '/etc/kubernetes/cert/kube-proxy-key.pem' || exit 1
rm -f -- '/tmp/kubejoin-stage/0-ca.pem' '/tmp/kubejoin-stage/1-kubelet-config.yaml'
exit 0
