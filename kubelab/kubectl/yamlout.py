"""`kubectl get -o yaml`: an object written the way kubectl writes it.

kubectl turns the object's JSON into YAML with sigs.k8s.io/yaml, which decodes it into a
generic map and encodes that with go-yaml v2. That decides everything visible here:
- keys come out sorted, in go-yaml's order (letters by code point, digit runs by value);
- a string that would read back as something else (a number, a bool such as "true" or
  "yes" or "y", null, "", a timestamp) is double-quoted; one that cannot be plain
  (": ", a leading "*" or "- ") is single-quoted; one with a newline is a literal block;
- lists sit at their key's indent (`ports:` / `- name: http`), long lines fold at 80.
Sources: sigs.k8s.io/yaml yaml.go (JSONToYAML); gopkg.in/yaml.v2 sorter.go (keyList.Less),
resolve.go (resolve), encode.go (stringv).

PyYAML's emitter (a port of the same libyaml emitter go-yaml v2 uses) does the writing; the
dumper below only tells it go-yaml's rules for key order and for which plain scalars are
not strings.
"""

from __future__ import annotations

import calendar
import functools
import re
from collections.abc import Mapping
from typing import Any

import yaml

from kubelab.kubectl.views import Yaml

_STR, _BOOL, _NULL, _INT, _FLOAT = (
    f"tag:yaml.org,2002:{t}" for t in ("str", "bool", "null", "int", "float")
)


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_BOOLS = _words(
    "y Y yes Yes YES true True TRUE on On ON n N no No NO false False FALSE off Off OFF"
)
_NULLS = ("", *_words("~ null Null NULL"))
_SPECIAL_FLOATS = _words(".nan .NaN .NAN .inf .Inf .INF +.inf +.Inf +.INF -.inf -.Inf -.INF")
_WORDS = {
    **dict.fromkeys(_BOOLS, _BOOL),
    **dict.fromkeys(_NULLS, _NULL),
    **dict.fromkeys(_SPECIAL_FLOATS, _FLOAT),
}  # resolve.go resolveMapList (YAML 1.1: "y", "on", "off" are bools too)
_HINTED = set("+-0123456789yYnNtTfFoO~.")  # resolve.go resolveTable: first chars worth a look
_YAML_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
_DOT_FLOAT = re.compile(r"^\.[0-9]+([eE][-+]?[0-9]+)?$")
_GO_INT = re.compile(
    r"^[-+]?(0[xX][0-9a-fA-F]+|0[oO]?[0-7]+|0[bB][01]+|[1-9][0-9]*|0)$"
)  # strconv.ParseInt(s, 0, 64) syntax (base prefixes), after go-yaml drops the "_"s
_TIMESTAMP = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:[Tt]\d{1,2}:\d{1,2}:\d{1,2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})"
    r"| \d{1,2}:\d{1,2}:\d{1,2}(?:\.\d+)?)?$"
)  # resolve.go allowedTimestampFormats
_BASE60_FLOAT = re.compile(r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$")


def _is_timestamp(text: str) -> bool:
    match = _TIMESTAMP.match(text)
    if not match:
        return False
    year, month, day = (int(part) for part in match.groups())
    return 1 <= month <= 12 and 1 <= day <= calendar.monthrange(year or 2000, month)[1]


def go_yaml_tag(text: str) -> str:
    """The tag go-yaml v2 resolves a plain (unquoted) scalar to."""
    if text and text[0] not in _HINTED:
        return _STR
    if text in _WORDS:
        return _WORDS[text]
    if text.startswith("."):
        return _FLOAT if _DOT_FLOAT.match(text) else _STR
    if text[0] in "yYnNtTfFoO~":
        return _STR
    if _is_timestamp(text):
        return "tag:yaml.org,2002:timestamp"
    plain = text.replace("_", "")
    if _GO_INT.match(plain):
        return _INT
    return _FLOAT if _YAML_FLOAT.match(plain) else _STR


def _needs_double_quotes(text: str) -> bool:
    """encode.go stringv: quote a string that would not read back as a string."""
    return go_yaml_tag(text) != _STR or bool(_BASE60_FLOAT.match(text))


def _key_order(a: Any, b: Any) -> int:
    """go-yaml v2 keyList.Less for string keys: a natural order where runs of digits
    compare by value and a non-letter sorts before a letter."""
    left, right = str(a), str(b)
    for i, (x, y) in enumerate(zip(left, right, strict=False)):
        if x == y:
            continue
        x_letter, y_letter = x.isalpha(), y.isalpha()
        if x_letter and y_letter:
            return -1 if x < y else 1
        if x_letter or y_letter:
            return 1 if x_letter else -1
        return _compare_numbers(left, right, i)
    return (len(left) > len(right)) - (len(left) < len(right))


def _compare_numbers(left: str, right: str, i: int) -> int:
    """Compare the digit runs at i. After a non-zero digit, a "0" counts as a digit of the
    number begun before it (go-yaml starts both numbers at 1 then)."""
    start = 1 if "0" in (left[i], right[i]) and _nonzero_digit_before(left, i) else 0
    a_num, a_end = _digit_run(left, i, start)
    b_num, b_end = _digit_run(right, i, start)
    if a_num != b_num:
        return -1 if a_num < b_num else 1
    if a_end != b_end:
        return -1 if a_end < b_end else 1
    return -1 if left[i] < right[i] else 1


def _digit_run(text: str, i: int, value: int) -> tuple[int, int]:
    end = i
    while end < len(text) and text[end].isdigit():
        value = value * 10 + int(text[end])
        end += 1
    return value, end


def _nonzero_digit_before(text: str, i: int) -> bool:
    j = i - 1
    while j >= 0 and text[j].isdigit():
        if text[j] != "0":
            return True
        j -= 1
    return False


def _sorted_like_go(value: Any) -> Any:
    if isinstance(value, Mapping):
        keys = sorted(value, key=functools.cmp_to_key(_key_order))
        return {key: _sorted_like_go(value[key]) for key in keys}
    if isinstance(value, list):
        return [_sorted_like_go(item) for item in value]
    return value


class _KubectlDumper(yaml.SafeDumper):
    """PyYAML's emitter with go-yaml v2's scalar resolution and no anchors or aliases."""

    def ignore_aliases(self, data: Any) -> bool:
        return True

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is yaml.ScalarNode and implicit[0]:
            return go_yaml_tag(value)
        return super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]


def _represent_str(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    if "\n" in text:
        style = "|"
    elif _needs_double_quotes(text):
        style = '"'
    else:
        style = None
    return dumper.represent_scalar(_STR, text, style=style)


_KubectlDumper.add_representer(str, _represent_str)


def to_yaml(obj: Mapping[str, Any], *, sort_keys: bool = True) -> Yaml:
    """The object as `kubectl get -o yaml` prints it.

    kubectl sorts keys (go-yaml v2 encodes a generic map); `sort_keys=False` keeps the
    dict's own order instead (the API's field order), with every other rule unchanged.
    """
    data = _sorted_like_go(obj) if sort_keys else obj
    text = yaml.dump(
        data,
        Dumper=_KubectlDumper,
        default_flow_style=False,
        sort_keys=False,
        allow_unicode=True,
        width=80,
        indent=2,
    )
    return Yaml(text)
