"""The `tracker` command: the root options, the errors, and the commands, loaded one at a time.

Each command lives in tracker/commands/ and is imported and built only when it is
the one being run: building all of them through Typer took about 35 ms, a quarter
of a `tracker list`. `tracker --help` still builds them all, to list them.
"""

import os
import sys
from functools import cache
from importlib import import_module
from pathlib import Path
from typing import Annotated, Optional

import typer
from typer.core import TyperCommand, TyperGroup

try:        # newer Typers carry their own copy of Click, older ones use Click's
    from typer._click import types as click_types
except ImportError:
    from click import types as click_types

from tracker import __version__, dates, errors
from tracker.errors import BadArgument, TrackerError, closest, did_you_mean
from tracker.streams import StdoutLost, guard

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
    "export": "export:export",
    "import": "transfer:import_command",
    "apply": "transfer:apply_command",
    "check": "check:check",
    "undo": "undo:undo",
    "retract": "undo:retract",
    "backup": "backup:backup",
    "copy": "copy:copy",
    "feeds": "feeds:app",
    "news": "news:news",
    "inbox": "inbox:app",
    "serve": "serve:serve",
    "publish": "publish:app",
}


# Set by the completion scripts of `tracker --show-completion` (Click's name for it).
COMPLETE_VAR = "_TRACKER_COMPLETE"


# The longest error line: a message quotes values in short excerpts (errors.excerpt);
# one from Click quotes a bad value whole, which could be megabytes.
LONGEST_MESSAGE = 2000


def _fail(message: str, code: int) -> None:
    from tracker.render.safe import one_line

    if len(message) > LONGEST_MESSAGE:
        message = f"{message[:LONGEST_MESSAGE // 2]}… ({len(message):,} characters) …{message[-200:]}"
    # Escaped, so that a lone surrogate from a bad argument prints as \udcff.
    message = message.encode("utf-8", "backslashreplace").decode("utf-8")
    sys.stderr.write(f"tracker: error: {one_line(message)}\n")
    sys.stderr.flush()
    sys.exit(code)


class ParsedHere:
    """A usage error met while reading a command's own arguments names that command
    (Click leaves some without one, such as a missing value, and the hint then named
    `tracker --help`), and an unknown option gets the advice that fits it."""

    def parse_args(self, ctx, args):
        given = list(args)      # Click's parser consumes the list
        _numbers_in_digits(self)
        try:
            rest = super().parse_args(ctx, args)
        except typer.TyperException as error:
            if getattr(error, "ctx", None) is None:
                error.ctx = ctx
            if type(error).__name__ == "NoSuchOption":
                error.message, error.possibilities = _unknown_option(error.option_name, ctx, given), None
            raise
        _refuse_bytes(ctx)
        return rest

    def format_help(self, ctx, formatter):
        # Typer's Rich help loads rich.markdown and pygments: 60% more than a command's start.
        from tracker.render.help import help_page

        formatter.write(help_page(self, ctx))

    def collect_usage_pieces(self, ctx):
        # Typer writes a required argument as {TITLE}: the usage line says TITLE, as the help does.
        return [piece[1:-1] if piece[:1] == "{" and piece[-1:] == "}" else piece
                for piece in super().collect_usage_pieces(ctx)]


def _refuse_bytes(ctx) -> None:
    """An argument that is not UTF-8 text ($'\\xff' in a shell) reaches Python as lone
    surrogates, which nothing can store or print: refused, naming the argument."""
    for param in ctx.command.params:
        value = ctx.params.get(param.name)
        for one in value if isinstance(value, (list, tuple)) else (value,):
            if isinstance(one, str) and not errors.readable(one):
                name = f"the {param.name}" if param.param_type_name == "argument" else param.opts[0]
                raise errors.not_text(name, one)


class _InDigits:
    """Mixed into a Click number type: a value not written in digits 0-9 is refused
    as Click refuses a word, in one line naming the option."""

    def convert(self, value, param, ctx):
        if isinstance(value, str):
            whole = isinstance(self, click_types.IntParamType)
            if not errors.in_digits(value, whole):
                self.fail(f"{errors.excerpt(value)} is not a {'whole ' * whole}number written in digits 0-9.",
                          param, ctx)
        return super().convert(value, param, ctx)


@cache
def _in_digits(number_type: type) -> type:
    return type(f"InDigits{number_type.__name__}", (_InDigits, number_type), {})


