"""The simulated cluster: an in-process API server, its controllers and a data plane.

Pure Python, no subprocesses, per-instance state: two simulated clusters never share
anything, and the simulation could run in a browser kernel (JupyterLite).
`kubelab.mock.backend.MockBackend` puts the pieces together.
"""
