"""The ``hpdgenomics`` command line: a thin layer over the library.

Each sub-command lives in its own module, parses options, calls one library function and writes
what it returns. Errors of the :class:`hpdgenomics.errors.HpdError` family and click's usage
errors are caught here, once, and become one line on stderr with exit code 2 (``--debug`` prints
the traceback before that line); anything else is a bug: one line, exit code 1. A full disk or an
over-long output name met outside the writers (``ENOSPC``, ``ENAMETOOLONG``) and running out of
memory are exit code 2 too: they are not bugs. Ctrl-C exits with 130 and SIGTERM with 143, both
after the same clean-up (workers stopped, temporary files removed, no partial report set); a
reader that closes stdout early (``| head``) ends the run quietly with 0. Logging goes to stderr;
stdout carries nothing but data a pipeline may want.
"""
from __future__ import annotations

import errno
import importlib
import logging
import os
import signal
import stat
import sys
import threading
import traceback
from contextlib import contextmanager
from pathlib import Path

import click

from .. import __version__
from ..errors import HpdError

# command name -> module under hpdgenomics.cli; imported only when the command runs
_COMMANDS = {
    "screen": "screen",
    "knowledge": "knowledge",
    "hpd-classify": "hpd_classify",
    "cohort": "cohort",
    "schema": "schema",
}

log = logging.getLogger("hpdgenomics")


class _State:
    """What the common options set on the click context: --debug, and -v/-q counted."""

    def __init__(self) -> None:
        self.debug = False
        self.verbosity = 0
        self.logging_configured = False


def _set_debug(ctx: click.Context, _param, value):
    if value:
        ctx.ensure_object(_State).debug = True
    return value


def _set_verbosity(ctx: click.Context, param, value):
    if value:
        state = ctx.ensure_object(_State)
        state.verbosity += value if param.name == "verbose" else -value
        configure_logging(state.verbosity)
        state.logging_configured = True
    return value


def common_options(func):
    """-v/-q/--debug on every command, so they can be given before or after the command name."""
    func = click.option("--debug", is_flag=True, expose_value=False, is_eager=True,
                        callback=_set_debug, help="Show tracebacks for errors.")(func)
    func = click.option("-q", "--quiet", count=True, expose_value=False, callback=_set_verbosity,
                        help="Less logging (errors only with -q).")(func)
    func = click.option("-v", "--verbose", count=True, expose_value=False, callback=_set_verbosity,
                        help="More logging on stderr (-v info, -vv debug).")(func)
    return func


class InputFile(click.ParamType):
    """An existing, readable regular file: no folder, no ``-`` (stdin), no FIFO or device.

    Every input is read more than once (hashed for the report, sniffed for its format, then
    parsed), which a pipe cannot support; saying so up front beats a misleading "empty file".
    """

    name = "file"

    def convert(self, value, param, ctx) -> Path:
        """The path of a readable regular file; fails the option (usage error, exit 2) saying why
        not.
        """
        if isinstance(value, Path):
            value = str(value)
        if value == "-":
            self.fail("reading from stdin ('-') is not supported: every input is read more than "
                      "once; write it to a file and give its path", param, ctx)
        path = Path(value)
        try:
            mode = path.stat().st_mode
        except FileNotFoundError:
            self.fail(f"{value}: file not found; check the path", param, ctx)
        except OSError as exc:
            self.fail(f"{value}: cannot be opened ({exc.strerror}); check the path and its "
                      "permissions", param, ctx)
        if stat.S_ISDIR(mode):
            self.fail(f"{value}: is a folder, not a file; give the file inside it", param, ctx)
        if not stat.S_ISREG(mode):
            kind = "a pipe (FIFO or process substitution)" if stat.S_ISFIFO(mode) else \
                "not a regular file"
            self.fail(f"{value}: is {kind}; every input is read more than once, so write it to a "
                      "file and give its path", param, ctx)
        if not os.access(path, os.R_OK):
            self.fail(f"{value}: is not readable (permission denied); fix its permissions",
                      param, ctx)
        return path


