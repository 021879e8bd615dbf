"""The API rules of every kind but Service: install them on a simulated API server.

Each kind's Handler lives beside its sources: pods (kubelab.mock.podhandler, the rules in
kubelab.mock.pods), Deployments and ReplicaSets (kubelab.mock.apps), EndpointSlices and
Endpoints (kubelab.mock.discovery), Namespaces and Nodes (kubelab.mock.clusterscoped);
PodSpec rules are shared (kubelab.mock.poddefaults, kubelab.mock.podspec).
"""

from __future__ import annotations

from kubelab.mock.api import ApiServer
from kubelab.mock.apps import DeploymentHandler, ReplicaSetHandler
from kubelab.mock.clusterscoped import NamespaceHandler, NodeHandler
from kubelab.mock.discovery import EndpointsHandler, EndpointSliceHandler
from kubelab.mock.podhandler import PodHandler


def install(api: ApiServer) -> None:
    """Register the handlers of namespaces, nodes, pods, deployments, replicasets,
    endpointslices and endpoints in `api.handlers`."""
    api.handlers["namespaces"] = NamespaceHandler()
    api.handlers["nodes"] = NodeHandler()
    api.handlers["pods"] = PodHandler(api)
    api.handlers["deployments"] = DeploymentHandler()
    api.handlers["replicasets"] = ReplicaSetHandler()
    api.handlers["endpointslices"] = EndpointSliceHandler()
    api.handlers["endpoints"] = EndpointsHandler()
