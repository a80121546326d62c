"""Plain parameters without pydantic, so that `check` starts fast.

Typer (0.29) converts every parameter through a pydantic `TypeAdapter`, and importing pydantic
costs about 75 ms on every run: more than the rest of a `check` run by cron. Every parameter
of this tool is text, a flag, a list of text or a choice, and our own code parses the values
(dates, types, ids), so they need no conversion. This gives exactly those annotations a
pass-through and leaves anything else to Typer. If Typer's internals move, nothing is
patched and Typer works as it always does, only slower to start.
"""

from dataclasses import dataclass
from enum import Enum
from typing import Any


def install() -> None:
    """Route plain parameters around pydantic (idempotent; a no-op on unknown Typer versions)."""
    try:
        from typer import core
        from typer._coercion import RuntimeParam, TypeDescriptor
    except ImportError:  # pragma: no cover - another Typer version
        return
    original = getattr(core, "build_runtime_param", None)
    if original is None or getattr(original, "_stream_exempt", False):
        return

    @dataclass(frozen=True)
    class Plain(RuntimeParam):
        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            annotation = self.annotation
            if isinstance(value, list | tuple):
                return [str(item) for item in value]
            if isinstance(annotation, type) and issubclass(annotation, Enum):
                return value if isinstance(value, annotation) else annotation(value)
            return value

    def is_plain(annotation: Any) -> bool:
        if annotation in (str, bool, list[str]):
            return True
        return isinstance(annotation, type) and issubclass(annotation, Enum) and issubclass(annotation, str)

    def build(descriptor: TypeDescriptor) -> Any:
        if descriptor.file_annotation is None and is_plain(descriptor.annotation):
            return Plain(parameter_info=descriptor.parameter_info, annotation=descriptor.annotation)
        return original(descriptor)

    build._stream_exempt = True  # type: ignore[attr-defined]
    core.build_runtime_param = build  # type: ignore[attr-defined]
