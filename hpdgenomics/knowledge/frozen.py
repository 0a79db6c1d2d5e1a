"""Read-only containers for knowledge-base data: :class:`FrozenDict`, :func:`freeze`, :func:`thaw`.

Below every other knowledge module (it imports nothing from hpdgenomics), so the loader, the
validator and :mod:`hpdgenomics.knowledge.base` can all import it at the top.
"""
from __future__ import annotations

import json
from typing import Any


class FrozenDict(dict):
    """A dict that refuses changes, so cached knowledge cannot be altered by a consumer.

    It stays a ``dict`` so that ``json.dumps`` and ``dataclasses.asdict`` handle it as one.
    """

    def _refuse(self, *_args, **_kwargs):
        raise TypeError("knowledge-base mappings are read-only; copy with dict(...) to change one")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = _refuse
    __ior__ = _refuse

    # dict declares itself unhashable (__hash__ = None); a read-only one is hashable by its JSON,
    # so that it can be a frozen dataclass field value
    def __hash__(self) -> int:  # type: ignore[override]
        return hash(json.dumps(self, sort_keys=True, default=str))

    def __reduce__(self):
        return (FrozenDict, (dict(self),))

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self


def freeze(value: Any) -> Any:
    """Nested dicts/lists from YAML as FrozenDict/tuple."""
    if isinstance(value, dict):
        return FrozenDict({k: freeze(v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(freeze(v) for v in value)
    return value


def thaw(value: Any) -> Any:
    """FrozenDict/tuple back to plain dict/list (for JSON output and merging)."""
    if isinstance(value, dict):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [thaw(v) for v in value]
    return value


__all__ = ["FrozenDict", "freeze", "thaw"]
