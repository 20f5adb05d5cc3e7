"""Records: typed classes whose fields are declared once, as annotations, for the types every cron run defines.

`@dataclass` writes and compiles each class's methods when the module is imported (about 0.6 ms a frozen
class, and the dataclasses module pulls in inspect and ast): a cron cycle paid more for that than for its
work. A record class lists its fields as annotations (with defaults, or `field(default_factory=...)` for a
fresh list or dict each, made also when None is given); the metaclass turns them into __slots__. A class is
first built by a shared __init__ that binds the arguments to the fields in C where it can; a class built
often gets its own __init__, generated and compiled once (about 50 µs, which most classes a cron run
defines never pay). Record gives dataclass-like equality and repr; FrozenRecord adds immutability and a hash.

mypy sees both bases as `dataclass_transform` classes (PEP 681), so it checks every constructor, and
`replace` is typed as dataclasses.replace, whose keyword changes mypy checks against the fields. Record
modules use `from __future__ import annotations`: the metaclass reads the annotations as written, unevaluated.
A class that writes its own __slots__ and __init__ keeps them (set_field sets a frozen record's fields).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from itertools import repeat
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, overload

if TYPE_CHECKING:
    from typing_extensions import dataclass_transform  # Python 3.10 has no typing.dataclass_transform
else:

    def dataclass_transform(**_: object) -> Callable[[type], type]:
        return lambda cls: cls


T = TypeVar("T")
R = TypeVar("R", bound="_Fields")
set_field = object.__setattr__  # how a frozen record's shared __init__ sets its fields
_MISSING: Any = object()


class _Field:
    __slots__ = ("default", "make", "shown")

    def __init__(self, default: object, make: Callable[[], object] | None, shown: bool) -> None:
        self.default, self.make, self.shown = default, make, shown


@overload
def field(*, default: T, repr: bool = True) -> T: ...
@overload
def field(*, default_factory: Callable[[], T], repr: bool = True) -> T: ...
@overload
def field(*, repr: bool = True) -> Any: ...
def field(*, default: Any = _MISSING, default_factory: Callable[[], Any] | None = None, repr: bool = True) -> Any:
    """A field with a default made afresh for each record (a list, a dict, another record), or left out of
    the repr (a secret)."""
    return _Field(default, default_factory, repr)  # the metaclass takes it out of the class


_COMPILE_AFTER = 48  # instantiations of a class before its own __init__ is compiled (about 50 µs a class)
_fill: Callable[[Iterable[None]], None] = deque[None](maxlen=0).extend  # runs a map of set_field calls, in C


class _Spec:
    """A record class's fields: names in order, how many are required, the defaults of the others."""

    __slots__ = ("names", "required", "tail", "factories", "index", "calls")

    def __init__(
        self, names: tuple[str, ...], required: int, tail: tuple[Any, ...], factories: tuple[tuple[int, Any], ...]
    ) -> None:
        self.names, self.required, self.tail, self.factories = names, required, tail, factories
        self.index: dict[str, int] | None = None  # name -> position, made for the first call with keywords
        self.calls = 0


class _RecordType(type):
    """Makes a record class's annotations its __slots__ and keeps their defaults for its __init__.

    One pass over the annotations: every cron run defines some 30 record classes.
    """

    def __new__(mcs, name: str, bases: tuple[type, ...], namespace: dict[str, Any]) -> _RecordType:
        if "__slots__" in namespace:  # written by hand, with its own __init__
            return super().__new__(mcs, name, bases, namespace)
        names: list[str] = []
        tail: list[Any] = []
        factories: list[tuple[int, Any]] = []
        hidden: list[str] = []  # fields the repr leaves out
        for field_name, annotation in namespace.get("__annotations__", {}).items():
            if str(annotation).startswith("ClassVar"):
                continue
            if field_name in namespace:
                value = namespace.pop(field_name)
                if isinstance(value, _Field):
                    if not value.shown:
                        hidden.append(field_name)
                    if value.make is not None:
                        factories.append((len(names), value.make))
                        value = None  # the parameter's default; None makes a fresh one
                    elif value.default is _MISSING:
                        if tail:
                            raise TypeError(f"{name}.{field_name} has no default but follows a field with one")
                        names.append(field_name)
                        continue
                    else:
                        value = value.default
                tail.append(value)
            elif tail:
                raise TypeError(f"{name}.{field_name} has no default but follows a field with one")
            names.append(field_name)
        namespace["__slots__"] = fields = tuple(names)
        if fields:
            for base in bases:
                if getattr(base, "__slots__", ()):
                    raise TypeError(f"record {name} cannot add fields to another record's")
            namespace["_spec"] = _Spec(fields, len(fields) - len(tail), tuple(tail), tuple(factories))
            namespace.setdefault("__init__", _shared_init)
            if hidden:
                namespace["_shown"] = tuple(n for n in fields if n not in hidden)
        return super().__new__(mcs, name, bases, namespace)