INPUT_FILE = InputFile()
OUTPUT_DIR = click.Path(file_okay=False, path_type=Path)


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time of the record (it may be replaced, e.g.
    by click's test runner between invocations), never to a stream captured once and closed."""

    _hpd_cli = True     # marks the handler configure_logging adds, so it is added once

    def __init__(self):
        super().__init__(sys.stderr)

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value):
        pass


def configure_logging(verbosity: int = 0) -> None:
    """Send the ``hpdgenomics`` loggers to stderr at the level ``verbosity`` asks (-1 errors only, 0
    warnings, 1 info, 2 debug); calling it again changes the level only.
    """
    level = {-1: logging.ERROR, 0: logging.WARNING, 1: logging.INFO}.get(
        max(-1, min(verbosity, 2)), logging.DEBUG)
    logger = logging.getLogger("hpdgenomics")
    if not any(getattr(h, "_hpd_cli", False) for h in logger.handlers):
        handler = _StderrHandler()
        handler.setFormatter(logging.Formatter("hpdgenomics: %(levelname)s: %(message)s"))
        logger.addHandler(handler)
    logger.setLevel(level)


def _error_line(message: str) -> None:
    """The one stderr line of a failed run (a value with a line break cannot split it)."""
    click.echo("hpdgenomics: error: " + " ".join(message.splitlines()), err=True)


def _quiet_stdout() -> None:
    """Point stdout at devnull so the interpreter's final flush after EPIPE does not raise."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):   # no real file descriptor (e.g. under a test runner)
        pass


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread so that the run ends as Ctrl-C does: parallel workers
    stopped, temporary files removed, no partial report set; then exit code 143 (128 + 15)."""


def _raise_terminated(_signum, _frame):
    raise Terminated()


