"""Records: small classes with __slots__ and a hand-written __init__, for the types every cron run defines.

`@dataclass` writes and compiles each class's methods when the module is imported (about 0.6 ms a frozen
class, and the dataclasses module pulls in inspect and ast): a cron cycle paid more for that than for its
work. A record lists its fields in __slots__ (in order, all of them __init__ parameters) and gets
dataclass-like equality and repr from Record, plus immutability and a hash from FrozenRecord.
`replace` and `as_dict` stand in for dataclasses.replace and dataclasses.asdict.
"""

from __future__ import annotations

from typing import Any, TypeVar

R = TypeVar("R", bound="Record")
set_field = object.__setattr__  # how a frozen record's __init__ sets its fields


class Record:
    """Equality field by field between records of the same class, and a dataclass-style repr."""

    __slots__: tuple[str, ...] = ()

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name in self.__slots__)

    # no __hash__: a class that defines __eq__ alone is unhashable, like an unfrozen dataclass

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{self.__class__.__qualname__}({shown})"


class FrozenRecord(Record):
    """A Record whose fields cannot be set after __init__ (which sets them with set_field)."""

    __slots__: tuple[str, ...] = ()

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"cannot assign to field {name!r} of a frozen {self.__class__.__name__}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r} of a frozen {self.__class__.__name__}")

    def __hash__(self) -> int:
        return hash(tuple(getattr(self, name) for name in self.__slots__))


def replace(record: R, **changes: Any) -> R:
    """A copy of record with some fields changed, like dataclasses.replace."""
    unknown = set(changes).difference(record.__slots__)
    if unknown:
        raise TypeError(f"{record.__class__.__name__} has no field {sorted(unknown)[0]!r}")
    values = {name: getattr(record, name) for name in record.__slots__}
    values.update(changes)
    return record.__class__(**values)


def as_dict(value: Any) -> Any:
    """Records as dicts, recursively through tuples, lists and dicts, like dataclasses.asdict (no copies)."""
    if isinstance(value, Record):
        return {name: as_dict(getattr(value, name)) for name in value.__slots__}
    if isinstance(value, (list, tuple)):
        return value.__class__(as_dict(v) for v in value)
    if isinstance(value, dict):
        return {k: as_dict(v) for k, v in value.items()}
    return value
