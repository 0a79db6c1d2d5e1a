"""The ``hpdgenomics`` command line: a thin layer over the library.

Each sub-command lives in its own module, parses options, calls one library function and writes
what it returns. Errors of the :class:`hpdgenomics.errors.HpdError` family are caught here, once,
and become one line on stderr with exit code 2 (``--debug`` shows the traceback instead).
Logging goes to stderr; stdout carries nothing but data a pipeline may want.
"""
from __future__ import annotations

import importlib
import logging
import os
import sys

import click

from .. import __version__
from ..errors import HpdError

# command name -> module under hpdgenomics.cli; imported only when the command runs
_COMMANDS = {
    "screen": "screen",
    "knowledge": "knowledge",
    "hpd-classify": "hpd_classify",
    "cohort": "cohort",
}

log = logging.getLogger("hpdgenomics")


class _State:
    def __init__(self):
        self.debug = False


def _set_debug(ctx: click.Context, _param, value):
    if value:
        ctx.ensure_object(_State).debug = True
    return value


def _set_verbosity(ctx: click.Context, param, value):
    if value:
        state = ctx.ensure_object(_State)
        state.verbosity = getattr(state, "verbosity", 0) + (value if param.name == "verbose" else -value)
        configure_logging(state.verbosity)
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


def configure_logging(verbosity: int = 0) -> None:
    level = {-1: logging.ERROR, 0: logging.WARNING, 1: logging.INFO}.get(
        max(-1, min(verbosity, 2)), logging.DEBUG)
    logger = logging.getLogger("hpdgenomics")
    if not any(getattr(h, "_hpd_cli", False) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("hpdgenomics: %(levelname)s: %(message)s"))
        handler._hpd_cli = True
        logger.addHandler(handler)
    logger.setLevel(level)


class HpdGroup(click.Group):
    def list_commands(self, ctx):
        return sorted(_COMMANDS)

    def get_command(self, ctx, name):
        if name not in _COMMANDS:
            return None
        module = importlib.import_module(f"{__name__}.{_COMMANDS[name]}")
        return module.command

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except HpdError as exc:
            if ctx.ensure_object(_State).debug:
                raise
            click.echo(f"hpdgenomics: error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except (click.exceptions.Exit, click.ClickException, click.Abort, BrokenPipeError):
            raise
        except KeyboardInterrupt:
            click.echo("hpdgenomics: interrupted", err=True)
            ctx.exit(130)
        except Exception as exc:  # a bug: say so plainly, keep the traceback behind --debug
            if ctx.ensure_object(_State).debug:
                raise
            click.echo(f"hpdgenomics: internal error: {type(exc).__name__}: {exc} "
                       "(rerun with --debug for the traceback and please report it)", err=True)
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
    if not hasattr(state, "verbosity"):
        state.verbosity = 0
        configure_logging(0)


def main(argv=None):
    try:
        cli.main(args=argv, prog_name="hpdgenomics")
    except BrokenPipeError:
        # A reader such as `head` closed stdout early: not an error of ours. Point stdout at
        # devnull so the interpreter's final flush does not raise again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)
