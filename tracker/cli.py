"""The `tracker` command: the root options, the errors, and the commands, loaded one at a time.

Each command lives in tracker/commands/ and is imported and built only when it is
the one being run: building all of them through Typer took about 35 ms, a quarter
of a `tracker list`. `tracker --help` still builds them all, to list them.
"""

import os
import sqlite3
import sys
from importlib import import_module
from pathlib import Path
from typing import Annotated, Optional

import typer
from typer.core import TyperGroup

from tracker import __version__, dates
from tracker.errors import TrackerError

# name -> "module:attribute" under tracker.commands: a function becomes a command,
# a Typer app a group of them. In the order `tracker --help` lists them.
COMMANDS = {
    "add": "add:app",
    "update": "update:update",
    "remove": "remove:remove",
    "list": "list:list_command",
    "show": "show:show",
    "history": "history:history",
    "countdown": "countdown:countdown_command",
    "report": "report:report_command",
    "export": "transfer:export",
    "import": "transfer:import_command",
    "apply": "transfer:apply_command",
}


def _fail(message: str, code: int) -> None:
    from tracker.render.safe import printable

    sys.stderr.write(f"tracker: error: {printable(message)}\n")
    sys.stderr.flush()
    sys.exit(code)


class TrackerGroup(TyperGroup):
    """Loads a command when it is asked for; turns every expected failure into one
    line on stderr and an exit code."""

    def list_commands(self, ctx) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx, name: str):
        if name not in COMMANDS:
            return None
        if name not in self.commands:
            module, attribute = COMMANDS[name].split(":")
            target = getattr(import_module(f"tracker.commands.{module}"), attribute)
            if not isinstance(target, typer.Typer):
                single = typer.Typer(add_completion=False)
                single.command(name)(target)
                target = single
            command = typer.main.get_command(target)
            command.name = name
            self.commands[name] = command
        return self.commands[name]

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        try:
            result = super().main(args=args, prog_name="tracker",
                                  complete_var=complete_var, standalone_mode=False, **extra)
        except TrackerError as error:
            _fail(str(error), error.exit_code)
        except typer.TyperException as error:      # Click's usage errors
            context = getattr(error, "ctx", None)
            where = context.command_path if context else "tracker"
            if type(error).__name__ == "NoArgsIsHelpError":
                sys.stderr.write(error.format_message() + "\n")
                sys.exit(error.exit_code)
            _fail(f"{error.format_message()} (see `{where} --help`)", error.exit_code)
        except typer.Abort:
            _fail("aborted", 1)
        except KeyboardInterrupt:
            sys.exit(130)
        except BrokenPipeError:
            # The reader (head, less) went away: not an error of ours.
            sys.stderr.close()
            sys.exit(0)
        except sqlite3.Error as error:
            _fail(f"database error: {error}", 1)
        sys.exit(result if isinstance(result, int) else 0)


app = typer.Typer(
    cls=TrackerGroup,
    help="Follow summits, state visits and the agreements expected at them.",
    add_completion=False,
    pretty_exceptions_show_locals=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class Session:
    """Per-run state: where the database is, opened on first use."""

    def __init__(self, db: Path | None):
        self.db = db
        self._store = None

    @property
    def store(self):
        if self._store is None:
            from tracker.store import Store

            self._store = Store(self.db or default_db_path())
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()


def default_db_path() -> Path:
    """tracker.db in the user's data folder. On Linux that is what platformdirs
    answers (XDG_DATA_HOME, else ~/.local/share), without the 7 ms its import
    costs at every start; elsewhere, platformdirs knows."""
    if sys.platform.startswith("linux"):
        base = os.environ.get("XDG_DATA_HOME", "")
        root = Path(base) if base.strip() else Path.home() / ".local" / "share"
        return root / "tracker" / "tracker.db"
    from platformdirs import user_data_path

    return user_data_path("tracker", appauthor=False) / "tracker.db"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"tracker {__version__}")
        raise typer.Exit()


@app.callback(invoke_without_command=True)
def main_options(
    ctx: typer.Context,
    db: Annotated[Optional[Path], typer.Option(
        "--db", envvar="TRACKER_DB", metavar="PATH",
        help="The database file (default: tracker.db in your data folder).")] = None,
    now: Annotated[Optional[str], typer.Option(
        "--now", metavar="WHEN", help="Act as if it were this instant (also TRACKER_NOW).")] = None,
    version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True, help="Print the version and exit.")] = False,
) -> None:
    dates.set_now(now)      # None clears an earlier run's clock (tests run many in one process)
    session = Session(db.expanduser() if db else None)
    ctx.obj = session
    ctx.call_on_close(session.close)
    if ctx.invoked_subcommand is None:
        typer.echo(ctx.get_help())


def main() -> None:
    app()
