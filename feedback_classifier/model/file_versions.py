"""Which release of feedback-classifier wrote a model file, and what to tell a user whose file came from
another one: an upgrading user must learn which version made a file this one refuses, and a file from a
later release is a reason to upgrade, not damage or tampering."""

from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path

from feedback_classifier.errors import ModelFileError


def package_version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def major_minor(version: str | None) -> tuple[str, ...] | None:
    return tuple(version.split(".")[:2]) if version else None


def release_numbers(version: str) -> tuple[int, ...]:
    """``'0.10.2'`` -> ``(0, 10, 2)``: the numbers of a release, compared as numbers ('0.10' > '0.9').

    >>> release_numbers("0.10.2") > release_numbers("0.9"), release_numbers("1.0rc1")
    (True, (1, 0))
    """
    parts = []
    for part in version.split("."):
        digits = re.match(r"\d+", part)
        if digits is None:
            break
        parts.append(int(digits.group()))
        if digits.group() != part:
            break
    return tuple(parts)


def writer_of(header: dict) -> str | None:
    """The feedback-classifier version the header says wrote the file, ``None`` when it does not say."""
    versions = header.get("versions")
    written = versions.get("feedback_classifier") if isinstance(versions, dict) else None
    return written[:40] if isinstance(written, str) and written.strip() else None


def written_by(header: dict) -> str:
    """``'written by feedback-classifier 0.1.0 on 2026-12-08'`` as far as the header says it, for errors that
    must tell an upgrading user which version made a file it refuses ('' when it says neither).

    >>> written_by({"versions": {"feedback_classifier": "0.1.0"}, "trained_at": "2026-12-08T01:15:36+00:00"})
    'written by feedback-classifier 0.1.0 on 2026-12-08'
    """
    version, when = writer_of(header), header.get("trained_at")
    date = f" on {when[:10]}" if isinstance(when, str) and re.fullmatch(r"\d{4}-\d\d-\d\d", when[:10]) else ""
    return f"written by feedback-classifier {version}{date}" if version else ""


def newer_writer(header: dict) -> str | None:
    """The version that wrote the file when it is a later release than this one: what it holds may be
    what this version cannot read, which is not damage or tampering."""
    from feedback_classifier import __version__

    version = writer_of(header)
    return version if version and release_numbers(version) > release_numbers(__version__) else None


def runtime_versions() -> dict[str, str | None]:
    from feedback_classifier import __version__

    return {
        "feedback_classifier": __version__,
        "scikit_learn": package_version("scikit-learn"),
        "numpy": package_version("numpy"),
        "scipy": package_version("scipy"),
        "spacy": package_version("spacy"),
        "joblib": package_version("joblib"),
    }


def also_written(text: str) -> str:
    return f", {text}" if text else ""


def from_later_release(path: Path, header: dict, why: str) -> ModelFileError | None:
    """The error for model data this version cannot read when a later release wrote the file (its
    classes or fitted state are newer than this code), ``None`` otherwise: said as damage or tampering,
    an upgrade-and-downgrade user was told to distrust their own file instead of to upgrade."""
    from feedback_classifier import __version__

    newer = newer_writer(header)
    if newer is None:
        return None
    return ModelFileError(
        f"{path} was {written_by(header)}, a later release than this {__version__}, and holds what this version "
        f"cannot read ({why}); upgrade feedback-classifier to {newer} or later (pip install -U feedback-classifier), "
        "or retrain the model with this version's `feedback-classifier train ...`."
    )
