"""The simulated API server: verbs on resources, in the order kube-apiserver runs them.

Create: decode defaults -> namespace admission -> BeginCreate (the Service registry
allocates IPs and ports here, before validation) -> PrepareForCreate, generateName,
ObjectMeta and kind validation -> AlreadyExists -> persist. A failure at any step rolls
back what earlier steps allocated, so a rejected request changes nothing.
Source: staging/src/k8s.io/apiserver/pkg/registry/generic/registry/store.go (Create,
Update), pkg/registry/core/service/storage/storage.go (beginCreate, beginUpdate).

Per-kind rules live in Handlers (one module each); controllers react after each write.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from types import TracebackType
from typing import Any, Protocol

from kubelab import errors, selectors
from kubelab.kinds import Resource, find_resource, resource_for_object
from kubelab.mock import decode, meta
from kubelab.mock.clock import Clock
from kubelab.mock.field import FieldError, raise_if_any
from kubelab.mock.heap import HeapPolicy
from kubelab.mock.store import Object, Store, copy_object

Finish = Callable[[bool], None]  # called with success=True to commit, False to roll back


def _noop_finish(success: bool) -> None:
    return None


class _Allocations:
    """The rest of a write after begin_create/begin_update: what they allocated is kept if
    it succeeds and handed back if anything fails."""

    __slots__ = ("finish",)

    def __init__(self, finish: Finish) -> None:
        self.finish = finish

    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.finish(kind is None)


class Handler:
    """The rules of one kind. The base class has none: every method may be overridden."""

    # Kinds whose strategy keeps metadata.generation (Deployments, Pods, EndpointSlices...).
    tracks_generation = False

    def copy_body(self, obj: Object) -> Object:
        """The API server's own copy of a create's body: the caller's is never changed."""
        return copy_object(obj)

    def default(self, obj: Object) -> None:
        """SetDefaults_*: what decoding a request fills in."""

    def decode_create(self, obj: Object, kind: str, version: str) -> None:
        """Decode a create's body: the decoder's 400s, then the defaults. A kind may skip
        work it has done before for the same body (Pods: kubelab.mock.podhandler)."""
        decode.check(obj, kind, version)
        self.default(obj)

    def begin_create(self, obj: Object) -> Finish:
        """Allocate what the object needs (before validation); return how to finish."""
        return _noop_finish

    def prepare_create(self, obj: Object) -> None:
        """strategy.PrepareForCreate: e.g. drop status the client may not set."""

    def validate_create(self, obj: Object) -> list[FieldError]:
        return []

    def begin_update(self, new: Object, old: Object) -> Finish:
        return _noop_finish

    def prepare_update(self, new: Object, old: Object) -> None:
        """strategy.PrepareForUpdate: by default status cannot change through the main resource."""
        if "status" in old:
            new["status"] = copy_object(old["status"])
        else:
            new.pop("status", None)

    def validate_update(self, new: Object, old: Object) -> list[FieldError]:
        return []

    def deleted(self, old: Object) -> None:
        """The object left the store: release what it held."""

    def name_errors(self, name: str) -> list[str]:
        """How this kind's names are validated (most kinds: a DNS-1123 subdomain)."""
        return meta.dns1123_subdomain_errors(name)

    def graceful(self, obj: Object) -> float | None:
        """Seconds of graceful deletion (pods), or None to remove at once."""
        return None

    def begin_delete(self, obj: Object, now: str) -> Object | None:
        """A deletion that keeps the object for now (a Namespace turns Terminating until its
        content is gone): the object to store instead, or None for the usual deletion."""
        return None


_NO_RULES = Handler()


class Controller(Protocol):
    """A control loop. `observe` sees every change; `sync` acts and says whether it wrote."""

    def observe(self, plural: str, event: str, obj: Object) -> None: ...

    def sync(self, api: ApiServer) -> bool: ...

    def next_deadline(self, api: ApiServer) -> float | None:
        """The next simulated second at which this controller has timed work, if any."""
        ...


