"""A pod's resolver as glibc runs it: the resolv.conf settings and the search order.

Pure rules, shared by both backends: the simulation answers each asked name itself, the
real backend asks the cluster's DNS; both list the same names in the same order.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ResolvConf:
    nameservers: tuple[str, ...]
    search: tuple[str, ...]
    ndots: int


# -- glibc: the search ---------------------------------------------------------------------------


def search_list(name: str, conf: ResolvConf) -> tuple[list[str], bool]:
    """The absolute names res_search asks, in order, and whether the name as given is first.

    glibc resolv/res_query.c __res_context_search:
    - a name with a trailing dot is absolute: asked as given, nothing else;
    - a name with at least ndots dots is asked as given first, then with each search
      domain;
    - otherwise each search domain first, and the name as given last.
    Every search domain is tried while answers are NXDOMAIN or NODATA ("On a NO_DATA
    error, keep trying, otherwise a wildcard entry of another type could keep us from
    finding this entry higher in the domain"); the first answer with records wins.
    """
    dots = name.count(".")
    if name.endswith("."):
        return [name], True
    as_is_first = dots >= conf.ndots
    names = [name + "."] if as_is_first else []
    root_on_list = False
    for domain in conf.search:
        domain = domain.strip(".")
        root_on_list = root_on_list or not domain
        names.append(f"{name}.{domain}." if domain else f"{name}.")
    if not (as_is_first or root_on_list):
        names.append(name + ".")
    return names, as_is_first


def final_rcode(rcodes: list[str], as_is_first: bool) -> str:
    """When no name got records: the rcode of the as-given query if it went first, else
    NODATA (NOERROR) if any name had one, else NXDOMAIN (glibc's h_errno choice)."""
    if as_is_first:
        return rcodes[0]
    return "NOERROR" if "NOERROR" in rcodes else "NXDOMAIN"