def _numbers_in_digits(command) -> None:
    """Every int and float option and argument of `command` (Typer builds them as Click's
    INT, IntRange, FLOAT) reads digits 0-9 only, as refs, dates and --before do."""
    for param in command.params:
        number_type = type(param.type)
        if issubclass(number_type, (click_types.IntParamType, click_types.FloatParamType)) \
                and not issubclass(number_type, _InDigits):
            param.type.__class__ = _in_digits(number_type)


class TrackerCommand(ParsedHere, TyperCommand):
    """A command of tracker (list, add event ...)."""


class TrackerSubGroup(ParsedHere, TyperGroup):
    """A group of commands (tracker itself, add): an unknown command name gets the
    closest ones (Typer's suggestions see only the commands loaded so far)."""

    def resolve_command(self, ctx, args):
        try:
            return super().resolve_command(ctx, args)
        except typer.TyperException as error:
            if type(error).__name__ == "UsageError" and args and self.get_command(ctx, args[0]) is None:
                error.message = f"No such command {args[0]!r}{did_you_mean(closest(args[0], self.list_commands(ctx)))}"
            raise


def _option_names(command) -> list[str]:
    return [name for param in command.params if param.param_type_name == "option"
            for name in param.opts + param.secondary_opts if name.startswith("--")]


def _unknown_option(name: str, ctx, args: list[str]) -> str:
    """Why `name` is refused here, and what was probably meant."""
    root = ctx.find_root()
    if ctx is not root and name in _option_names(root.command):
        # `tracker list --now X`: an option of tracker itself, given after the command.
        takes_value = not any(name in param.opts and param.is_flag for param in root.command.params)
        value = ""
        for index, arg in enumerate(args):
            if arg.startswith(name + "="):
                value = " " + arg.split("=", 1)[1]
            elif arg == name and index + 1 < len(args) and takes_value:
                value = " " + args[index + 1]
        if " " in value.strip():
            value = f' "{value.strip()}"'
        path = ctx.command_path.split(" ", 1)[1]
        if any(name in param.opts and param.is_eager for param in root.command.params):
            # --version, --show-completion: done as soon as read, so the command would never run.
            return f"{name} is an option of tracker itself, not of `{path}`: run `tracker {name}{value}`"
        return (f"{name} is an option of tracker itself, not of `{path}`: put it before the command, "
                f"as in `tracker {name}{value} {path}`")
    for param in ctx.command.params:
        if param.param_type_name == "argument" and name.lstrip("-").replace("-", "_") == param.name:
            # `add event --title x`: the title is the command's argument.
            return (f"No such option {name}: give the {param.name} as an argument, without {name}, "
                    f"as in `{ctx.command_path} {param.human_readable_name} [OPTIONS]`")
    return f"No such option: {name}{did_you_mean(closest(name, _option_names(ctx.command)))}"


