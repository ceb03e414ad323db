"""Every exception the service raises on purpose, in one tree.

::

    ReconError
    ├── InputError (ValueError)          bad bytes from outside: file, line, reason
    │   └── AmountError                  a money amount that is not exact or not readable
    ├── ConfigError (ValueError)         recon.toml or the environment is wrong
    ├── NotFoundError (LookupError)      a run, province or source that does not exist
    │   └── NoRunError                   a date (and province) that no run has reconciled
    ├── StorageError (RuntimeError)      the database refused or is not initialised
    ├── RefusedAction (ValueError)       a workflow action that cannot be taken as asked
    ├── FourEyesError (PermissionError)  a request decided by its requester, or decided twice
    └── TransferError (OSError)          SFTP and network failures
        ├── HostKeyError                 unknown or changed host key: never retried
        └── AuthenticationFailed         wrong credentials: never retried

A bad row in an otherwise readable file is an :class:`InputError` too: the
parsers raise it with the line, and ingestion records the file as rejected
with that message. Soft problems (a balance that does not add up, a schema
that does not validate) are :class:`reconcile.records.Issue` values instead.
"""

from __future__ import annotations


class ReconError(Exception):
    """Base of every error the service raises on purpose."""


class InputError(ReconError, ValueError):
    """Input that cannot be accepted, located as precisely as the format allows.

    ``where`` is a line number (``"line 12"``), an XPath-like element path
    (``"Stmt[2]/Ntry[5]/Amt"``) or ``None`` when the file as a whole is wrong.
    """

    def __init__(self, reason: str, *, source: str | None = None, where: str | None = None) -> None:
        self.reason = reason
        self.source = source
        self.where = where
        super().__init__(self._message())

    def _message(self) -> str:
        location = ", ".join(part for part in (self.source, self.where) if part)
        return f"{location}: {self.reason}" if location else self.reason

    def located(self, *, source: str | None = None, where: str | None = None) -> InputError:
        """The same error with the file (or the position) filled in where it was missing."""
        return type(self)(
            self.reason,
            source=self.source or source,
            where=self.where or where,
        )


class AmountError(InputError):
    """An amount that is not a number, or has more digits than its currency allows."""


class ConfigError(ReconError, ValueError):
    """The configuration is missing something or contradicts itself."""


class NotFoundError(ReconError, LookupError):
    """Something asked for by key does not exist."""

    def __init__(self, what: str, key: object) -> None:
        self.what = what
        self.key = key
        super().__init__(f"No {what} by the key {key!r} was found")


class NoRunError(NotFoundError):
    """A statement or report asked for a date that no run has reconciled: refused, never empty."""

    def __init__(self, business_date: object, province_code: str | None = None) -> None:
        self.what = "run"
        self.key = business_date
        scope = "" if province_code is None else f" covering province {province_code}"
        reason = f"no run of {business_date}{scope}: reconcile the date first"
        ReconError.__init__(self, f"{reason} (`recon run --date {business_date}`)")


class StorageError(ReconError, RuntimeError):
    """The database is unreachable, not initialised, or refused a write."""


class RefusedAction(ReconError, ValueError):
    """A workflow action refused as asked: no note, an assignee who may not have items, an unknown kind."""


class FourEyesError(ReconError, PermissionError):
    """A request decided by the person who made it, or a request that is no longer pending."""


class TransferError(ReconError, OSError):
    """A file transfer failed; retrying may help."""


class HostKeyError(TransferError):
    """The server's host key is unknown or differs from the pinned one; never retried."""


class AuthenticationFailed(TransferError):
    """The server refused our credentials; never retried."""
