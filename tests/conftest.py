"""Which cluster the tests marked `kube` use: none by default (a plain `pytest` needs no
Docker), or kind / any context when asked:

    pytest --backend kind -m kube                      # the kind cluster `kubelab up` made
    pytest --backend kube --context my-ctx -m kube     # a context named explicitly
"""

from __future__ import annotations

import pytest

SKIP_REASON = "run: pytest --backend kind (needs `kubelab up`)"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("kubelab")
    group.addoption("--backend", choices=("mock", "kind", "kube"), default="mock",
                    help="the cluster for tests marked `kube`: kind or kube (default: mock, "
                    "which skips them)")
    group.addoption("--context", default=None,
                    help="the kubeconfig context for --backend kube (kind: kind-kubelab)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--backend") != "mock":
        return
    skip = pytest.mark.skip(reason=SKIP_REASON)
    for item in items:
        if "kube" in item.keywords:
            item.add_marker(skip)