def _reader_gone() -> None:
    """The reader of stdout (head, less) has gone: not a failure. What is left in
    stdout's buffer goes nowhere rather than failing again when Python flushes it
    at exit."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    sys.exit(0)


class TrackerGroup(TrackerSubGroup):
    """Loads a command when it is asked for; turns every expected failure into one
    line on stderr and an exit code."""

    def list_commands(self, ctx) -> list[str]:
        return list(COMMANDS)

    def shell_complete(self, ctx, incomplete):
        from tracker.completion import command_names

        return command_names(self, ctx, incomplete) + super(TyperGroup, self).shell_complete(ctx, incomplete)

    def parse_args(self, ctx, args):
        # `--show-completion` alone means the shell in use: given a blank name, as Click
        # has no option whose value may be left out.
        for index, arg in enumerate(args):
            if arg in ("--install-completion", "--show-completion") and \
                    (index + 1 == len(args) or args[index + 1].startswith("-")):
                args.insert(index + 1, "")
                break
        return super().parse_args(ctx, args)

    # Typer's main turns a broken pipe into exit 1: caught before, while reading the
    # command line (help printed by omission) and while running the command.
    def make_context(self, *args, **kwargs):
        try:
            return super().make_context(*args, **kwargs)
        except BrokenPipeError:
            _reader_gone()

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            _reader_gone()

    def command_helps(self, ctx):
        """Each command's name and help, for `tracker --help`: read from its function
        or Typer app, without building all of them through Typer (35 ms)."""
        for name in COMMANDS:
            if name in self.commands:
                yield name, self.commands[name].help
            else:
                target = _command_target(name)
                yield name, _typer_help(target) if isinstance(target, typer.Typer) else target.__doc__

    def get_command(self, ctx, name: str):
        if name not in COMMANDS:
            return None
        if name not in self.commands:
            target = _command_target(name)
            if not isinstance(target, typer.Typer):
                single = typer.Typer(add_completion=False)
                single.command(name, cls=TrackerCommand)(target)
                target = single
            command = typer.main.get_command(target)
            command.name = name
            if os.environ.get(COMPLETE_VAR):
                from tracker.completion import attach

                attach(command)
            self.commands[name] = command
        return self.commands[name]

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        if os.environ.get(COMPLETE_VAR):
            # A shell asks for completions (see tracker/completion.py); no other run loads them.
            from tracker.completion import register

            register()
        errors.damaged.clear()      # tests run many commands in one process
        errors.undecodable = False
        try:
            result = super().main(args=args, prog_name="tracker",
                                  complete_var=complete_var, standalone_mode=False, **extra)
        except TrackerError as error:
            _fail(str(error), error.exit_code)
        except typer.TyperException as error:      # Click's usage errors
            context = getattr(error, "ctx", None)
            where = context.command_path if context else "tracker"
            if type(error).__name__ == "NoArgsIsHelpError":
                # Help asked for by omission (`tracker add`), as `tracker` alone: Rich has
                # printed it to stdout already; plain Click returns it.
                sys.stdout.write(error.format_message().strip() and error.format_message() + "\n")
                _flush_stdout()
                sys.exit(0)
            _fail(f"{error.format_message()} (see `{where} --help`)", error.exit_code)
        except typer.Abort:
            _fail("aborted", 1)
        except KeyboardInterrupt:
            sys.exit(130)
        except BrokenPipeError:
            _reader_gone()
        except SystemExit as leaving:
            # Rich's console exits 1 when its reader has gone, from within its own
            # `except BrokenPipeError`.
            if isinstance(leaving.__context__, BrokenPipeError):
                _reader_gone()
            raise
        except _database_errors() as error:
            _fail(str(_database_trouble(error)), 1)
        except StdoutLost as lost:
            _stdout_lost(lost)
        # Flushed here, not at exit, where a closed pipe would be exit 120.
        _flush_stdout()
        if errors.damaged:
            # What a read showed without its damaged parts: said once, at the end.
            _fail(errors.damage_message(), 1)
        sys.exit(result if isinstance(result, int) else 0)


def _typer_help(app: typer.Typer) -> str | None:
    """A group's help as Typer gives it: the app's own, else its callback's (`inbox`)."""
    if app.info.help:
        return app.info.help
    callback = app.registered_callback
    return callback and (callback.help or (callback.callback and callback.callback.__doc__))


def _command_target(name: str):
    """The function (or Typer app) of command `name`, from its module."""
    module, attribute = COMMANDS[name].split(":")
    return getattr(import_module(f"tracker.commands.{module}"), attribute)


def _database_errors() -> tuple[type[Exception], ...]:
    """The base errors of the database drivers this run has loaded: its store's dialect's,
    and SQLite's wherever else a file was read (backup, completion, serve). Known without
    importing a driver: a run that loaded none has none to catch."""
    dialect = Session.current.dialect if Session.current else None
    sqlite = sys.modules.get("sqlite3")
    return ((dialect.Error,) if dialect else ()) + ((sqlite.Error,) if sqlite else ())


def _database_trouble(error: Exception) -> TrackerError:
    """What a driver's error means, said by the dialect of this run's database (the run's
    store is gone by then); an SQLite error met without a store, by SQLite's."""
    dialect = Session.current.dialect if Session.current else None
    if dialect is not None and isinstance(error, dialect.Error):
        return dialect.trouble(error)
    from tracker.store.sqlite import database_trouble

    return database_trouble(None, error)


def _flush_stdout() -> None:
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _reader_gone()
    except StdoutLost as lost:
        _stdout_lost(lost)


def _stdout_lost(lost: StdoutLost) -> None:
    """stdout could not be written (closed, a full disk). A command that changed the
    database has committed before it prints: say so, lest a script run it again."""
    if Session.current is not None and Session.current.saved_changes():
        _fail(f"the change was saved, but its output could not be written to stdout ({lost}): "
              "do not run the command again; `tracker history` shows the change", 1)
    _fail(f"cannot write to stdout: {lost}", 1)


