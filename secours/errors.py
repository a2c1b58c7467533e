"""The error hierarchy of secours.

Every error the project raises on purpose derives from :class:`SecoursError`.
The tree, with who is to blame and what the CLI does with it::

    SecoursError
    ├── UsageError              the user's input is wrong: exit code 2, one line, no traceback
    │   ├── ConfigError         a settings value, environment variable or option is invalid
    │   └── DrillFileError      a drill file cannot be read or does not validate
    ├── ContractError           topics.yaml and schemas/ disagree (a defect of the installation)
    ├── ExternalNotReady        an outside system that plays an actor never showed up (--external)
    ├── BrokerError             a broker could not be started, reached or stopped
    │   ├── BrokerStartError    the launcher gave up (missing Java/Maven, port taken, crash at boot)
    │   └── BrokerUnavailable   a running broker stopped answering (``retriable``)
    ├── RejectedInput           a valid record a service cannot act on (not for it, naming what does
    │                           not exist): dead-lettered with the reason, the service goes on
    └── CodecError              bytes are not a valid record of the topic's schema: dead-lettered
        ├── UnknownSchemaError  the fingerprint names no schema the topic accepts
        └── DecodeError         the header is right but the body does not decode or validate

Errors carry behaviour flags rather than making callers parse messages: ``retriable``
says whether the same call may succeed later.
"""

from __future__ import annotations

__all__ = [
    "BrokerError",
    "BrokerStartError",
    "BrokerUnavailable",
    "CodecError",
    "ConfigError",
    "ContractError",
    "DecodeError",
    "DrillFileError",
    "ExternalNotReady",
    "RejectedInput",
    "SecoursError",
    "UnknownSchemaError",
    "UsageError",
]


class SecoursError(Exception):
    """Base of every error raised on purpose by secours."""

    retriable: bool = False


class UsageError(SecoursError):
    """The user's input (options, files, environment) is wrong."""


class ConfigError(UsageError):
    """A configuration value is invalid."""


class DrillFileError(UsageError):
    """A drill file cannot be read or does not validate."""


class ContractError(SecoursError):
    """The topic catalogue and the schemas disagree."""


class RejectedInput(SecoursError):
    """A well-formed record a service cannot act on: it is not for it, or it names something that
    does not exist (an LRN never filed, a movement ECS-BS never had). Dead-lettered with the reason,
    as bad input is; any other exception a service's logic raises is a defect of the service and
    stops it, instead of passing for poison input."""


class ExternalNotReady(SecoursError):
    """An outside system playing an actor of a run did not subscribe (or say it was ready) in time."""


class BrokerError(SecoursError):
    """A broker could not be started, reached or stopped."""


class BrokerStartError(BrokerError):
    """A broker launcher gave up."""


class BrokerUnavailable(BrokerError):
    """A broker that was running stopped answering."""

    retriable = True


class CodecError(SecoursError):
    """Bytes are not a valid record of the schemas a topic accepts."""


class UnknownSchemaError(CodecError):
    """The record's schema fingerprint is not one the topic accepts."""


class DecodeError(CodecError):
    """The record's body does not decode, or does not validate."""
