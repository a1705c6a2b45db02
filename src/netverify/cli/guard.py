"""Turn whatever a command raises into one stderr message and an exit code; never a traceback.

Bad input or usage is exit 2. A netverify bug (InternalDisagreement, or anything unexpected) is exit 3:
a gate must fail closed, never pass or fail silently on our mistake. NETVERIFY_DEBUG=1 adds the traceback.
"""

from __future__ import annotations

import importlib
import os
import sys
import traceback
from collections.abc import Callable
from typing import Any

from netverify.errors import InputError, InternalDisagreement, UsageError

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_UNKNOWN = 0, 1, 2, 3

BUG_HINT = "rerun with NETVERIFY_DEBUG=1 for the traceback, and please report it with the command and manifests"


class NotAvailableYet(UsageError):
    """A command whose analysis or loader is not part of this build yet."""


def lazy(module: str, attr: str) -> Callable[..., Any]:
    """Import a loader or analysis only when a command needs it, so one missing part breaks one command."""
    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name and (module == exc.name or module.startswith(exc.name + ".")):
            raise NotAvailableYet(f"{module}.{attr} is not available yet in this build of netverify") from exc
        raise
    fn = getattr(mod, attr, None)
    if fn is None:
        raise NotAvailableYet(f"{module}.{attr} is not available yet in this build of netverify")
    return fn


def _debug() -> bool:
    return os.environ.get("NETVERIFY_DEBUG", "") not in ("", "0")


def _say(message: str) -> None:
    sys.stderr.write(message.rstrip("\n") + "\n")
    sys.stderr.flush()


def guarded(work: Callable[[], int]) -> int:
    """Run a command body; return its exit code, or the exit code of what went wrong (message on stderr)."""
    try:
        return work()
    except InputError as exc:
        _say(exc.render())
        return EXIT_USAGE
    except UsageError as exc:
        _say(f"netverify: error: {exc}")
        return EXIT_USAGE
    except OSError as exc:
        if exc.filename is None:  # not about a file the user named: ours to explain
            return _internal(exc)
        _say(f"{exc.filename}: error: cannot read: {exc.strerror or exc}")
        return EXIT_USAGE
    except InternalDisagreement as exc:
        if _debug():
            traceback.print_exc()
        _say(
            "netverify: INTERNAL ERROR: the solver and the concrete evaluator disagree. This is a bug in netverify,\n"
            f"not in your manifests: {exc}\n"
            f"No result is reported (exit 3, failing closed); {BUG_HINT}."
        )
        return EXIT_UNKNOWN
    except KeyboardInterrupt:
        _say("netverify: interrupted")
        return 130
    except Exception as exc:  # noqa: BLE001 - the last line of defence: no traceback for the user
        return _internal(exc)


def _internal(exc: BaseException) -> int:
    if _debug():
        traceback.print_exception(exc)
    _say(f"netverify: internal error: {type(exc).__name__}: {exc}\n{BUG_HINT} (exit 3, failing closed).")
    return EXIT_UNKNOWN
