"""The `glr` command: argument wiring only; each subcommand is a module here with register()/run()."""

from .main import main

__all__ = ["main"]
