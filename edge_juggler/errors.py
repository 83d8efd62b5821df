"""Errors that the CLI turns into one-line messages and exit code 2."""

from __future__ import annotations


class InputError(Exception):
    """Bad user input: a missing or corrupt file, an unknown format, a bad spec.

    The message must be one line that names the file (or spec) and what is wrong;
    the CLI prints it without a traceback and exits with code 2.
    """

    exit_code = 2


class DeviceError(InputError):
    """A camera that is missing, unsupported, or disconnected mid-stream."""
