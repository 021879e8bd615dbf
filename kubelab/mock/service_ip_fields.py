"""The IP fields of a Service: clusterIP(s), ipFamilies and ipFamilyPolicy.

They are checked twice: loosely before allocation (initIPFamilyFields, which also
defaults ipFamilyPolicy and ipFamilies for this single-stack IPv4 cluster) and again in
validation. Updates may not change an assigned cluster IP or family.

Sources (kubernetes/kubernetes): pkg/apis/core/validation/validation.go
(ValidateServiceClusterIPsRelatedFields, validateUpgradeDowngradeClusterIPs,
validateUpgradeDowngradeIPFamilies), pkg/registry/core/service/storage/alloc.go
(initIPFamilyFields, isMatchingPreferDualStackClusterIPFields), storage/storage.go
(normalizeClusterIPs).
"""

from __future__ import annotations

import json
from typing import Any

from kubelab import errors
from kubelab.mock import field
from kubelab.mock.allocators import parse_ip
from kubelab.mock.field import FieldError, GoLiteral
from kubelab.mock.service_defaults import CLUSTER_TYPES, Object, spec_of

IP_FAMILIES = ["IPv4", "IPv6"]
IP_FAMILY_POLICIES = ["PreferDualStack", "RequireDualStack", "SingleStack"]
CLUSTER_FAMILIES = ("IPv4",)  # kind's default cluster is single-stack IPv4
BAD_IP = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"


def is_headless(svc: Object) -> bool:
    return spec_of(svc).get("clusterIPs") == ["None"]


def validate_cluster_ips_related_fields(svc: Object) -> list[FieldError]:
    """clusterIP <-> clusterIPs <-> ipFamilies <-> ipFamilyPolicy (run before allocation too)."""
    spec = spec_of(svc)
    if spec.get("type") == "ExternalName":
        return []
    cluster_ip = spec.get("clusterIP") or ""
    ips: list[str] = list(spec.get("clusterIPs") or [])
    errs: list[FieldError] = []
    if cluster_ip and not ips:
        errs.append(field.required("spec.clusterIPs"))
    elif cluster_ip and ips[0] != cluster_ip:
        errs.append(field.invalid("spec.clusterIPs", ips, "first value must match `clusterIP`"))
    elif not cluster_ip and ips:
        errs.append(
            field.invalid("spec.clusterIPs", ips, "must be empty when `clusterIP` is not specified")
        )
    errs += _family_errors(spec)
    ip_errs, has_invalid = _cluster_ip_value_errors(ips)
    errs += ip_errs
    if has_invalid:
        return errs
    parsed = [parse_ip(ip) for ip in ips]
    if len(ips) > 1 and not _dual_stack(parsed):
        errs.append(
            field.invalid(
                "spec.clusterIPs", ips, "may specify no more than one IP for each IP family"
            )
        )
    if not is_headless(svc):
        errs += _ips_match_families(ips, parsed, list(spec.get("ipFamilies") or []))
    return errs


def _family_errors(spec: Object) -> list[FieldError]:
    errs: list[FieldError] = []
    seen: set[str] = set()
    for i, family in enumerate(spec.get("ipFamilies") or []):
        if family not in IP_FAMILIES:
            errs.append(field.not_supported(f"spec.ipFamilies[{i}]", family, IP_FAMILIES))
        if family in seen:
            errs.append(field.duplicate(f"spec.ipFamilies[{i}]", family))
        seen.add(family)
    policy = spec.get("ipFamilyPolicy")
    if policy is not None and policy not in IP_FAMILY_POLICIES:
        errs.append(field.not_supported("spec.ipFamilyPolicy", policy, IP_FAMILY_POLICIES))
    return errs


def _cluster_ip_value_errors(ips: list[str]) -> tuple[list[FieldError], bool]:
    errs: list[FieldError] = []
    has_invalid = False
    for i, ip in enumerate(ips):
        if i == 0 and ip == "None":
            if len(ips) > 1:
                has_invalid = True
                errs.append(
                    field.invalid("spec.clusterIPs", ips, "'None' must be the first and only value")
                )
            continue
        if parse_ip(ip) is None:
            has_invalid = True
            errs.append(field.invalid(f"spec.clusterIPs[{i}]", ip, BAD_IP))
    if len(ips) > 2:
        errs.append(field.invalid("spec.clusterIPs", ips, "may only hold up to 2 values"))
    return errs, has_invalid


def _dual_stack(parsed: list[Any]) -> bool:
    versions = {ip.version for ip in parsed if ip is not None}
    return versions == {4, 6}


