"""The backend contract on a real cluster: kind (`pytest --backend kind -m kube`, after
`kubelab up`) or a context named with --backend kube --context NAME.

Every test gets its own namespace, labelled as kubelab's, deleted afterwards.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest

import kubelab
from kubelab.testing import BackendContract

pytestmark = pytest.mark.kube


class TestKubeContract(BackendContract):
    @pytest.fixture
    def lab(self, request: pytest.FixtureRequest) -> Iterator[kubelab.Lab]:
        backend = request.config.getoption("--backend")
        lab = kubelab.connect(backend, context=request.config.getoption("--context"))
        namespace = f"kubelab-test-{secrets.token_hex(3)}"
        lab.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}})
        lab.namespace = namespace
        try:
            yield lab
        finally:
            lab.delete("namespace", namespace)
