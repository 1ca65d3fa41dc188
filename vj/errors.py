"""One exception type per kind of user error.

The CLI prints ``vj: error: <message>`` and exits non-zero for any
:class:`VjError`; messages name the file, field or parameter and what would
be valid.
"""


class VjError(Exception):
    """Base class of the errors a user can cause and fix."""


class ParameterError(VjError, ValueError):
    """A parameter has a value outside what is valid."""


class AudioError(VjError):
    """An audio file or device cannot be used."""


class BankError(VjError):
    """A keyframe bank is missing, incomplete or inconsistent."""


class OutputError(VjError):
    """An output file cannot be written."""
