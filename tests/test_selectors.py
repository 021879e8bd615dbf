import pytest

from kubelab import UsageError, selectors


@pytest.mark.parametrize(
    ("text", "labels", "expected"),
    [
        ("", {"app": "web"}, True),
        ("app=web", {"app": "web"}, True),
        ("app==web", {"app": "web"}, True),
        ("app=web", {"app": "Web"}, False),
        ("app=web", {}, False),
        ("app!=web", {}, True),
        ("app!=web", {"app": "db"}, True),
        ("app!=web", {"app": "web"}, False),
        ("app=web,tier!=db", {"app": "web", "tier": "front"}, True),
        ("app=web,tier!=db", {"app": "web", "tier": "db"}, False),
        ("env in (prod, staging)", {"env": "staging"}, True),
        ("env in (prod,staging)", {"env": "dev"}, False),
        ("env notin (prod)", {"env": "dev"}, True),
        ("env notin (prod)", {}, True),
        ("app", {"app": ""}, True),
        ("app", {"tier": "x"}, False),
        ("!app", {"tier": "x"}, True),
        ("!app", {"app": "x"}, False),
        ("app in (a,b),!legacy,tier", {"app": "b", "tier": "x"}, True),
    ],
)
def test_parse_and_match(text: str, labels: dict[str, str], expected: bool) -> None:
    assert selectors.matches(selectors.parse(text), labels) is expected


@pytest.mark.parametrize("text", ["app=web=x", "app in (a", "=web", "a b"])
def test_unparseable_selector_names_the_term(text: str) -> None:
    with pytest.raises(UsageError, match="unable to parse requirement"):
        selectors.parse(text)


@pytest.mark.parametrize(
    ("selector", "labels", "expected"),
    [
        ({"app": "web"}, {"app": "web", "pod-template-hash": "x"}, True),
        ({"app": "web", "tier": "front"}, {"app": "web"}, False),
        ({"app": "web"}, {"App": "web"}, False),
        ({}, {"app": "web"}, False),  # no selector: no managed endpoints
        (None, {"app": "web"}, False),
    ],
)
def test_service_selects(selector, labels, expected) -> None:
    assert selectors.service_selects(selector, labels) is expected


def test_label_selector_with_expressions() -> None:
    sel = selectors.from_label_selector(
        {"matchLabels": {"app": "web"},
         "matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["db"]}]})
    assert selectors.matches(sel, {"app": "web", "tier": "front"})
    assert not selectors.matches(sel, {"app": "web", "tier": "db"})


def test_to_string_sorts_keys() -> None:
    assert selectors.to_string({"tier": "front", "app": "web"}) == "app=web,tier=front"
