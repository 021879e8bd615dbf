"""What a kind node is made of: the node image's versions, preloaded images, resources.

Observed on kind v0.33 with kindest/node:v1.37.0 (kubectl get nodes -o json, pods -A):
containerd 2.3.4 on Debian GNU/Linux 13 (trixie); kube-proxy and the control-plane images
at v1.37.0, etcd 3.7.0-0, CoreDNS v1.14.6, kindnetd and local-path-provisioner
v20260820-69b56db7; the kubelet reports nodeInfo.kubeProxyVersion as "" (KEP-4004).
"""

from __future__ import annotations

import functools
import hashlib

from kubelab.version import KUBERNETES_VERSION

CONTAINERD_VERSION = "containerd://2.3.4"
OS_IMAGE = "Debian GNU/Linux 13 (trixie)"
KERNEL_VERSION = "6.8.0-90-generic"
ARCH = "amd64"

APISERVER_IMAGE = f"registry.k8s.io/kube-apiserver:{KUBERNETES_VERSION}"
CONTROLLER_MANAGER_IMAGE = f"registry.k8s.io/kube-controller-manager:{KUBERNETES_VERSION}"
SCHEDULER_IMAGE = f"registry.k8s.io/kube-scheduler:{KUBERNETES_VERSION}"
KUBE_PROXY_IMAGE = f"registry.k8s.io/kube-proxy:{KUBERNETES_VERSION}"
ETCD_IMAGE = "registry.k8s.io/etcd:3.7.0-0"
COREDNS_IMAGE = "registry.k8s.io/coredns/coredns:v1.14.6"
PAUSE_IMAGE = "registry.k8s.io/pause:3.10"
KINDNETD_IMAGE = "docker.io/kindest/kindnetd:v20260820-69b56db7"
LOCAL_PATH_IMAGE = "docker.io/kindest/local-path-provisioner:v20260820-69b56db7"
LOCAL_PATH_HELPER_IMAGE = "docker.io/kindest/local-path-helper:v20260131-7181c60a"

# The images baked into the node image, with their sizes as `status.images` lists them.
PRELOADED: tuple[tuple[str, int], ...] = (
    (APISERVER_IMAGE, 97074036),
    (CONTROLLER_MANAGER_IMAGE, 85081821),
    (KUBE_PROXY_IMAGE, 84533341),
    (SCHEDULER_IMAGE, 59129565),
    (KINDNETD_IMAGE, 35652389),
    (COREDNS_IMAGE, 21239459),
    (ETCD_IMAGE, 20455189),
    (LOCAL_PATH_IMAGE, 14217939),
    (LOCAL_PATH_HELPER_IMAGE, 2740462),
    (PAUSE_IMAGE, 267933),
)
_PRELOADED_NAMES = {name for name, _ in PRELOADED}

# What the kubelet reports for a node (a laptop-sized host; kind shows the host's resources).
CAPACITY = {
    "cpu": "8",
    "ephemeral-storage": "498426880Ki",
    "hugepages-1Gi": "0",
    "hugepages-2Mi": "0",
    "memory": "16318896Ki",
    "pods": "110",
}
DECLARED_FEATURES = (
    "ExtendWebSocketsToKubelet",
    "InPlacePodLevelResourcesVerticalScaling",
    "InPlacePodVerticalScalingInitContainers",
    "RestartAllContainersOnContainerExits",
)


@functools.lru_cache(maxsize=256)
def normalize_image(image: str) -> str:
    """containerd's reference normalization: docker.io/library/..., :latest when untagged."""
    name, _, digest = image.partition("@")
    first, _, rest = name.partition("/")
    if not rest or ("." not in first and ":" not in first and first != "localhost"):
        name = f"docker.io/{name}" if rest else f"docker.io/library/{name}"
    if name.startswith("docker.io/") and name.count("/") == 1:
        name = "docker.io/library/" + name[len("docker.io/"):]
    if digest:
        return f"{name}@{digest}"
    last = name.rsplit("/", 1)[-1]
    return name if ":" in last else f"{name}:latest"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@functools.lru_cache(maxsize=256)
def image_id(image: str) -> str:
    """What the kubelet reports as imageID: a repo digest for pulled images, the bare image
    ID for the images preloaded into the node image (they have no repo digest)."""
    normal = normalize_image(image)
    if normal in _PRELOADED_NAMES:
        return f"sha256:{_digest('id:' + normal)}"
    if "@" in normal:
        return normal
    repo = normal.rsplit(":", 1)[0]
    return f"{repo}@sha256:{_digest('repo:' + normal)}"


def node_images() -> list[dict[str, object]]:
    """status.images of a fresh kind node, biggest first as the kubelet sorts them."""
    return [{"names": [name], "sizeBytes": size} for name, size in PRELOADED]