def _ips_match_families(ips: list[str], parsed: list[Any], families: list[str]) -> list[FieldError]:
    errs: list[FieldError] = []
    for i, (ip, addr) in enumerate(zip(ips, parsed, strict=True)):
        if i >= len(families):
            break
        is_v6 = addr is not None and addr.version == 6
        if families[i] == "IPv4" and is_v6:
            errs.append(
                field.invalid(
                    f"spec.clusterIPs[{i}]",
                    ip,
                    f"expected an IPv4 value as indicated by `ipFamilies[{i}]`",
                )
            )
        if families[i] == "IPv6" and not is_v6:
            errs.append(
                field.invalid(
                    f"spec.clusterIPs[{i}]",
                    ip,
                    f"expected an IPv6 value as indicated by `ipFamilies[{i}]`",
                )
            )
    return errs


def _upgrade_downgrade_cluster_ips(old: Object, new: Object) -> list[FieldError]:
    if "ExternalName" in (spec_of(old).get("type"), spec_of(new).get("type")):
        return []
    if is_headless(old) and is_headless(new):
        return []
    before = list(spec_of(old).get("clusterIPs") or [])
    after = list(spec_of(new).get("clusterIPs") or [])
    changed = "may not change once set"
    errs: list[FieldError] = []
    if len(before) == len(after):
        errs += [
            field.invalid(f"spec.clusterIPs[{i}]", after, changed)
            for i, ip in enumerate(before)
            if ip != after[i]
        ]
    elif len(before) > len(after):
        if not after:
            errs.append(
                field.invalid("spec.clusterIPs[0]", after, "primary clusterIP can not be unset")
            )
        elif before[0] != after[0]:
            errs.append(field.invalid("spec.clusterIPs[0]", after, changed))
        if len(after) == 1 and spec_of(new).get("ipFamilyPolicy") != "SingleStack":
            errs.append(
                field.invalid(
                    "spec.ipFamilyPolicy",
                    spec_of(new).get("ipFamilyPolicy"),
                    "must be set to 'SingleStack' when releasing the secondary clusterIP",
                )
            )
    elif before and after[0] != before[0]:
        errs.append(field.invalid("spec.clusterIPs[0]", after, changed))
    return errs


def _upgrade_downgrade_families(old: Object, new: Object) -> list[FieldError]:
    if "ExternalName" in (spec_of(old).get("type"), spec_of(new).get("type")):
        return []
    if is_headless(old) or is_headless(new):
        return []
    before = list(spec_of(old).get("ipFamilies") or [])
    after = list(spec_of(new).get("ipFamilies") or [])
    changed = "may not change once set"
    families = _go_strings("core.IPFamily", after)
    cluster_ips = list(spec_of(new).get("clusterIPs") or [])
    errs: list[FieldError] = []
    if len(before) == len(after):
        errs += [
            field.invalid("spec.ipFamilies[0]", families, changed)
            for i, family in enumerate(before)
            if family != after[i]
        ]
    elif len(before) > len(after):
        if not cluster_ips:
            errs.append(
                field.invalid("spec.ipFamilies[0]", families, "primary ipFamily can not be unset")
            )
        if after and after[0] != before[0]:
            errs.append(field.invalid("spec.ipFamilies[0]", cluster_ips, changed))
        if len(after) == 1 and spec_of(new).get("ipFamilyPolicy") != "SingleStack":
            errs.append(
                field.invalid(
                    "spec.ipFamilyPolicy",
                    spec_of(new).get("ipFamilyPolicy"),
                    "must be set to 'SingleStack' when releasing the secondary ipFamily",
                )
            )
    elif before and after and after[0] != before[0]:
        errs.append(field.invalid("spec.ipFamilies[0]", cluster_ips, changed))
    return errs


def _go_strings(type_name: str, values: list[Any]) -> GoLiteral:
    """%#v of a typed string slice, e.g. []core.IPFamily{"IPv4"}."""
    return GoLiteral(f"[]{type_name}{{" + ", ".join(json.dumps(v) for v in values) + "}")


def validate_ip_fields_update(new: Object, old: Object) -> list[FieldError]:
    """An assigned cluster IP or IP family never changes (except to or from ExternalName)."""
    return _upgrade_downgrade_cluster_ips(old, new) + _upgrade_downgrade_families(old, new)


# -- before allocation ----------------------------------------------------------------


def normalize_cluster_ips(new: Object, old: Object | None) -> None:
    """Keep clusterIP and clusterIPs in step when a client set only the singular one."""
    spec, ip = spec_of(new), spec_of(new).get("clusterIP") or ""
    ips = list(spec.get("clusterIPs") or [])
    if old is None:
        if ip and not ips:
            spec["clusterIPs"] = [ip]
        return
    old_spec = spec_of(old)
    old_ip, old_ips = old_spec.get("clusterIP") or "", list(old_spec.get("clusterIPs") or [])
    if old_ips and not ips and old_ip == ip:
        spec["clusterIPs"] = ips = old_ips
    if old_ip != ip:
        if old_ip and not ip:
            if ips == old_ips:
                spec.pop("clusterIPs", None)
        elif ips == old_ips:
            spec["clusterIPs"] = [ip]


