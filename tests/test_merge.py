from kubelab import merge


def test_json_merge_patch_null_deletes_and_objects_merge() -> None:
    live = {"spec": {"a": 1, "b": {"c": 2}}, "keep": True}
    patched = merge.json_merge_patch(live, {"spec": {"a": None, "b": {"d": 3}}})
    assert patched == {"spec": {"b": {"c": 2, "d": 3}}, "keep": True}
    assert live == {"spec": {"a": 1, "b": {"c": 2}}, "keep": True}  # input untouched


def test_strategic_merge_merges_service_ports_by_port() -> None:
    live = {"ports": [{"port": 80, "nodePort": 30080, "protocol": "TCP"},
                      {"port": 443, "nodePort": 30443}]}
    patched = merge.strategic_merge_patch(live, {"ports": [{"port": 80, "targetPort": 8080}]})
    assert patched["ports"] == [
        {"port": 80, "nodePort": 30080, "protocol": "TCP", "targetPort": 8080},
        {"port": 443, "nodePort": 30443},
    ]


def test_strategic_merge_replaces_lists_without_merge_key() -> None:
    live = {"args": ["a", "b"]}
    assert merge.strategic_merge_patch(live, {"args": ["c"]}) == {"args": ["c"]}


def test_three_way_keeps_server_fields_and_drops_removed_fields() -> None:
    last = {"spec": {"type": "NodePort", "selector": {"app": "web"},
                     "ports": [{"port": 80}], "sessionAffinity": "ClientIP"}}
    live = {"spec": {"type": "NodePort", "selector": {"app": "web"}, "clusterIP": "10.96.0.7",
                     "ports": [{"port": 80, "nodePort": 31000, "protocol": "TCP"}],
                     "sessionAffinity": "ClientIP"}}
    desired = {"spec": {"type": "NodePort", "selector": {"app": "web", "tier": "front"},
                        "ports": [{"port": 80, "targetPort": 8080}]}}
    merged = merge.three_way_merge(live, desired, last)
    assert merged["spec"]["clusterIP"] == "10.96.0.7"
    assert merged["spec"]["ports"] == [
        {"port": 80, "nodePort": 31000, "protocol": "TCP", "targetPort": 8080}]
    assert "sessionAffinity" not in merged["spec"]
    assert merged["spec"]["selector"] == {"app": "web", "tier": "front"}


def test_three_way_removes_a_port_dropped_from_the_manifest() -> None:
    last = {"ports": [{"port": 80}, {"port": 443}]}
    live = {"ports": [{"port": 80, "nodePort": 30001}, {"port": 443, "nodePort": 30002}]}
    merged = merge.three_way_merge(live, {"ports": [{"port": 80}]}, last)
    assert merged == {"ports": [{"port": 80, "nodePort": 30001}]}


def test_container_ports_merge_by_container_port() -> None:
    live = {"containers": [{"name": "app", "ports": [{"containerPort": 80, "protocol": "TCP"}]}]}
    desired = {"containers": [{"name": "app", "ports": [{"containerPort": 80, "name": "http"}]}]}
    merged = merge.three_way_merge(live, desired, {})
    assert merged["containers"][0]["ports"] == [
        {"containerPort": 80, "protocol": "TCP", "name": "http"}]
