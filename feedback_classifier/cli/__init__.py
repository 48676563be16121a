"""Command-line interface: one module per command group, shared options in ``options``."""

from feedback_classifier.cli.main import app, main

__all__ = ["app", "main"]
