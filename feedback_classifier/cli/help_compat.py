"""Help-screen fixes for recent typer releases (0.2x with click 8.2+), applied once on import.

Those releases show a boolean flag with a value placeholder (``--quiet <bool>``, as if it took
a value) and a required argument as ``{data}`` in the usage line. Users read both as syntax
to type. Here a flag shows no placeholder and a required argument reads ``DATA`` (optional:
``[DATA]``), as click and older typer releases print them. Only the help text changes;
parsing is untouched. Each patch is skipped when typer lacks the method it replaces.
"""

from __future__ import annotations

from typer import core


def _flag_type(self, ctx):
    if getattr(self, "is_flag", False) and self.metavar is None:
        return None  # a flag takes no value: nothing to show
    return _original_type(self, ctx)


def _usage_name(self) -> str:
    name = (self.metavar or self.name or "").upper()
    name = name if self.required else f"[{name}]"
    return name + ("..." if self.nargs != 1 else "")


_original_type = getattr(core.TyperOption, "display_type_rich", None)
if _original_type is not None and getattr(core.TyperOption.display_type_rich, "__name__", "") != "_flag_type":
    core.TyperOption.display_type_rich = _flag_type
if hasattr(core.TyperArgument, "_usage_display_name"):
    core.TyperArgument._usage_display_name = _usage_name