_NAME_CHARS = "bcdfghjklmnpqrstvwxz2456789"  # k8s.io/apimachinery/pkg/util/rand alphanumerics
_UUID_KEEP = ~((0xF << 76) | (0xC << 60)) & (2**128 - 1)  # all but version and variant
_UUID_SET = (0x4 << 76) | (0x8 << 60)
_RANDOM_LENGTH = 5  # names.randomLength
_MAX_GENERATED_BASE = 63 - _RANDOM_LENGTH  # names.maxGeneratedNameLength


class ApiServer:
    """One simulated cluster's API: per-instance state only, so two clusters never share."""

    def __init__(self, seed: int = 0, clock: Clock | None = None) -> None:
        self.seed = seed
        self.clock = clock or Clock()
        self.store = Store()
        self.handlers: dict[str, Handler] = {}
        self.controllers: list[Controller] = []
        self._rngs: dict[str, random.Random] = {}
        # Per-cluster state of modules beyond the API (e.g. the data plane's affinity table).
        self.extensions: dict[str, Any] = {}
        self.heap = HeapPolicy()
        self.store.subscribe(self._tell_controllers)

    # -- randomness: one seeded stream per purpose, so one use never shifts another --------

    def rng(self, purpose: str) -> random.Random:
        if purpose not in self._rngs:
            self._rngs[purpose] = random.Random(f"{self.seed}:{purpose}")
        return self._rngs[purpose]

    def random_suffix(self, length: int = 5) -> str:
        choice = self.rng("names").choice
        return "".join([choice(_NAME_CHARS) for _ in range(length)])

    def new_uid(self) -> str:
        """A version-4 UUID, as the API server's uuid.NewUUID gives: 128 random bits with
        the version nibble set to 4 and the variant bits to 10."""
        value = self.rng("uids").getrandbits(128)
        value = (value & _UUID_KEEP) | _UUID_SET
        hexed = f"{value:032x}"
        return f"{hexed[:8]}-{hexed[8:12]}-{hexed[12:16]}-{hexed[16:20]}-{hexed[20:]}"

    # -- reads ----------------------------------------------------------------------------

    def get(self, res: Resource, name: str, namespace: str | None) -> Object:
        obj = self.store.get(res.plural, self._ns(res, namespace), name)
        if obj is None:
            raise errors.not_found(res.plural, name, res.group)
        return copy_object(obj)

    def list(
        self, res: Resource, namespace: str | None, selector: str | None = None
    ) -> list[Object]:
        requirements = selectors.parse(selector)
        ns = self._ns(res, namespace) if namespace is not None else None
        return [
            copy_object(obj)
            for obj in self.store.items(res.plural, ns)
            if selectors.matches(requirements, obj["metadata"].get("labels"))
        ]

    # -- writes from clients: each runs the controllers afterwards -------------------------

    def create(self, obj: Object, namespace: str | None = None) -> Object:
        return self._settled(self.create_object(obj, namespace))

    def replace(self, obj: Object, namespace: str | None = None) -> Object:
        return self._settled(self.update_object(obj, namespace))

    def delete(self, res: Resource, name: str, namespace: str | None) -> None:
        self.delete_object(res, name, namespace)
        self.reconcile()

    def _settled(self, written: Object) -> Object:
        """After a client's write: the controllers run, then the object as they left it."""
        self.reconcile()
        metadata = written["metadata"]
        return self.get(resource_for_object(written), metadata["name"], metadata.get("namespace"))

    # -- writes (also used by controllers, which write through the API like real ones) ----

    def create_object(self, obj: Object, namespace: str | None = None) -> Object:
        obj = self._body_handler(obj).copy_body(obj)
        res = resource_for_object(obj)
        handler = self.handlers.get(res.plural, _NO_RULES)
        metadata = obj.setdefault("metadata", {})
        if not isinstance(metadata, dict):
            raise errors.bad_request("metadata must be an object")
        ns = self._admit_namespace(res, metadata, namespace)
        handler.decode_create(obj, res.kind, res.version)
        name_for_errors = metadata.get("name") or metadata.get("generateName") or ""
        with _Allocations(handler.begin_create(obj)):
            handler.prepare_create(obj)
            self._fill_create_metadata(metadata, ns, handler.tracks_generation)
            name_for_errors = metadata.get("name", "")
            problems = meta.validate_object_meta(metadata, res.namespaced, handler.name_errors)
            problems += handler.validate_create(obj)
            raise_if_any(res.kind, res.group, name_for_errors, problems)
            if self.store.get(res.plural, ns, metadata["name"]) is not None:
                raise errors.already_exists(res.plural, metadata["name"], res.group)
            self.store.put(res.plural, obj)
        return obj

    def _body_handler(self, body: Object) -> Handler:
        """The handler of a body's kind, if it names a known one (else resource_for_object
        says what is wrong, after the copy)."""
        if type(body) is not dict:
            return _NO_RULES
        res = find_resource(body.get("kind"), body.get("apiVersion"))
        return self.handlers.get(res.plural, _NO_RULES) if res is not None else _NO_RULES

    def update_object(self, obj: Object, namespace: str | None = None) -> Object:
        obj = copy_object(obj)
        res = resource_for_object(obj)
        handler = self.handlers.get(res.plural, _NO_RULES)
        metadata = obj.setdefault("metadata", {})
        ns = self._request_namespace(res, metadata, namespace)
        name = metadata.get("name")
        if not name:
            raise errors.bad_request("name is required for update")  # kubectl replace wording
        old = self.store.get(res.plural, ns, name)
        if old is None:
            raise errors.not_found(res.plural, name, res.group)
        given = metadata.get("resourceVersion")
        if given and given != old["metadata"]["resourceVersion"]:
            raise errors.conflict(res.plural, name, res.group)
        decode.check(obj, res.kind, res.version)
        handler.default(obj)
        handler.prepare_update(obj, old)
        meta.carry_over(metadata, old["metadata"])
        if handler.tracks_generation and not meta.same_ignoring_meta(obj, old):
            metadata["generation"] = old["metadata"].get("generation", 1) + 1
        with _Allocations(handler.begin_update(obj, old)):
            problems = meta.validate_object_meta_update(metadata, old["metadata"])
            problems += meta.validate_object_meta(metadata, res.namespaced, handler.name_errors)
            problems += handler.validate_update(obj, old)
            raise_if_any(res.kind, res.group, name, problems)
            if obj == old:  # a no-op update keeps the resourceVersion, as etcd3 does
                return old
            self.store.put(res.plural, obj)
        return obj

    def update_status(self, obj: Object) -> Object:
        """The /status subresource: only status changes. For controllers."""
        res = resource_for_object(obj)
        meta_ = obj["metadata"]
        old = self.store.get(res.plural, meta_.get("namespace", ""), meta_["name"])
        if old is None:
            raise errors.not_found(res.plural, meta_["name"], res.group)
        if old.get("status") == obj.get("status"):
            return old
        new = copy_object(old)
        new["status"] = copy_object(obj.get("status"))
        return self.store.put(res.plural, new)

    def delete_object(self, res: Resource, name: str, namespace: str | None) -> None:
        ns = self._ns(res, namespace)
        obj = self.store.get(res.plural, ns, name)
        if obj is None:
            raise errors.not_found(res.plural, name, res.group)
        handler = self.handlers.get(res.plural, _NO_RULES)
        kept = handler.begin_delete(obj, self.clock.timestamp())
        if kept is not None:
            if kept != obj:
                self.store.put(res.plural, kept)
            return
        grace = handler.graceful(obj)
        if grace:
            if "deletionTimestamp" not in obj["metadata"]:
                self.store.put(res.plural, self._marked_for_deletion(obj, grace))
            return
        self.remove_object(res, ns, name)

    def _marked_for_deletion(self, obj: Object, grace: float) -> Object:
        """rest.BeforeDelete on a first graceful delete: deletionTimestamp and grace period
        set, and metadata.generation bumped where the kind tracks it (controllers must see
        the change of intent). Source: staging/src/k8s.io/apiserver/pkg/registry/rest/
        delete.go."""
        marked = {**obj, "metadata": dict(obj["metadata"])}
        metadata = marked["metadata"]
        metadata["deletionTimestamp"] = self.clock.timestamp(self.clock.seconds + grace)
        metadata["deletionGracePeriodSeconds"] = int(grace)
        if metadata.get("generation", 0) > 0:
            metadata["generation"] += 1
        return marked

    def remove_object(self, res: Resource, namespace: str, name: str) -> None:
        """Take an object out of the store for good (graceful deletion has ended)."""
        old = self.store.remove(res.plural, namespace, name)
        if old is not None:
            self.handlers.get(res.plural, _NO_RULES).deleted(old)

    # -- controllers and time ---------------------------------------------------------------

    def reconcile(self, max_rounds: int = 1000) -> None:
        """Run every controller until none has anything left to do."""
        for _ in range(max_rounds):
            wrote = False
            for controller in self.controllers:
                wrote = controller.sync(self) or wrote
            if not wrote:
                self.heap.after_writes(self.store.revision)
                return
        raise RuntimeError("the simulated controllers did not settle; this is a kubelab bug")

    def advance(self, seconds: float) -> None:
        """Move the clock, stopping at each controller deadline so timed work happens in order."""
        if seconds < 0:
            raise ValueError("advance() takes a number of seconds >= 0")
        target = self.clock.seconds + seconds
        self.reconcile()
        while True:
            deadlines = [
                d
                for c in self.controllers
                if (d := c.next_deadline(self)) is not None and d <= target
            ]
            step = min(deadlines, default=target)
            self.clock.advance_to(max(step, self.clock.seconds))
            self.reconcile()
            if step >= target:
                return

    # -- helpers ----------------------------------------------------------------------------

    def _tell_controllers(self, plural: str, event: str, obj: Object) -> None:
        for controller in self.controllers:
            controller.observe(plural, event, obj)

    @staticmethod
    def _ns(res: Resource, namespace: str | None) -> str:
        return (namespace or "default") if res.namespaced else ""

    def _request_namespace(self, res: Resource, metadata: Object, namespace: str | None) -> str:
        if not res.namespaced:
            metadata.pop("namespace", None)
            return ""
        given = metadata.get("namespace")
        if given and namespace and given != namespace:
            raise errors.bad_request(
                "the namespace of the provided object does not match the namespace sent on "
                "the request"
            )
        ns = given or namespace or "default"
        metadata["namespace"] = ns
        return str(ns)

    def _admit_namespace(self, res: Resource, metadata: Object, namespace: str | None) -> str:
        """NamespaceLifecycle admission: the namespace must exist and not be terminating."""
        ns = self._request_namespace(res, metadata, namespace)
        if not res.namespaced:
            return ns
        namespace_obj = self.store.get("namespaces", "", ns)
        if namespace_obj is None:
            raise errors.not_found("namespaces", ns)
        if namespace_obj.get("status", {}).get("phase") == "Terminating":
            raise errors.forbidden(
                res.plural,
                metadata.get("name") or metadata.get("generateName", ""),
                f"unable to create new content in namespace {ns} because it is being terminated",
                res.group,
            )
        return ns

    def _generated_name(self, base: str) -> str:
        """SimpleNameGenerator: the base cut to 58 characters, then 5 random ones
        (staging/src/k8s.io/apiserver/pkg/storage/names/generate.go)."""
        return base[:_MAX_GENERATED_BASE] + self.random_suffix(_RANDOM_LENGTH)

    def _fill_create_metadata(self, metadata: Object, namespace: str, generation: bool) -> None:
        if not metadata.get("name") and metadata.get("generateName"):
            metadata["name"] = self._generated_name(metadata["generateName"])
        for server_owned in (
            "uid",
            "resourceVersion",
            "creationTimestamp",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
            "generation",
            "selfLink",
        ):
            metadata.pop(server_owned, None)
        metadata["uid"] = self.new_uid()
        metadata["creationTimestamp"] = self.clock.timestamp()
        if generation:
            metadata["generation"] = 1
        if namespace:
            metadata["namespace"] = namespace


def object_key(obj: Object) -> tuple[str, str]:
    metadata: dict[str, Any] = obj["metadata"]
    return metadata.get("namespace", ""), metadata["name"]
