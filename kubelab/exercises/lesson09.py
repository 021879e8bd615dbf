"""Lesson 09, headless and ExternalName Services: DNS answers with pod IPs and no
kube-proxy; a CNAME that leaves the cluster."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kubelab import scenarios
from kubelab.exercises import checks
from kubelab.exercises.checklist import service
from kubelab.exercises.core import Exercise, Finding, register
from kubelab.exercises.lesson07 import type_finding
from kubelab.facade import Lab

Object = dict[str, Any]

DB = """\
apiVersion: v1
kind: Service
metadata:
  name: db
spec:
  clusterIP: None
  selector:
    app: db
  ports:
  - name: postgres
    port: 5432
    targetPort: postgres
"""

DB_CLUSTER_IP = DB.replace("  clusterIP: None\n", "")

HEADLESS = f'''\
lab.delete("svc/db")   # clusterIP cannot change once set: delete, then create
lab.apply("""
{DB}""")'''

BILLING = """\
apiVersion: v1
kind: Service
metadata:
  name: billing
spec:
  type: ExternalName
  externalName: api.example.net
"""


def setup(lab: Lab) -> None:
    """Lesson 09 starts from Deployment db (2 pods on port 5432) and a ClusterIP Service db."""
    lab.apply(scenarios.deployment("db", 2, port=5432, port_name="postgres"))
    lab.apply(DB_CLUSTER_IP)


def make_headless(manifest: str) -> Callable[[Lab], None]:
    def step(lab: Lab) -> None:
        if checks.find(lab, "service", "db") is not None:
            lab.delete("svc/db")  # clusterIP and ipFamilyPolicy are fixed at creation
        lab.apply(manifest)

    return step


def _headless(svc: Object) -> Finding:
    ip = svc["spec"].get("clusterIP")
    if ip == "None":
        return Finding(True, "Service db is headless (clusterIP: None)")
    return Finding(False, f"Service db has the cluster IP {ip}",
                   "a headless Service has clusterIP: None; clusterIP cannot change once "
                   'set, so delete the Service (lab.delete("svc/db")) and apply it again '
                   "with clusterIP: None")


def _dns_answers_pods(lab: Lab) -> Finding:
    want = sorted(p["status"]["podIP"] for p in checks.live_pods(lab, "app=db")
                  if checks.is_ready(p))
    answer = lab.resolve("db")
    got = sorted(r.value for r in answer.records if r.type == "A")
    if got == want:
        return Finding(True, f"DNS answers db with the pod IPs {', '.join(got)}")
    return Finding(False, f"DNS answers db with {', '.join(got) or answer.rcode}, the pods "
                   f"are {', '.join(want)}", "a headless Service with a selector gets one A "
                   "record per ready pod it selects: check its selector (app: db)")


def _check_headless(lab: Lab) -> list[Finding]:
    svc, found = service(lab, "db", "apply a headless Service named db")
    if svc is None:
        return [found]
    findings = [found, _headless(svc)]
    if findings[-1].ok:
        findings += checks.selector_findings(svc, checks.live_pods(lab, "app=db"), "db pods")
    if all(f.ok for f in findings):
        findings.append(_dns_answers_pods(lab))
    if all(f.ok for f in findings):
        findings.append(checks.request_finding(lab, "db:5432"))
    return findings


def _external_name(svc: Object) -> Finding:
    have = str(svc["spec"].get("externalName", "")).rstrip(".")
    if have == "api.example.net":
        return Finding(True, "billing points at api.example.net")
    if have.replace(".", "").isdigit():
        return Finding(False, f"externalName is {have}, an IP address",
                       "externalName must be a DNS name: DNS answers with a CNAME to it, "
                       f"and {have} is not a name anyone can resolve; use api.example.net")
    return Finding(False, f"externalName is {have!r}", "set externalName: api.example.net")


def _cname(lab: Lab) -> Finding:
    answer = lab.resolve("billing")
    chain = [f"{r.type} {r.value}" for r in answer.records]
    if answer.rcode == "NOERROR" and any(r.type == "CNAME" for r in answer.records):
        return Finding(True, f"DNS answers billing with {' → '.join(chain)}")
    return Finding(False, f"DNS answers billing with {answer.rcode}",
                   "lab.resolve('billing') shows the records")


def _leaves(lab: Lab) -> Finding:
    result = lab.request("billing:80")[0]
    if result.outcome == "ok":
        return Finding(True, f"a request to billing:80 leaves the cluster for "
                       f"{result.hops[-1].address} and is answered there")
    return Finding(False, f"a request to billing:80 failed ({result.outcome})",
                   "lab.explain('billing:80') shows each step")


def _check_billing(lab: Lab) -> list[Finding]:
    svc, found = service(lab, "billing",
                         how="apply a Service named billing with type: ExternalName")
    if svc is None:
        return [found]
    findings = [found, type_finding(svc, "ExternalName")]
    if findings[-1].ok:
        findings.append(_external_name(svc))
    if all(f.ok for f in findings):
        findings += [_cname(lab), _leaves(lab)]
    return findings


register(Exercise(
    id="09.1",
    title="Headless db",
    task="""\
Make the Service **`db`** headless, so that DNS answers `db` with the IPs of the `db`
pods themselves (port `5432`, `targetPort: postgres`, selector `app: db`). Apply it, read
the API server's answer, and do what it says.""",
    setup=setup,
    check=_check_headless,
    solution=HEADLESS,
    apply_solution=make_headless(DB),
    mistakes={
        "selector": make_headless(DB.replace("app: db", "app: database")),
        "no_selector": make_headless(DB.replace("  selector:\n    app: db\n", "")),
    },
    mistake_hints={"selector": "set app: db", "no_selector": "add spec.selector"},
    why="With clusterIP: None there is no virtual IP and no kube-proxy rule: the "
        "EndpointSlice controller still lists the ready pods, and the cluster DNS answers "
        "the Service's name with one A record per pod. The client picks an address itself.",
))

register(Exercise(
    id="09.2",
    title="billing lives outside",
    task="""\
The billing API moved out of the cluster to **`api.example.net`**. Create a Service
**`billing`** so that pods that call `billing` reach it, without changing the pods.""",
    setup=setup,
    check=_check_billing,
    solution=BILLING,
    apply_solution=checks.applying(BILLING),
    mistakes={
        "ip_address": checks.applying(BILLING.replace("api.example.net", "198.51.100.5")),
        "no_selector_service": checks.applying(
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: billing\nspec:\n  ports:\n"
            "  - port: 80\n"),
    },
    mistake_hints={"ip_address": "must be a DNS name", "no_selector_service": "ExternalName"},
    why="An ExternalName Service is only a DNS record: the cluster DNS answers billing "
        "with a CNAME to api.example.net, and the client's resolver follows it. No cluster "
        "IP, no endpoints, no kube-proxy; the ports are not used.",
))
