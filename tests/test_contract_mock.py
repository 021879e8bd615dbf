"""The backend contract on the simulated cluster."""

import pytest

import kubelab
from kubelab.testing import BackendContract


class TestMockContract(BackendContract):
    @pytest.fixture
    def lab(self) -> kubelab.Lab:
        return kubelab.connect("mock", seed=0)
