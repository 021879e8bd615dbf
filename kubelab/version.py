"""Versions in one place: kubelab's own, and the Kubernetes release the simulation follows."""

__version__ = "0.1.0"

# The Kubernetes release that current kind installs by default. The simulation's
# defaults and error texts follow this release; lessons show it to learners.
# Source: kind v0.33.0 release notes (default node image kindest/node:v1.37.0).
KUBERNETES_VERSION = "v1.37.0"
KIND_VERSION = "v0.33.0"
KIND_NODE_IMAGE = (
    "kindest/node:v1.37.0@sha256:a1ed56cfb0e7b93589bdf97c8cd566405a265939e3620fc4f5de89adff580ae5"
)
