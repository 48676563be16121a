"""Domain errors: user mistakes the CLI turns into a one-line message and exit code 1.

And one warning, :class:`InputWarning`: the input was read, but in a way the user must hear
about (the CLI prints each as a ``Warning: ...`` line; library callers get a Python warning
they can record, filter or turn into an error).

Each error subclasses a built-in so library users can catch it the usual way
(``ValueError``, ``LookupError``...), and ``FeedbackClassifierError`` so the CLI can
tell a user mistake from a bug. Messages say what is wrong, where (file, row,
column, value) and how to fix it.
"""


class FeedbackClassifierError(Exception):
    """Base class of every error caused by user input rather than by a bug."""


class TaxonomyError(FeedbackClassifierError, ValueError):
    """A taxonomy file or definition is invalid."""


class LabelError(FeedbackClassifierError, ValueError):
    """A label cell names a category the taxonomy does not have, or is malformed."""


class InputFileError(FeedbackClassifierError, ValueError):
    """An input table cannot be read (missing file, unknown format, bad encoding), or a setting of
    the job reading it is invalid (``jobs=0``, an unknown ``polarity``): every job says it so."""


class MissingColumnError(FeedbackClassifierError, LookupError):
    """A column the command needs is not in the table."""

    def __str__(self) -> str:  # LookupError would repr() the message in quotes
        return str(self.args[0]) if self.args else ""


class ModelFileError(FeedbackClassifierError, ValueError):
    r"""A model file is corrupt, not ours, incompatible, or made for another taxonomy.

    One line even when it quotes a library's own message about the damaged data (numpy's about
    an ``.npy`` header spans three lines):

    >>> str(ModelFileError("m.fcmodel was refused (Header is large.\nTo allow loading, adjust it.)"))
    'm.fcmodel was refused (Header is large. To allow loading, adjust it.)'
    """

    def __str__(self) -> str:
        return " ".join(line.strip() for line in super().__str__().splitlines() if line.strip())


class ParameterError(FeedbackClassifierError, ValueError, TypeError):
    """A library object was given a parameter value it cannot use (``FeedbackClassifier(C=0)``); a
    ``ValueError`` and a ``TypeError``, as scikit-learn's ``InvalidParameterError`` is."""


class ScoreError(FeedbackClassifierError, ValueError):
    """Score settings are invalid (e.g. unknown score type, bad scale)."""


class MissingExtraError(FeedbackClassifierError, ImportError):
    """An optional engine was asked for but its packages are not installed."""


class WorkerError(FeedbackClassifierError, RuntimeError):
    """A ``--jobs`` worker process ended abruptly (killed, most often by the out-of-memory killer):
    the machine's limits, not the input or a bug; fewer workers or smaller chunks fit them."""


class InputWarning(UserWarning):
    """The input was read, but not exactly as written (e.g. rows with fewer cells than the header):
    one line naming the file, the rows and what was done, for the user to check.

    ``topic`` names what it is about; an error raised with the same ``topic`` attribute says it
    more precisely, and the CLI then prints the error alone.
    """

    def __init__(self, message: str, *, topic: str | None = None):
        super().__init__(message)
        self.topic = topic


def warn(warning: Warning) -> None:
    """``warnings.warn(warning)`` attributed to the first frame outside this package: a fixed
    ``stacklevel`` pointed inside the library whenever the call came through a few layers
    (``enrich`` → ``warn_unread``), so a notebook showed library source and
    ``filterwarnings(module=...)`` of the caller's own module did not match.

    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warn(InputWarning("rows were skipped"))
    >>> caught[0].filename.endswith("errors.py"), caught[0].category.__name__
    (False, 'InputWarning')
    """
    import os
    import sys
    import warnings

    package = os.path.dirname(os.path.abspath(__file__)) + os.sep
    frame, level = sys._getframe(1), 2
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(package):
        frame, level = frame.f_back, level + 1
    warnings.warn(warning, stacklevel=level)