def _shared_init(self: _Fields, *args: Any, **kwargs: Any) -> None:
    """Every record class's __init__ until the class has been built _COMPILE_AFTER times; then its own.

    A compiled __init__ is the fastest, but compiling one costs as much as about 50 calls of this one, and
    most record classes are built only a few times a cron run. A call this one cannot bind goes to the
    compiled __init__, which raises Python's own TypeError for it.
    """
    spec = self._spec
    spec.calls += 1
    count = len(args)
    values: Any = None
    if spec.calls > _COMPILE_AFTER:
        pass
    elif kwargs:
        values = _bind(spec, args, kwargs)
    elif count == len(spec.names):
        values = args
    elif spec.required <= count < len(spec.names):
        values = args + spec.tail[count - spec.required :]
    if values is None:
        _compiled_init(self.__class__)(self, *args, **kwargs)
        return
    if spec.factories:
        values = list(values)
        for i, make in spec.factories:
            if values[i] is None:  # None, as the hand-written __init__s took it: a fresh one
                values[i] = make()
    _fill(map(set_field, repeat(self), spec.names, values))


def _bind(spec: _Spec, args: tuple[Any, ...], kwargs: dict[str, Any]) -> list[Any] | None:
    """The field values of a call with keywords, or None if the call does not fit the fields."""
    count = len(args)
    if count > len(spec.names):
        return None
    values = [*args, *[_MISSING] * (spec.required - count), *spec.tail[max(0, count - spec.required) :]]
    index = spec.index
    if index is None:
        index = spec.index = {field_name: i for i, field_name in enumerate(spec.names)}
    for name, value in kwargs.items():
        i = index.get(name)
        if i is None or i < count:
            return None
        values[i] = value
    if count < spec.required and any(value is _MISSING for value in values[count : spec.required]):
        return None
    return values


def _compiled_init(cls: type[_Fields]) -> Callable[..., None]:
    """The class's own __init__, compiled from its fields the first time it is asked for."""
    init: Callable[..., None] | None = cls.__dict__.get("__init__")
    if init is not None and init is not _shared_init:
        return init
    spec, frozen = cls._spec, issubclass(cls, FrozenRecord)
    made = dict(spec.factories)
    given: dict[str, Any] = {}
    params, lines = ["self"], []
    for i, name in enumerate(spec.names):
        if i < spec.required:
            params.append(name)
        else:
            given[f"_default_{name}"] = spec.tail[i - spec.required]
            params.append(f"{name}=_default_{name}")
        value = name
        if i in made:
            given[f"_make_{name}"] = made[i]
            value = f"_make_{name}() if {name} is None else {name}"
        if frozen:  # the slot's own setter: a third cheaper than object.__setattr__, which looks the name up
            given[f"_set_{name}"] = getattr(cls, name).__set__
            lines.append(f"_set_{name}(self, {value})")
        else:
            lines.append(f"self.{name} = {value}")
    source = f"def __init__({', '.join(params)}):\n    " + "\n    ".join(lines) + "\n"
    exec(source, given)  # noqa: S102 (the source is built from the class's own field names)
    init = given["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    cls.__init__ = init  # type: ignore[method-assign]
    return init


class _Fields(metaclass=_RecordType):
    """Equality field by field between records of the same class, and a dataclass-style repr."""

    __slots__: tuple[str, ...] = ()
    _spec: ClassVar[_Spec]
    _shown: ClassVar[tuple[str, ...] | None] = None  # the fields the repr shows, when not all (a secret)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name in self.__slots__)

    # no __hash__: a class that defines __eq__ alone is unhashable, like an unfrozen dataclass

    def __repr__(self) -> str:
        names = self.__slots__ if self._shown is None else self._shown
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in names)
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
