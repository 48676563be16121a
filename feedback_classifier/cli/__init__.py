"""Command-line interface: one module per command group."""

from feedback_classifier.cli.app import app, main

__all__ = ["app", "main"]
