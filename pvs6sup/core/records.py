"""Records: typed classes whose fields are declared once, as annotations, for the types every cron run defines.

`@dataclass` writes and compiles each class's methods when the module is imported (about 0.6 ms a frozen
class, and the dataclasses module pulls in inspect and ast): a cron cycle paid more for that than for its
work. A record class lists its fields as annotations (with defaults, or `field(default_factory=...)` for a
fresh list or dict each, made also when None is given); the metaclass turns them into __slots__, and the
class's __init__ is generated and compiled the first time the class is instantiated (a class a run never
builds costs no compile). Record gives dataclass-like equality and repr; FrozenRecord adds immutability and
a hash.

mypy sees both bases as `dataclass_transform` classes (PEP 681), so it checks every constructor, and
`replace` is typed as dataclasses.replace, whose keyword changes mypy checks against the fields. Record
modules use `from __future__ import annotations`: the metaclass reads the annotations as written, unevaluated.
A class that writes its own __slots__ and __init__ keeps them (set_field sets a frozen record's fields).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

if TYPE_CHECKING:
    from typing_extensions import dataclass_transform  # Python 3.10 has no typing.dataclass_transform
else:

    def dataclass_transform(**_: object) -> Callable[[type], type]:
        return lambda cls: cls


T = TypeVar("T")
R = TypeVar("R", bound="_Fields")
set_field = object.__setattr__  # how a frozen record's __init__ sets its fields


class _Factory:
    __slots__ = ("make",)

    def __init__(self, make: Callable[[], object]) -> None:
        self.make = make


def field(*, default_factory: Callable[[], T]) -> T:
    """A field whose default is made afresh for each record (a list, a dict, another record)."""
    return _Factory(default_factory)  # type: ignore[return-value]  # the metaclass takes it out of the class


class _RecordType(type):
    """Makes a record class's annotations its __slots__ and keeps their defaults for its __init__."""

    def __new__(mcs, name: str, bases: tuple[type, ...], namespace: dict[str, Any]) -> _RecordType:
        if "__slots__" not in namespace:
            names = tuple(
                n for n, a in namespace.get("__annotations__", {}).items() if not str(a).startswith("ClassVar")
            )
            if names and any(getattr(base, "__slots__", ()) for base in bases):
                raise TypeError(f"record {name} cannot add fields to another record's")
            namespace["__slots__"] = names
            namespace["_defaults"] = {n: namespace.pop(n) for n in names if n in namespace}
            if names and "__init__" not in namespace:
                namespace["__init__"] = _first_init
        return super().__new__(mcs, name, bases, namespace)


def _first_init(self: _Fields, *args: object, **kwargs: object) -> None:
    """Compile the class's own __init__, put it in place and run it (once a class: later calls go direct)."""
    cls = self.__class__
    init = _make_init(cls)
    cls.__init__ = init  # type: ignore[method-assign]
    init(self, *args, **kwargs)


def _make_init(cls: type[_Fields]) -> Callable[..., None]:
    frozen = issubclass(cls, FrozenRecord)
    given: dict[str, Any] = {"_set": set_field}
    params, lines = ["self"], []
    for name in cls.__slots__:
        value = name
        if name in cls._defaults:
            default = cls._defaults[name]
            if isinstance(default, _Factory):
                given[f"_make_{name}"] = default.make
                params.append(f"{name}=None")  # None, as the hand-written __init__s took it: a fresh one
                value = f"_make_{name}() if {name} is None else {name}"
            else:
                given[f"_default_{name}"] = default
                params.append(f"{name}=_default_{name}")
        else:
            params.append(name)
        lines.append(f"_set(self, {name!r}, {value})" if frozen else f"self.{name} = {value}")
    source = f"def __init__({', '.join(params)}):\n    " + "\n    ".join(lines or ["pass"]) + "\n"
    exec(source, given)  # noqa: S102 (the source is built from the class's own field names)
    init: Callable[..., None] = given["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    return init


class _Fields(metaclass=_RecordType):
    """Equality field by field between records of the same class, and a dataclass-style repr."""

    __slots__: tuple[str, ...] = ()
    _defaults: ClassVar[dict[str, Any]] = {}

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name in self.__slots__)

    # no __hash__: a class that defines __eq__ alone is unhashable, like an unfrozen dataclass

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{self.__class__.__qualname__}({shown})"


@dataclass_transform(field_specifiers=(field,))
class Record(_Fields):
    """A record whose fields may be set after __init__."""

    __slots__: tuple[str, ...] = ()


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
class FrozenRecord(_Fields):
    """A record whose fields cannot be set after __init__, and so can be hashed."""

    __slots__: tuple[str, ...] = ()

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"cannot assign to field {name!r} of a frozen {self.__class__.__name__}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r} of a frozen {self.__class__.__name__}")

    def __hash__(self) -> int:
        return hash(tuple(getattr(self, name) for name in self.__slots__))


def _replace(record: R, **changes: Any) -> R:
    unknown = set(changes).difference(record.__slots__)
    if unknown:
        raise TypeError(f"{record.__class__.__name__} has no field {sorted(unknown)[0]!r}")
    values = {name: getattr(record, name) for name in record.__slots__}
    values.update(changes)
    make: Any = record.__class__
    return make(**values)  # type: ignore[no-any-return]


if TYPE_CHECKING:
    from dataclasses import replace as replace  # the same call, and mypy checks the changes against the fields
else:
    replace = _replace  # a copy of a record with some fields changed, like dataclasses.replace


def as_dict(value: Any) -> Any:
    """Records as dicts, recursively through tuples, lists and dicts, like dataclasses.asdict (no copies)."""
    if isinstance(value, _Fields):
        return {name: as_dict(getattr(value, name)) for name in value.__slots__}
    if isinstance(value, (list, tuple)):
        return value.__class__(as_dict(v) for v in value)
    if isinstance(value, dict):
        return {k: as_dict(v) for k, v in value.items()}
    return value