app = typer.Typer(
    cls=TrackerGroup,
    help="Follow summits, state visits and the agreements expected at them.",
    # Typer's --install-completion and --show-completion take no shell name: ours below do.
    add_completion=False,
    pretty_exceptions_show_locals=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class Session:
    """Per-run state: where the database is, opened on first use."""

    # The session of the run under way: its error handling asks whether it changed
    # anything, and which database a message is about.
    current: "Session | None" = None

    def __init__(self, db: Path | str | None, command: str | None = None):
        self.db = db
        self.command = command      # its name, for the log: what `tracker undo` reverses
        self.path: Path | None = None       # the database, once opened (or tried)
        self.dialect = None                 # the database's engine (a store Dialect), likewise
        self._store = None
        Session.current = self

    def saved_changes(self) -> bool:
        return self._store is not None and self._store.commits > 0

    @property
    def store(self):
        if self._store is None:
            from tracker.store import Store, dialect_for

            self.path = self.db or default_db_path()
            self.dialect = dialect_for(self.path, make_folder=self.db is None)
            self._store = Store(self.dialect)
            self._store.command_name = self.command or "tracker"
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()


def database_named(given: str | None) -> Path | str | None:
    """The database --db or TRACKER_DB names: a PostgreSQL URL as typed, else a file's path."""
    if given is None:
        return None
    from tracker.model import is_url     # not the store: `tracker list --help` opens no database

    return given if is_url(given) else Path(given).expanduser()


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


SHELLS = ("bash", "zsh", "fish")

# Typer's zsh script only registers itself: installed on fpath (as --install-completion
# leaves it), zsh runs the file as the body of _tracker at the first Tab, which then
# completed nothing. This one answers that Tab too; sourced, it registers as before.
ZSH_SCRIPT = """
#compdef %(prog_name)s

%(complete_func)s() {
  eval $(env _TYPER_COMPLETE_ARGS="${words[1,$CURRENT]}" %(autocomplete_var)s=complete_zsh %(prog_name)s)
}

compdef %(complete_func)s %(prog_name)s
if [[ "${funcstack[1]}" == "_%(prog_name)s" ]]; then
  %(complete_func)s "$@"
fi
"""


def _completion(ctx: typer.Context, param, shell: Optional[str]) -> None:
    """--install-completion and --show-completion, for the shell named or the one in use."""
    if shell is None or ctx.resilient_parsing:
        return
    from typer._completion_shared import _completion_scripts, _get_shell_name
    from typer.completion import install_callback, show_callback

    _completion_scripts["zsh"] = ZSH_SCRIPT

    shell = shell.strip().lower() or _get_shell_name() or ""
    if shell not in SHELLS:
        raise BadArgument(f"completion is for {', '.join(SHELLS)}, not {shell or 'a shell tracker cannot tell'}: "
                          f"name yours, as in `tracker {param.opts[0]} bash`")
    # Typer writes the script (and, to install, the line in ~/.bashrc or ~/.zshrc) and exits.
    (install_callback if param.name == "install_completion" else show_callback)(ctx, param, shell)


@app.callback(invoke_without_command=True)
def main_options(
    ctx: typer.Context,
    db: Annotated[Optional[str], typer.Option(
        "--db", envvar="TRACKER_DB", metavar="PATH|URL",
        help="The database: a file (default: tracker.db in your data folder), or a "
             "postgresql:// URL for a desk's shared log.")] = None,
    now: Annotated[Optional[str], typer.Option(
        "--now", metavar="WHEN", help="Act as if it were this instant (also TRACKER_NOW).")] = None,
    version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True, help="Print the version and exit.")] = False,
    install_completion: Annotated[Optional[str], typer.Option(
        "--install-completion", metavar="[SHELL]", expose_value=False,
        is_eager=True, callback=_completion,
        help="Set up Tab completion for bash, zsh or fish (default: the shell you are in).")] = None,
    show_completion: Annotated[Optional[str], typer.Option(
        "--show-completion", metavar="[SHELL]", expose_value=False,
        is_eager=True, callback=_completion,
        help="Print the completion script for bash, zsh or fish, to set it up yourself.")] = None,
) -> None:
    dates.set_now(now)      # None clears an earlier run's clock (tests run many in one process)
    session = Session(database_named(db), ctx.invoked_subcommand)
    ctx.obj = session
    ctx.call_on_close(session.close)
    if ctx.invoked_subcommand is None:
        typer.echo(ctx.get_help())


def main() -> None:
    guard()
    app()
