"""kubectl's views of objects, as pure functions: `kubectl get` tables, `kubectl describe`
text and `kubectl get -o yaml`. Objects in are the API's JSON dicts; nothing here talks to
a cluster."""

from kubelab.kubectl.describe import describe
from kubelab.kubectl.get import get_table
from kubelab.kubectl.views import Table, Text, Yaml
from kubelab.kubectl.yamlout import to_yaml

__all__ = ["Table", "Text", "Yaml", "describe", "get_table", "to_yaml"]
