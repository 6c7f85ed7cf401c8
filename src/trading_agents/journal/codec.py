"""Turn the service's records and state into JSON and back, for a fixed list of types only.

Unlike pickle, decoding never runs code named by the data: it builds only the classes in
the codec's table, and a stored object whose fields differ from the class it names (a
file written by another version) is a loud error, not a half-restored object.
"""

from __future__ import annotations

import dataclasses
import json
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from enum import Enum
from typing import Any

from trading_agents.core.errors import FatalError
from trading_agents.model.instruments import Instrument, InstrumentRegistry

JSON = Any  # what json.dumps accepts and json.loads returns


class CodecError(FatalError):
    """Stored data names an unknown type or does not fit the type it names."""


class Codec:
    """Encode and decode values of the registered dataclasses, NamedTuples and enums."""

    def __init__(
        self,
        types: Iterable[type],
        instruments: InstrumentRegistry | None = None,
        retired: Mapping[str, Iterable[str]] | None = None,
    ) -> None:
        """Register `types`; `retired` names, by type, fields older versions stored and dropped."""
        self._retired = {name: frozenset(fields) for name, fields in (retired or {}).items()}
        self._types: dict[str, type] = {}
        for kind in types:
            name = kind.__name__
            if name in self._types and self._types[name] is not kind:
                raise ValueError(f"two registered types are called {name}")
            self._types[name] = kind
        self._instruments = instruments
        self._encoders: dict[type, Callable[[Any], JSON]] = {}

    def dumps(self, value: object) -> str:
        """Return the value as compact JSON text."""
        return self.text(self.encode(value))

    @staticmethod
    def text(encoded: JSON) -> str:
        """Return what `encode` gave as the compact JSON text `dumps` writes."""
        return json.dumps(encoded, separators=(",", ":"))

    def loads(self, text: str | bytes) -> Any:
        """Return the value JSON text encodes."""
        return self.decode(json.loads(text))

    def encode(self, value: object) -> JSON:
        """Return a JSON-ready form of the value, every type marked so it decodes exactly."""
        kind = type(value)
        encoder = self._encoders.get(kind)
        if encoder is None:
            # Worked out once a type: the journal encodes every decision and state it keeps.
            encoder = self._encoders[kind] = self._encoder(kind)
        return encoder(value)

    def _encoder(self, kind: type) -> Callable[[Any], JSON]:
        """Return how values of exactly this type are encoded."""
        if issubclass(kind, Enum):  # first: a StrEnum is a str too
            name = self._name(kind)
            return lambda value: {"$e": name, "v": value.value}
        if kind is type(None) or issubclass(kind, bool | int | str):
            return _same
        if issubclass(kind, Decimal):
            return lambda value: {"$d": str(value)}
        if issubclass(kind, float):
            return lambda value: {"$f": repr(value)}
        if issubclass(kind, Instrument):
            return lambda value: {"$i": value.symbol}
        if issubclass(kind, list):
            return lambda value: [self.encode(item) for item in value]
        if issubclass(kind, tuple) and hasattr(kind, "_fields"):
            return self._object_encoder(kind, tuple(kind._fields))
        if issubclass(kind, tuple):
            return lambda value: {"$t": [self.encode(item) for item in value]}
        if issubclass(kind, deque):
            return lambda value: {"$q": [self.encode(item) for item in value], "n": value.maxlen}
        if issubclass(kind, set | frozenset):
            return lambda value: {
                "$s": sorted((self.encode(item) for item in value), key=json.dumps)
            }
        if issubclass(kind, Mapping):
            return lambda value: {
                "$m": [[self.encode(k), self.encode(v)] for k, v in value.items()]
            }
        if dataclasses.is_dataclass(kind):
            return self._object_encoder(kind, tuple(f.name for f in dataclasses.fields(kind)))
        raise CodecError(f"cannot store a {kind.__name__}: not a registered type")

    def _object_encoder(self, kind: type, names: tuple[str, ...]) -> Callable[[Any], JSON]:
        """Return the encoder of a registered dataclass or NamedTuple, field by field."""
        name = self._name(kind)
        encode = self.encode
        return lambda value: {"$o": name, "f": {n: encode(getattr(value, n)) for n in names}}

    def decode(self, data: JSON) -> Any:
        """Rebuild the value `encode` produced."""
        if data is None or isinstance(data, bool | int | str):
            return data
        if isinstance(data, list):
            return [self.decode(item) for item in data]
        if not isinstance(data, dict):
            raise CodecError(f"unexpected stored value {data!r}")
        if "$d" in data:
            return Decimal(data["$d"])
        if "$f" in data:
            return float(data["$f"])
        if "$e" in data:
            return self._type(data["$e"])(data["v"])
        if "$i" in data:
            if self._instruments is None:
                raise CodecError("stored data names an instrument, and this codec knows none")
            return self._instruments.get(data["$i"])
        if "$t" in data:
            return tuple(self.decode(item) for item in data["$t"])
        if "$q" in data:
            return deque((self.decode(item) for item in data["$q"]), maxlen=data["n"])
        if "$s" in data:
            return {self.decode(item) for item in data["$s"]}
        if "$m" in data:
            return {self.decode(k): self.decode(v) for k, v in data["$m"]}
        if "$o" in data:
            return self._build(data["$o"], data["f"])
        raise CodecError(f"unexpected stored object with keys {sorted(data)}")

    def _name(self, kind: type) -> str:
        name = kind.__name__
        if self._types.get(name) is not kind:
            raise CodecError(f"cannot store a {name}: not a registered type")
        return name

    def _type(self, name: str) -> Any:
        kind = self._types.get(name)
        if kind is None:
            raise CodecError(f"stored data names the unknown type {name!r}")
        return kind

    def _build(self, name: str, stored: Mapping[str, JSON]) -> Any:
        kind = self._type(name)
        if issubclass(kind, tuple):
            names: list[str] = list(kind._fields)
            defaults: Mapping[str, Any] = kind._field_defaults
        else:
            names = [f.name for f in dataclasses.fields(kind)]
            defaults = {
                f.name: f.default
                for f in dataclasses.fields(kind)
                if f.default is not dataclasses.MISSING
            }
        # A field added since with a default may be missing: older rows read as they were.
        missing = [name for name in names if name not in stored and name not in defaults]
        # A field dropped since is retired: older rows carry it, and it is not read.
        retired = self._retired.get(name, frozenset())
        if missing or not set(stored) <= set(names) | retired:
            raise CodecError(
                f"stored {name} has fields {sorted(stored)}, the {name} of this version"
                f" {sorted(names)}: it was written by another version"
            )
        values = {
            field: self.decode(stored[field]) if field in stored else defaults[field]
            for field in names
        }
        if issubclass(kind, tuple):
            return kind(**values)
        # Built field by field, as the object was when stored: no __init__ or validation runs
        # again, and frozen dataclasses are filled the way their own __init__ fills them. The
        # class's own __new__: a compiled (mypyc) class refuses object.__new__.
        try:
            built = kind.__new__(kind)
        except TypeError:
            # A compiled class whose __init__ is written in its body (see model/orders.py)
            # runs that __init__ from __new__: built through it, every field as stored, so
            # its checks run again here; a row they refuse is a stored row this version
            # cannot read, said as such.
            try:
                return kind(**values)
            except (TypeError, ValueError) as error:
                raise CodecError(f"stored {name} cannot be rebuilt: {error}") from error
        for field, value in values.items():
            object.__setattr__(built, field, value)
        return built


def _same(value: JSON) -> JSON:
    return value
