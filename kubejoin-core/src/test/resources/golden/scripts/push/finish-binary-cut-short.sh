umask 022
place() {
  if [ -d "$2" ]; then echo "$2 is a folder" >&2; return 1; fi
  if [ -e "$2" ]; then ln -f -- "$2" "$3" 2>/dev/null || cp -p -- "$2" "$3" || return 1; echo "B $2"; fi
  mv -f -- "$1" "$2"
}
umask 077
if [ -e '/etc/kubernetes/cert/.ca.pem.kubejoin-tmp' ] || [ -h '/etc/kubernetes/cert/.ca.pem.kubejoin-tmp' ] || [ -e '/etc/kubernetes/.kubelet-config.yaml.kubejoin-tmp' ] || [ -h '/etc/kubernetes/.kubelet-config.yaml.kubejoin-tmp' ] || [ -e '/etc/kubernetes/cert/.kube-proxy-key.pem.kubejoin-tmp' ] || [ -h '/etc/kubernetes/cert/.kube-proxy-key.pem.kubejoin-tmp' ] || [ -e '/opt/k8s/bin/.kubelet.kubejoin-tmp' ] || [ -h '/opt/k8s/bin/.kubelet.kubejoin-tmp' ]; then rm -f -- '/etc/kubernetes/cert/.ca.pem.kubejoin-tmp' '/etc/kubernetes/.kubelet-config.yaml.kubejoin-tmp' '/etc/kubernetes/cert/.kube-proxy-key.pem.kubejoin-tmp' '/opt/k8s/bin/.kubelet.kubejoin-tmp' || exit 1; fi
short() { echo "$1: not written in full (input cut short, or the write failed)" >&2; }
umask 133
dd of='/etc/kubernetes/cert/.ca.pem.kubejoin-tmp' bs=3 count=1 iflag=fullblock status=none || { short '/etc/kubernetes/cert/ca.pem'; exit 1; }
dd of='/etc/kubernetes/.kubelet-config.yaml.kubejoin-tmp' bs=27 count=1 iflag=fullblock status=none || { short '/etc/kubernetes/kubelet-config.yaml'; exit 1; }
umask 177
dd of='/etc/kubernetes/cert/.kube-proxy-key.pem.kubejoin-tmp' bs=4 count=1 iflag=fullblock status=none || { short '/etc/kubernetes/cert/kube-proxy-key.pem'; exit 1; }
dd of='/opt/k8s/bin/.kubelet.kubejoin-tmp' bs=1048576 count=1052675 iflag=fullblock,count_bytes status=none || { short '/opt/k8s/bin/kubelet'; exit 1; }
if command -v openssl >/dev/null 2>&1 && [ "$(openssl dgst -sha256 -r '/etc/kubernetes/cert/.ca.pem.kubejoin-tmp' '/etc/kubernetes/.kubelet-config.yaml.kubejoin-tmp' '/etc/kubernetes/cert/.kube-proxy-key.pem.kubejoin-tmp' '/opt/k8s/bin/.kubelet.kubejoin-tmp' 2>/dev/null)" = '314a01b67979d4ecc6667666046246e726d9848903e33d0e63fab1165aea9d94 */etc/kubernetes/cert/.ca.pem.kubejoin-tmp
0c9e48f2d43103363e942755f66aed6417462dba490c0fd86df75ec2f86edc0c */etc/kubernetes/.kubelet-config.yaml.kubejoin-tmp
a7998f247bd965694ff227fa325c81169a07471a8b6808d3e002a486c4e65975 */etc/kubernetes/cert/.kube-proxy-key.pem.kubejoin-tmp
366cc87ae139c450975972fa9bcf0ff387da1bcc3dbe34998fa236283690d245 */opt/k8s/bin/.kubelet.kubejoin-tmp' ]; then :; else
{ echo '314a01b67979d4ecc6667666046246e726d9848903e33d0e63fab1165aea9d94 ' '/etc/kubernetes/cert/.ca.pem.kubejoin-tmp'; echo '0c9e48f2d43103363e942755f66aed6417462dba490c0fd86df75ec2f86edc0c ' '/etc/kubernetes/.kubelet-config.yaml.kubejoin-tmp'; echo 'a7998f247bd965694ff227fa325c81169a07471a8b6808d3e002a486c4e65975 ' '/etc/kubernetes/cert/.kube-proxy-key.pem.kubejoin-tmp'; echo '366cc87ae139c450975972fa9bcf0ff387da1bcc3dbe34998fa236283690d245 ' '/opt/k8s/bin/.kubelet.kubejoin-tmp'; } | sha256sum -c --status || {
  echo '314a01b67979d4ecc6667666046246e726d9848903e33d0e63fab1165aea9d94 ' '/etc/kubernetes/cert/.ca.pem.kubejoin-tmp' | sha256sum -c --status 2>/dev/null || short '/etc/kubernetes/cert/ca.pem'
  echo '0c9e48f2d43103363e942755f66aed6417462dba490c0fd86df75ec2f86edc0c ' '/etc/kubernetes/.kubelet-config.yaml.kubejoin-tmp' | sha256sum -c --status 2>/dev/null || short '/etc/kubernetes/kubelet-config.yaml'
  echo 'a7998f247bd965694ff227fa325c81169a07471a8b6808d3e002a486c4e65975 ' '/etc/kubernetes/cert/.kube-proxy-key.pem.kubejoin-tmp' | sha256sum -c --status 2>/dev/null || short '/etc/kubernetes/cert/kube-proxy-key.pem'
  echo '366cc87ae139c450975972fa9bcf0ff387da1bcc3dbe34998fa236283690d245 ' '/opt/k8s/bin/.kubelet.kubejoin-tmp' | sha256sum -c --status 2>/dev/null || short '/opt/k8s/bin/kubelet'
  exit 1
}
fi
umask 022
chmod 0755 -- '/opt/k8s/bin/.kubelet.kubejoin-tmp' || exit 1
place '/etc/kubernetes/cert/.ca.pem.kubejoin-tmp' '/etc/kubernetes/cert/ca.pem' '/etc/kubernetes/cert/ca.pem.kubejoin-bak' || exit 1
place '/etc/kubernetes/.kubelet-config.yaml.kubejoin-tmp' '/etc/kubernetes/kubelet-config.yaml' '/etc/kubernetes/kubelet-config.yaml.kubejoin-bak' || exit 1
place '/etc/kubernetes/cert/.kube-proxy-key.pem.kubejoin-tmp' '/etc/kubernetes/cert/kube-proxy-key.pem' '/etc/kubernetes/cert/kube-proxy-key.pem.kubejoin-bak' || exit 1
place '/opt/k8s/bin/.kubelet.kubejoin-tmp' '/opt/k8s/bin/kubelet' '/opt/k8s/bin/kubelet.kubejoin-bak' || exit 1
exit 0
