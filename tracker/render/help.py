"""Help pages (`tracker --help`, `tracker list --help` ...), laid out by tracker.

They look as Typer's Rich help does (the usage, the description, then the
arguments, options and commands in framed panels, coloured on a terminal), but
Typer's formatter imports rich.markdown, markdown-it, pygments and Rich's
traceback module to do it: 60% more than the whole start-up of a command. This
lays the panels out with tracker's own table, on the Rich console the floor
loads anyway. Help texts are printed as written (no markup is read); a paragraph
is rewrapped to the screen, and one that starts with \\b keeps its line breaks,
as in Click.
"""

from __future__ import annotations

import inspect
import io
import os
import sys

from rich.console import Console, Group
from rich.panel import Panel
from rich.text import Text

from tracker.render.cells import cells
from tracker.render.table import Table

# Typer's styles, so that the help reads as before.
OPTION, SWITCH, METAVAR, BORDER = "bold cyan", "bold green", "bold yellow", "dim"
_OPTION_IN_TEXT = r"(?<![\w-])--[A-Za-z0-9][\w-]*"
_SWITCH_IN_TEXT = r"(?<![\w-])-[A-Za-z](?![\w-])"
# The help of an option gets at least this many cells (or a third of the screen, if more)
# beside its names; with less, it goes under them, this far in.
_HELP_MIN_WIDTH, _HELP_INDENT = 20, 4


def help_page(command, ctx) -> str:
    """The help of `command` as text: coloured when stdout is a terminal, plain anywhere else."""
    terminal = sys.stdout.isatty()
    plain = not terminal or bool(os.environ.get("NO_COLOR"))
    buffer = io.StringIO()
    # The width is the terminal's (or COLUMNS), 80 off a terminal, as Typer's was.
    console = Console(file=buffer, force_terminal=terminal, color_system=None if plain else "auto",
                      markup=False, highlight=False, emoji=False)
    console.print(Group(*_parts(command, ctx, console.width)))
    return "".join(line.rstrip() + "\n" for line in buffer.getvalue().splitlines())


def _parts(command, ctx, width: int):
    usage = Text(command.get_usage(ctx), style="bold")
    usage.highlight_regex(r"^Usage: ", "not bold yellow")
    yield Text("")
    yield _padded(usage)
    yield Text("")
    if command.help:
        paragraphs = _paragraphs(command.help)
        yield _padded(_highlighted(paragraphs[0]))
        if paragraphs[1:]:
            yield Text("")
            yield _padded(_highlighted("\n\n".join(paragraphs[1:]), style="dim"))
        yield Text("")
    params = [param for param in command.get_params(ctx) if not getattr(param, "hidden", False)]
    for title, kind in (("Arguments", "argument"), ("Options", "option")):
        rows = [_param_row(param, ctx) for param in params if param.param_type_name == kind]
        if rows:
            yield _panel(title, rows, width)
    if hasattr(command, "list_commands"):
        rows = [[Text(name, style=OPTION), _highlighted(_paragraphs(text or "")[0])]
                for name, text in _command_helps(command, ctx)]
        if rows:
            yield _panel("Commands", rows, width)


def _command_helps(group, ctx):
    """Each command of a group, and its help: from the group where it can tell them
    without building every command (tracker's own lazy group), else from each command."""
    if hasattr(group, "command_helps"):
        yield from group.command_helps(ctx)
        return
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if command is not None and not command.hidden:
            yield name, command.short_help or command.help


def _padded(text: Text) -> Table:
    """Text one cell in from either edge, wrapped between them, as Typer's Padding was."""
    grid = Table.grid(padding=1)
    grid.add_column(no_wrap=True)
    grid.add_column()
    grid.add_column(no_wrap=True)
    grid.add_row("", text, "")
    return grid


def _paragraphs(text: str) -> list[str]:
    """A help text's paragraphs, each on one line, but those Click marks with \\b (kept as written)."""
    text = inspect.cleandoc(text).partition("\f")[0]
    return [paragraph.strip("\b\n") if paragraph.startswith("\b") else " ".join(paragraph.split())
            for paragraph in text.split("\n\n")]