def init_ip_family_fields(new: Object, old: Object | None) -> None:
    """Default ipFamilyPolicy and ipFamilies, and refuse families this cluster lacks."""
    spec = spec_of(new)
    if spec.get("type") == "ExternalName" or matching_prefer_dual_stack(new, old):
        return
    if spec.get("ipFamilyPolicy") is None:
        if old is not None and spec_of(old).get("ipFamilyPolicy") is not None:
            spec["ipFamilyPolicy"] = spec_of(old)["ipFamilyPolicy"]
        elif spec.get("clusterIP") == "None" and not spec.get("selector"):
            spec["ipFamilyPolicy"] = "RequireDualStack"  # headless and selectorless
        else:
            spec["ipFamilyPolicy"] = "SingleStack"
    errs = validate_cluster_ips_related_fields(new)
    if errs:
        raise invalid_service(new, errs)
    errs = _policy_errors(new, old) + _infer_families(spec)
    if errs:
        raise invalid_service(new, errs)
    families = spec.setdefault("ipFamilies", [])
    if spec.get("clusterIP") == "None" and not spec.get("selector"):
        if not families:
            families.append("IPv4")
        if len(families) < 2 and spec["ipFamilyPolicy"] != "SingleStack":
            families.append("IPv6" if families[0] == "IPv4" else "IPv4")
        return
    errs = _unconfigured_families(spec)
    if errs:
        raise invalid_service(new, errs)
    if not families:
        families.append("IPv4")


def _policy_errors(new: Object, old: Object | None) -> list[FieldError]:
    spec = spec_of(new)
    policy = spec["ipFamilyPolicy"]
    path = "spec.ipFamilyPolicy"
    errs: list[FieldError] = []
    if old is not None:
        old_spec = spec_of(old)
        ips, families = spec.get("clusterIPs") or [], spec.get("ipFamilies") or []
        old_ips, old_families = old_spec.get("clusterIPs") or [], old_spec.get("ipFamilies") or []
        if policy == "SingleStack":
            if ips == old_ips and len(ips) > 1:
                spec["clusterIPs"] = ips[:1]
            if families == old_families and len(families) > 1:
                spec["ipFamilies"] = families[:1]
        else:
            if ips and len(ips) < len(old_ips):
                errs.append(
                    field.invalid(
                        path, policy, "must be 'SingleStack' to release the secondary cluster IP"
                    )
                )
            if families and len(families) < len(old_families):
                errs.append(
                    field.invalid(
                        path, policy, "must be 'SingleStack' to release the secondary IP family"
                    )
                )
    if policy == "SingleStack":
        multiple = "must be 'RequireDualStack' or 'PreferDualStack' when multiple"
        if len(spec.get("clusterIPs") or []) == 2:
            errs.append(field.invalid(path, policy, f"{multiple} cluster IPs are specified"))
        if len(spec.get("ipFamilies") or []) == 2:
            errs.append(field.invalid(path, policy, f"{multiple} IP families are specified"))
    return errs


def _infer_families(spec: Object) -> list[FieldError]:
    """ipFamilies[i] follows clusterIPs[i] when not given; an IPv6 IP is refused here."""
    ips = list(spec.get("clusterIPs") or [])
    families = spec.setdefault("ipFamilies", [])
    errs: list[FieldError] = []
    for i, ip in enumerate(ips):
        if ip == "None":
            break
        parsed = parse_ip(ip)
        family = "IPv6" if parsed is not None and parsed.version == 6 else "IPv4"
        if i >= len(families):
            if family not in CLUSTER_FAMILIES:
                errs.append(
                    field.invalid(
                        f"spec.clusterIPs[{i}]", ips, f"{family} is not configured on this cluster"
                    )
                )
            else:
                families.append(family)
    return errs


def _unconfigured_families(spec: Object) -> list[FieldError]:
    errs: list[FieldError] = []
    if spec["ipFamilyPolicy"] == "RequireDualStack":
        errs.append(
            field.invalid(
                "spec.ipFamilyPolicy",
                "RequireDualStack",
                "this cluster is not configured for dual-stack services",
            )
        )
    for i, family in enumerate(spec.get("ipFamilies") or []):
        if family not in CLUSTER_FAMILIES:
            errs.append(
                field.invalid(f"spec.ipFamilies[{i}]", family, "not configured on this cluster")
            )
    return errs


def matching_prefer_dual_stack(new: Object, old: Object | None) -> bool:
    if old is None:
        return False
    spec, old_spec = spec_of(new), spec_of(old)
    return (
        spec.get("ipFamilyPolicy") == "PreferDualStack"
        and old_spec.get("ipFamilyPolicy") in (None, "PreferDualStack")
        and spec.get("type") == old_spec.get("type")
        and spec.get("type") in CLUSTER_TYPES
        and (spec.get("clusterIPs") or []) == (old_spec.get("clusterIPs") or [])
        and (spec.get("ipFamilies") or []) == (old_spec.get("ipFamilies") or [])
    )


def invalid_service(svc: Object, errs: list[FieldError]) -> errors.ApiError:
    return field.invalid_error("Service", "", svc.get("metadata", {}).get("name", ""), errs)
