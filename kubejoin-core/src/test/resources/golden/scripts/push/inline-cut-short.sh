umask 022
place() {
  if [ -d "$2" ]; then echo "$2 is a folder" >&2; return 1; fi
  if [ -e "$2" ]; then ln -f -- "$2" "$3" 2>/dev/null || cp -p -- "$2" "$3" || return 1; echo "B $2"; fi
  mv -f -- "$1" "$2"
}
[ -d '/etc/kubernetes/cert' ] && [ -d '/etc/kubernetes' ] || mkdir -p -- '/etc/kubernetes/cert' '/etc/kubernetes' || exit 1
umask 077
if [ -e '/etc/kubernetes/cert/.ca.pem.kubejoin-tmp' ] || [ -h '/etc/kubernetes/cert/.ca.pem.kubejoin-tmp' ] || [ -e '/etc/kubernetes/.kubelet-config.yaml.kubejoin-tmp' ] || [ -h '/etc/kubernetes/.kubelet-config.yaml.kubejoin-tmp' ] || [ -e '/etc/kubernetes/cert/.kube-proxy-key.pem.kubejoin-tmp' ] || [ -h '/etc/kubernetes/cert/.kube-proxy-key.pem.kubejoin-tmp' ]; then rm -f -- '/etc/kubernetes/cert/.ca.pem.kubejoin-tmp' '/etc/kubernetes/.kubelet-config.yaml.kubejoin-tmp' '/etc/kubernetes/cert/.kube-proxy-key.pem.kubejoin-tmp' || exit 1; fi
short() { echo "$1: not written in full (input cut short, or the write failed)" >&2; }
umask 133
dd of='/etc/kubernetes/cert/.ca.pem.kubejoin-tmp' bs=3 count=1 iflag=fullblock status=none || { short '/etc/kubernetes/cert/ca.pem'; exit 1; }
dd of='/etc/kubernetes/.kubelet-config.yaml.kubejoin-tmp' bs=27 count=1 iflag=fullblock status=none || { short '/etc/kubernetes/kubelet-config.yaml'; exit 1; }
umask 177
dd of='/etc/kubernetes/cert/.kube-proxy-key.pem.kubejoin-tmp' bs=4 count=1 iflag=fullblock status=none || { short '/etc/kubernetes/cert/kube-proxy-key.pem'; exit 1; }
{ echo '314a01b67979d4ecc6667666046246e726d9848903e33d0e63fab1165aea9d94 ' '/etc/kubernetes/cert/.ca.pem.kubejoin-tmp'; echo '0c9e48f2d43103363e942755f66aed6417462dba490c0fd86df75ec2f86edc0c ' '/etc/kubernetes/.kubelet-config.yaml.kubejoin-tmp'; echo 'a7998f247bd965694ff227fa325c81169a07471a8b6808d3e002a486c4e65975 ' '/etc/kubernetes/cert/.kube-proxy-key.pem.kubejoin-tmp'; } | sha256sum -c --status || {
  echo '314a01b67979d4ecc6667666046246e726d9848903e33d0e63fab1165aea9d94 ' '/etc/kubernetes/cert/.ca.pem.kubejoin-tmp' | sha256sum -c --status 2>/dev/null || short '/etc/kubernetes/cert/ca.pem'
  echo '0c9e48f2d43103363e942755f66aed6417462dba490c0fd86df75ec2f86edc0c ' '/etc/kubernetes/.kubelet-config.yaml.kubejoin-tmp' | sha256sum -c --status 2>/dev/null || short '/etc/kubernetes/kubelet-config.yaml'
  echo 'a7998f247bd965694ff227fa325c81169a07471a8b6808d3e002a486c4e65975 ' '/etc/kubernetes/cert/.kube-proxy-key.pem.kubejoin-tmp' | sha256sum -c --status 2>/dev/null || short '/etc/kubernetes/cert/kube-proxy-key.pem'
  exit 1
}
umask 022
if [ -f '/etc/kubernetes/cert/ca.pem' ] && sha256sum -- '/etc/kubernetes/cert/ca.pem' 2>/dev/null | grep -qF 314a01b67979d4ecc6667666046246e726d9848903e33d0e63fab1165aea9d94; then rm -f -- '/etc/kubernetes/cert/.ca.pem.kubejoin-tmp' || exit 1; if stat -L -c 'M %a %u .' -- '/etc/kubernetes/cert/ca.pem' | grep -qF 'M 644 0 .'; then echo 'U /etc/kubernetes/cert/ca.pem'; else chown 0:0 -- '/etc/kubernetes/cert/ca.pem' && chmod 0644 -- '/etc/kubernetes/cert/ca.pem' || exit 1; echo 'C /etc/kubernetes/cert/ca.pem'; fi; else place '/etc/kubernetes/cert/.ca.pem.kubejoin-tmp' '/etc/kubernetes/cert/ca.pem' '/etc/kubernetes/cert/ca.pem.kubejoin-bak' || exit 1; echo 'C /etc/kubernetes/cert/ca.pem'; fi
if [ -f '/etc/kubernetes/kubelet-config.yaml' ] && sha256sum -- '/etc/kubernetes/kubelet-config.yaml' 2>/dev/null | grep -qF 0c9e48f2d43103363e942755f66aed6417462dba490c0fd86df75ec2f86edc0c; then rm -f -- '/etc/kubernetes/.kubelet-config.yaml.kubejoin-tmp' || exit 1; if stat -L -c 'M %a %u .' -- '/etc/kubernetes/kubelet-config.yaml' | grep -qF 'M 644 0 .'; then echo 'U /etc/kubernetes/kubelet-config.yaml'; else chown 0:0 -- '/etc/kubernetes/kubelet-config.yaml' && chmod 0644 -- '/etc/kubernetes/kubelet-config.yaml' || exit 1; echo 'C /etc/kubernetes/kubelet-config.yaml'; fi; else place '/etc/kubernetes/.kubelet-config.yaml.kubejoin-tmp' '/etc/kubernetes/kubelet-config.yaml' '/etc/kubernetes/kubelet-config.yaml.kubejoin-bak' || exit 1; echo 'C /etc/kubernetes/kubelet-config.yaml'; fi
if [ -f '/etc/kubernetes/cert/kube-proxy-key.pem' ] && sha256sum -- '/etc/kubernetes/cert/kube-proxy-key.pem' 2>/dev/null | grep -qF a7998f247bd965694ff227fa325c81169a07471a8b6808d3e002a486c4e65975; then rm -f -- '/etc/kubernetes/cert/.kube-proxy-key.pem.kubejoin-tmp' || exit 1; if stat -L -c 'M %a %u .' -- '/etc/kubernetes/cert/kube-proxy-key.pem' | grep -qF 'M 600 0 .'; then echo 'U /etc/kubernetes/cert/kube-proxy-key.pem'; else chown 0:0 -- '/etc/kubernetes/cert/kube-proxy-key.pem' && chmod 0600 -- '/etc/kubernetes/cert/kube-proxy-key.pem' || exit 1; echo 'C /etc/kubernetes/cert/kube-proxy-key.pem'; fi; else place '/etc/kubernetes/cert/.kube-proxy-key.pem.kubejoin-tmp' '/etc/kubernetes/cert/kube-proxy-key.pem' '/etc/kubernetes/cert/kube-proxy-key.pem.kubejoin-bak' || exit 1; echo 'C /etc/kubernetes/cert/kube-proxy-key.pem'; fi
exit 0
