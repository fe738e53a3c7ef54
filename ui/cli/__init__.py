"""``sargc``: the command line of SAR Ground Control.

Each command lives in its own module here (``plan.py``, ``sim.py``, ``fly.py`` …) and is
loaded only when used, so ``sargc plan`` never pays for Qt or OpenCV. Failures print one
clear line and exit non-zero; ``--debug`` shows the traceback.
"""

from __future__ import annotations

import importlib
import sys

import click

from search_patterns.errors import SargcError

# command name -> (module, attribute). A module that does not exist yet is left out.
COMMANDS: dict[str, tuple[str, str]] = {
    "plan": ("ui.cli.plan", "plan"),
    "sim": ("ui.cli.sim", "sim"),
    "sitl": ("ui.cli.sim", "sitl"),
    "fly": ("ui.cli.fly", "fly"),
    "status": ("ui.cli.fly", "status"),
    "detect": ("ui.cli.detect", "detect"),
    "train-ranker": ("ui.cli.train_ranker", "train_ranker"),
    "coverage": ("ui.cli.coverage", "coverage"),
    "gui": ("ui.cli.gui", "gui"),
    "mission": ("ui.cli.mission", "mission"),
    "demo": ("ui.cli.mission", "demo"),
    "share": ("ui.cli.share", "share"),
}


class LazyGroup(click.Group):
    """A click group that imports a command's module only when that command runs."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(name for name, (mod, _) in COMMANDS.items() if importlib.util.find_spec(mod))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None or importlib.util.find_spec(target[0]) is None:
            return None
        return getattr(importlib.import_module(target[0]), target[1])


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show full tracebacks on errors.")
@click.version_option(package_name="sar-ground-control", prog_name="sargc")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """SAR Ground Control: plan, fly and review drone searches.

    \b
    Example:
      sargc plan lawnmower --area area.kml --alt 50 --spacing 25 --out plan.plan
    """
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the CLI, turning user-facing errors into one line and exit code 1."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    try:
        cli.main(args=args, prog_name="sargc", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return 130
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except (SargcError, OSError) as exc:
        if debug:
            raise
        click.echo(f"sargc: error: {exc}", err=True)
        return 1
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        return 130
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
