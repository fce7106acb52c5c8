"""Logging (日志): rotating UTF-8 files whose lines never hold a full ID number or mobile number.

:func:`setup_logging` installs the handlers on the root logger once per process (calling it again
replaces them). Every handler it installs carries a :class:`PersonalDataFilter`; the filter sits on
the handlers and not on a logger because logger filters do not see records propagated from child
loggers, and every module logs through its own ``logging.getLogger(__name__)``.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
from pathlib import Path

from app.masking import scrub_text

LOG_FILE_NAME = "yichuang.log"
_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s"
# Marks the handlers this module installed, so a second call can find and replace them.
_OWNED = "_yichuang_handler"


class PersonalDataFilter(logging.Filter):
    """Masks ID numbers (18 and 15 characters) and mobile numbers in a record before it is written.

    The message is formatted with its arguments first and then scrubbed, so a number passed as a
    %-argument is caught as well as one inside the format string or an f-string. Exception and
    stack text are formatted and scrubbed too, because ``logger.exception`` would otherwise write
    ``ValueError('bad id 110105…')`` verbatim. The record is changed in place, so every later
    handler sees only the masked text. Never drops a record.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:
            # Bad %-arguments: keep the evidence (scrubbed) instead of losing the line.
            message = f"{record.msg!s} (unformattable log arguments: {record.args!r})"
        record.msg = scrub_text(message)
        record.args = None
        if record.exc_info and record.exc_info[0] is not None and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub_text(record.exc_text)
            # Formatters re-render exc_text from exc_info only when exc_text is empty; dropping the
            # live exception as well keeps a handler without this filter from printing it raw.
            record.exc_info = None
        if record.stack_info:
            record.stack_info = scrub_text(record.stack_info)
        return True


def _level_number(level: str) -> int:
    number = logging.getLevelName(level.upper())
    if not isinstance(number, int):
        raise ValueError(f"unknown log level {level!r}")
    return number


def setup_logging(
    log_dir: Path,
    *,
    level: str = "INFO",
    max_bytes: int = 2_000_000,
    backups: int = 5,
    console: bool = False,
    file_name: str = LOG_FILE_NAME,
) -> Path:
    """Log to ``log_dir/file_name`` (rotating at ``max_bytes``, keeping ``backups`` old files).

    Returns the log file path (the UI shows it in its apology for unexpected errors). Calling it
    again closes and replaces the handlers installed before, so it never adds them twice; give
    each mode that can run beside another (display next to counter) its own ``file_name``, since two
    processes rotating one file lose lines, and on Windows rotation fails outright.
    """
    number = _level_number(level)
    log_dir.mkdir(parents=True, exist_ok=True)
    log_file = log_dir / file_name

    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, _OWNED, False):
            root.removeHandler(handler)
            handler.close()

    scrubber = PersonalDataFilter()
    formatter = logging.Formatter(_FORMAT)
    handlers: list[logging.Handler] = [
        logging.handlers.RotatingFileHandler(
            log_file, maxBytes=max_bytes, backupCount=backups, encoding="utf-8"
        )
    ]
    if console:
        handlers.append(logging.StreamHandler(sys.stderr))
    for handler in handlers:
        handler.setFormatter(formatter)
        handler.addFilter(scrubber)
        setattr(handler, _OWNED, True)
        root.addHandler(handler)
    root.setLevel(number)
    logging.getLogger(__name__).info("logging to %s at level %s", log_file, logging.getLevelName(number))
    return log_file