@contextmanager
def _sigterm_ends_the_run():
    """While a command runs, SIGTERM raises :class:`Terminated` (Python's default would end the
    process at once, with no clean-up and its workers left running)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _interrupted(exc: BaseException) -> int:
    """The message and exit code of Ctrl-C (130) or SIGTERM (143)."""
    if isinstance(exc, Terminated) or isinstance(exc.__context__, Terminated):
        click.echo("hpdgenomics: terminated (SIGTERM); the run was stopped and no partial "
                   "report set was written", err=True)
        return 143
    click.echo("hpdgenomics: interrupted", err=True)
    return 130


# errno values that mean the machine, not the program, is at fault: exit 2 with one line
_ENVIRONMENT_ERRNOS = {errno.ENOSPC: "the disk is full: free some space or choose another --out",
                       errno.EDQUOT: "the disk quota is used up: free some space",
                       errno.ENAMETOOLONG: "a file or folder name is longer than the file "
                                           "system allows (255 bytes): use shorter names",
                       errno.EROFS: "the file system is read-only: choose another --out"}


# click >= 8.2 raises this for a bare group; older versions print the help themselves
_NO_ARGS_IS_HELP = getattr(click.exceptions, "NoArgsIsHelpError", ())


class HpdGroup(click.Group):
    """The command group: loads each subcommand's module on first use and maps errors to exit codes
    (``HpdError`` and environment errors: one stderr line, exit 2).
    """

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        """click's main, with one-line usage errors, 130 on Ctrl-C and 0 on a closed stdout."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            with _sigterm_ends_the_run():
                code = super().main(args, prog_name, complete_var, standalone_mode=False,
                                    **extra)
            sys.stdout.flush()   # stdout to a pipe is block-buffered: a closed reader shows here
        except _NO_ARGS_IS_HELP as exc:   # a bare `hpdgenomics` shows the help, as click does
            exc.show()
            sys.exit(exc.exit_code)
        except click.UsageError as exc:
            where = f" (see '{exc.ctx.command_path} --help')" if exc.ctx else ""
            _error_line(f"{exc.format_message()}{where}")
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            _error_line(exc.format_message())
            sys.exit(exc.exit_code)
        except click.Abort as exc:
            sys.exit(_interrupted(exc))
        except KeyboardInterrupt as exc:   # SIGTERM or Ctrl-C outside a command's own run
            sys.exit(_interrupted(exc))
        except OSError as exc:
            if exc.errno != errno.EPIPE:
                raise
            # A reader such as `head` closed stdout early: it has what it wanted.
            _quiet_stdout()
            sys.exit(0)
        sys.exit(code if isinstance(code, int) else 0)

    def list_commands(self, ctx):
        """The subcommand names, sorted."""
        return sorted(_COMMANDS)

    def get_command(self, ctx, name):
        """The subcommand ``name``, importing its module now; ``None`` for an unknown name."""
        if name not in _COMMANDS:
            return None
        module = importlib.import_module(f"{__name__}.{_COMMANDS[name]}")
        return module.command

    def invoke(self, ctx):
        """Run the subcommand, turning library errors, broken pipes, interrupts and environment
        errors (disk full, permissions) into one stderr line and their exit code; anything else is a
        bug (exit 1 with a short message, the traceback with ``--debug``).
        """
        try:
            return super().invoke(ctx)
        except HpdError as exc:
            if ctx.ensure_object(_State).debug:
                traceback.print_exc(file=sys.stderr)   # the same exit code with or without --debug
            _error_line(str(exc))
            ctx.exit(exc.exit_code)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except BrokenPipeError:
            # A reader such as `head` closed stdout early: it has what it wanted. (click would
            # turn this into exit code 1, which fails a `set -o pipefail` pipeline.)
            _quiet_stdout()
            ctx.exit(0)
        except KeyboardInterrupt as exc:
            ctx.exit(_interrupted(exc))
        except OSError as exc:
            if exc.errno not in _ENVIRONMENT_ERRNOS:
                return self._internal_error(ctx, exc)
            if ctx.ensure_object(_State).debug:
                traceback.print_exc(file=sys.stderr)
            where = f"{exc.filename}: " if exc.filename else ""
            _error_line(f"{where}{exc.strerror or exc}; {_ENVIRONMENT_ERRNOS[exc.errno]}")
            ctx.exit(2)
        except MemoryError:
            if ctx.ensure_object(_State).debug:
                traceback.print_exc(file=sys.stderr)
            _error_line("out of memory; an input is larger than this machine can hold: check "
                        "that the inputs are the right files, or lower the input limits "
                        "(HPDGENOMICS_MAX_*_BYTES, docs/plausibility.md) so that such a file is "
                        "refused early")
            ctx.exit(2)
        except Exception as exc:  # noqa: BLE001 - a bug: say so plainly, traceback behind --debug
            return self._internal_error(ctx, exc)

    @staticmethod
    def _internal_error(ctx: click.Context, exc: BaseException):
        if ctx.ensure_object(_State).debug:
            traceback.print_exc(file=sys.stderr)
        detail = " ".join(str(exc).splitlines())
        click.echo(f"hpdgenomics: internal error (a bug): {type(exc).__name__}: {detail}; "
                   "rerun with --debug for the traceback and please report it", err=True)
        ctx.exit(1)


@click.group(cls=HpdGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="hpdgenomics")
@common_options
@click.pass_context
def cli(ctx):
    """Screen tumour genomic results for alterations reported with hyper-progressive disease on
    immune checkpoint inhibitors (research use only; not a contraindication).

    \b
    Exit codes: 0 success; 2 bad input or usage (one line on stderr); 1 internal error.
    """
    state = ctx.ensure_object(_State)
    if not state.logging_configured:
        configure_logging(0)
        state.logging_configured = True


def main(argv=None):
    """The ``hpdgenomics`` console entry point; ``argv`` defaults to the process arguments."""
    cli.main(args=argv, prog_name="hpdgenomics")
