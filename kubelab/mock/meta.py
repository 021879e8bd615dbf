"""ObjectMeta and name rules, as the API server checks them for every kind.

Sources: staging/src/k8s.io/apimachinery/pkg/util/validation/validation.go (DNS names,
RegexError), .../pkg/api/validate/content (label keys and values),
.../pkg/api/validation/objectmeta.go (ValidateObjectMeta, ValidateObjectMetaUpdate).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

from kubelab.mock import field
from kubelab.mock.field import FieldError

Object = dict[str, Any]


Rule = Callable[[str], list[str]]


def _remembered(rule: Rule) -> Rule:
    """A pure rule on one string, remembered: names and label keys repeat endlessly. Each
    call gets its own list."""
    cached = functools.lru_cache(maxsize=4096)(lambda value: tuple(rule(value)))

    @functools.wraps(rule)
    def remembered(value: str) -> list[str]:
        return list(cached(value)) if type(value) is str else rule(value)

    return remembered


def regex_error(message: str, pattern: str, *examples: str) -> str:
    """validation.RegexError: the message, its examples, then the regex."""
    if not examples:
        return f"{message} (regex used for validation is '{pattern}')"
    shown = " or ".join(f"'{example}', " for example in examples)
    return f"{message} (e.g. {shown}regex used for validation is '{pattern}')"


def max_len_error(length: int) -> str:
    """validation.MaxLenError of util/validation (DNS names, port names): "characters"."""
    return f"must be no more than {length} characters"


def inclusive_range_error(low: int, high: int) -> str:
    return f"must be between {low} and {high}, inclusive"


DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
DNS1123_SUBDOMAIN_FMT = DNS1123_LABEL_FMT + "(\\." + DNS1123_LABEL_FMT + ")*"
DNS1035_LABEL_FMT = "[a-z]([-a-z0-9]*[a-z0-9])?"
_DNS1123_LABEL = re.compile(f"^{DNS1123_LABEL_FMT}$")
_DNS1123_SUBDOMAIN = re.compile(f"^{DNS1123_SUBDOMAIN_FMT}$")
_DNS1035_LABEL = re.compile(f"^{DNS1035_LABEL_FMT}$")
_DNS1123_LABEL_MSG = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
    "and must start and end with an alphanumeric character"
)
_DNS1123_SUBDOMAIN_MSG = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character"
)
_DNS1035_LABEL_MSG = (
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
    "alphabetic character, and end with an alphanumeric character"
)


@_remembered
def dns1123_label_errors(value: str) -> list[str]:
    errs = [max_len_error(63)] if len(value.encode()) > 63 else []
    if not _DNS1123_LABEL.match(value):
        if _DNS1123_SUBDOMAIN.match(value):
            errs.append("must not contain dots")
        else:
            errs.append(regex_error(_DNS1123_LABEL_MSG, DNS1123_LABEL_FMT, "my-name", "123-abc"))
    return errs


def dns1123_subdomain_errors(value: str) -> list[str]:
    """IsDNS1123Subdomain. A valid name is answered at once: most names are seen only
    once (every generated pod name), so remembering them would only crowd the others out."""
    if type(value) is str and len(value) <= 253 and _DNS1123_SUBDOMAIN.match(value):
        return []  # the pattern admits ASCII only: characters are bytes
    return _remembered_subdomain_errors(value)


@_remembered
def _remembered_subdomain_errors(value: str) -> list[str]:
    return _subdomain_errors(value, max_len_error(253))


def _subdomain_errors(value: str, too_long: str) -> list[str]:
    """IsDNS1123Subdomain, with the length message of its package."""
    errs = [too_long] if len(value.encode()) > 253 else []
    if not _DNS1123_SUBDOMAIN.match(value):
        errs.append(regex_error(_DNS1123_SUBDOMAIN_MSG, DNS1123_SUBDOMAIN_FMT, "example.com"))
    return errs


@_remembered
def dns1035_label_errors(value: str) -> list[str]:
    errs = [max_len_error(63)] if len(value.encode()) > 63 else []
    if not _DNS1035_LABEL.match(value):
        errs.append(regex_error(_DNS1035_LABEL_MSG, DNS1035_LABEL_FMT, "my-name", "abc-123"))
    return errs


# -- labels: content.IsLabelKey / IsLabelValue --------------------------------------------
# Source: staging/src/k8s.io/apimachinery/pkg/api/validate/content/kube.go and errors.go
# (newest wording: "a valid label key ...", lengths in bytes, and an empty name part gets
# both "must be non-empty" and the regex message, because the regex check is unconditional).

_LABEL_KEY_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_LABEL_KEY_NAME = re.compile(f"^{_LABEL_KEY_FMT}$")
_LABEL_VALUE_FMT = f"({_LABEL_KEY_FMT})?"
_LABEL_VALUE = re.compile(f"^{_LABEL_VALUE_FMT}$")
_LABEL_KEY_MSG = (
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character"
)
_LABEL_VALUE_MSG = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character"
)
EMPTY_ERROR = "must be non-empty"


def content_max_len_error(length: int) -> str:
    """content.MaxLenError: the content package counts bytes and says so."""
    return f"must be no more than {length} bytes"


def _content_subdomain_errors(value: str) -> list[str]:
    """content.IsDNS1123Subdomain (used for a label key's prefix)."""
    return _subdomain_errors(value, content_max_len_error(253))


@_remembered
def label_key_errors(key: str) -> list[str]:
    """content.IsLabelKey: an optional DNS subdomain prefix and '/', then a name of <= 63."""
    parts = key.split("/")
    errs: list[str] = []
    if len(parts) == 1:
        name = parts[0]
    elif len(parts) == 2:
        prefix, name = parts
        if not prefix:
            errs.append("prefix part " + EMPTY_ERROR)
        else:
            errs += ["prefix part " + msg for msg in _content_subdomain_errors(prefix)]
    else:
        return [
            "a valid label key "
            + regex_error(_LABEL_KEY_MSG, _LABEL_KEY_FMT, "MyName", "my.name", "123-abc")
            + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
        ]
    if not name:
        errs.append("name part " + EMPTY_ERROR)
    elif len(name.encode()) > 63:
        errs.append("name part " + content_max_len_error(63))
    if not _LABEL_KEY_NAME.match(name):
        errs.append(
            "name part "
            + regex_error(_LABEL_KEY_MSG, _LABEL_KEY_FMT, "MyName", "my.name", "123-abc")
        )
    return errs


@_remembered
def label_value_errors(value: str) -> list[str]:
    """content.IsLabelValue."""
    errs = [content_max_len_error(63)] if len(value.encode()) > 63 else []
    if not _LABEL_VALUE.match(value):
        errs.append(regex_error(_LABEL_VALUE_MSG, _LABEL_VALUE_FMT, "MyValue", "my_value", "12345"))
    return errs


def validate_labels(labels: Any, path: str) -> list[FieldError]:
    if labels is None:
        return []
    problems: list[FieldError] = []
    for key in sorted(labels):
        value = labels[key]
        for msg in label_key_errors(key):  # loops, not comprehensions: usually no message
            problems.append(field.invalid(path, key, msg))
        for msg in label_value_errors(value):
            problems.append(field.invalid(path, value, msg))
    return problems


def validate_annotations(annotations: Any, path: str) -> list[FieldError]:
    if annotations is None:
        return []
    problems: list[FieldError] = []
    total = 0
    for key in sorted(annotations):
        for msg in label_key_errors(key.lower()):
            problems.append(field.invalid(path, key, msg))
        total += len(key.encode()) + len(str(annotations[key]).encode())
    if total > 256 * 1024:
        problems.append(field.too_long(path, 256 * 1024))
    return problems


# -- ObjectMeta -----------------------------------------------------------------------------


def validate_object_meta(
    metadata: Object, namespaced: bool, name_errors: Callable[[str], list[str]]
) -> list[FieldError]:
    """ValidateObjectMeta: generateName, name, namespace, labels, annotations."""
    problems: list[FieldError] = []
    generate_name = metadata.get("generateName")
    if generate_name:
        problems += [
            field.invalid("metadata.generateName", generate_name, msg)
            for msg in name_errors(mask_trailing_dash(generate_name))
        ]
    name = metadata.get("name")
    if not name:
        problems.append(field.required("metadata.name", "name or generateName is required"))
    else:
        problems += [field.invalid("metadata.name", name, msg) for msg in name_errors(name)]
    namespace = metadata.get("namespace")
    if namespaced:
        if not namespace:
            problems.append(field.required("metadata.namespace"))
        else:
            problems += [
                field.invalid("metadata.namespace", namespace, msg)
                for msg in dns1123_label_errors(namespace)
            ]
    elif namespace:
        problems.append(field.forbidden("metadata.namespace", "not allowed on this type"))
    problems += validate_labels(metadata.get("labels"), "metadata.labels")
    problems += validate_annotations(metadata.get("annotations"), "metadata.annotations")
    problems += validate_finalizers(metadata.get("finalizers"), "metadata.finalizers")
    return problems


def mask_trailing_dash(name: str) -> str:
    """maskTrailingDash (api/validation/generic.go): it drops the last TWO characters before
    appending "a" ("abc-" is checked as "aba"); kept as upstream has it."""
    if name.endswith("-"):
        return name[: max(len(name) - 2, 0)] + "a"
    return name


def validate_finalizers(finalizers: Any, path: str) -> list[FieldError]:
    """ValidateFinalizers: each name is a qualified name (objectmeta.go ValidateFinalizerName)."""
    problems: list[FieldError] = []
    for name in finalizers or []:
        problems += [field.invalid(path, name, msg) for msg in label_key_errors(str(name))]
    return problems


_IMMUTABLE_META = ("name", "namespace", "uid", "creationTimestamp")


def validate_object_meta_update(new: Object, old: Object) -> list[FieldError]:
    """ValidateObjectMetaUpdate: identity fields never change."""
    return [
        field.invalid(f"metadata.{key}", new.get(key), "field is immutable")
        for key in _IMMUTABLE_META
        if new.get(key) != old.get(key)
    ]


def carry_over(new: Object, old: Object) -> None:
    """What an update cannot touch is taken from the stored object (FillObjectMetaSystemFields)."""
    for key in (
        "uid",
        "creationTimestamp",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
        "generation",
    ):
        if key in old:
            new[key] = old[key]
        else:
            new.pop(key, None)
    new["resourceVersion"] = old["resourceVersion"]


def bump_generation_if_changed(new: Object, old: Object, key: str) -> None:
    """Strategies that also count a change of one metadata field (a Deployment's
    annotations, an EndpointSlice's labels) as a new generation, unless the spec already
    bumped it."""
    same_generation = new.get("generation") == old.get("generation")
    if same_generation and new.get(key) != old.get(key):
        new["generation"] = old.get("generation", 1) + 1


def same_ignoring_meta(new: Object, old: Object) -> bool:
    """True when only metadata (or status) differs: such an update does not bump
    metadata.generation. Every other top-level field counts, so kinds without a `spec`
    (EndpointSlice: endpoints, ports, addressType) bump too, as their strategies do
    (pkg/registry/discovery/endpointslice/strategy.go PrepareForUpdate)."""
    keys = (set(new) | set(old)) - {"metadata", "status"}
    return all(new.get(key) == old.get(key) for key in keys)