def _highlighted(text: str, style: str = "") -> Text:
    """Options named in a help text stand out as in the option lists."""
    text = Text(text, style=style)
    text.highlight_regex(_OPTION_IN_TEXT, OPTION)
    text.highlight_regex(_SWITCH_IN_TEXT, SWITCH)
    return text


def _param_row(param, ctx) -> list[Text | str]:
    """Required mark, long names, short names, what it takes, and its help."""
    required = Text("*", style="red") if param.required else ""
    if param.param_type_name == "argument":
        names, switches = Text(param.metavar or param.name or "", style=METAVAR), ""
        takes = param.type.get_metavar(param=param, ctx=ctx) or f"<{param.type.name}>"
    else:
        names = Text(",".join(name for name in param.opts + param.secondary_opts if name.startswith("--")),
                     style=OPTION)
        switches = Text(",".join(name for name in param.opts + param.secondary_opts if not name.startswith("--")),
                        style=SWITCH)
        takes = "" if param.is_flag else param.make_metavar(ctx=ctx)
        if hasattr(param.type, "_describe_range") and not getattr(param, "count", False):
            takes += f" [{param.type._describe_range()}]"
    help_text = _highlighted(" ".join(_paragraphs(getattr(param, "help", None) or "")))
    envvar = getattr(param, "envvar", None)
    default = _default(param, ctx)
    for note, style in ((envvar and getattr(param, "show_envvar", False)
                         and f"[env var: {envvar if isinstance(envvar, str) else ', '.join(envvar)}]", "dim yellow"),
                        (default and f"[default: {default}]", "dim"),
                        (param.required and "[required]", "dim red")):
        if note:
            help_text.append(" " if help_text.plain else "")
            help_text.append(note, style=style)
    return [required, names, switches, Text(takes, style=METAVAR), help_text]


def _default(param, ctx) -> str:
    """The default, where the option shows it (Typer's own reading of it)."""
    if not hasattr(param, "_extract_default_help_str"):
        return ""
    value = param._extract_default_help_str(ctx=ctx)
    shown_as_text = isinstance(param.show_default, str)
    if not shown_as_text and (value is None or not (param.show_default or ctx.show_default)):
        return ""
    return param._get_default_string(ctx=ctx, show_default_is_str=shown_as_text, default_value=value) or ""


def _panel(title: str, rows: list[list], width: int) -> Panel:
    """A framed list, the columns that are empty in every row left out: each row's
    names and what it takes side by side with its help, or, where that would leave the
    help too narrow to read (a few letters a line), the help under them, indented."""
    used = [index for index in range(len(rows[0])) if any(_plain(row[index]) for row in rows)]
    inner = width - 4       # the frame and a space either side
    names_width = sum(max(cells(_plain(row[index])) for row in rows) + 2 for index in used[:-1])
    if inner - names_width >= max(_HELP_MIN_WIDTH, inner // 3) or len(used) < 2:
        grid = Table.grid(padding=2)
        for index in used:
            grid.add_column(no_wrap=index != used[-1])
        for row in rows:
            grid.add_row(*[row[index] for index in used])
        body = grid
    else:
        parts = []
        for row in rows:
            # One line of words: "N [0<=x<=2147483647]" may break at its space, no name is cut.
            names = Text(" ").join(Text(row[index]) if isinstance(row[index], str) else row[index]
                                   for index in used[:-1] if _plain(row[index]))
            line = Table.grid()
            line.add_column()
            line.add_row(names)
            parts.append(line)
            if _plain(row[used[-1]]):
                help_text = Table.grid(padding=0)
                help_text.add_column(no_wrap=True)
                help_text.add_column()
                help_text.add_row(" " * _HELP_INDENT, row[used[-1]])
                parts.append(help_text)
        body = Group(*parts)
    # A Text title: a str one would be read as markup (and load Rich's emoji table).
    return Panel(body, title=Text(title), title_align="left", border_style=BORDER)


def _plain(cell: Text | str) -> str:
    return cell.plain if isinstance(cell, Text) else cell
