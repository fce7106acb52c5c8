"""Rotating log files that never hold a full ID number or mobile number."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.logs import PersonalDataFilter, setup_logging
from app.masking import mask_id_number

ID_18 = "11010519491231002X"
ID_15 = "110105491231002"
MOBILE = "13812345678"


@pytest.fixture(autouse=True)
def clean_root_logger() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)


def read_log(path: Path) -> str:
    for handler in logging.getLogger().handlers:
        handler.flush()
    return path.read_text(encoding="utf-8")


def owned_handlers() -> list[logging.Handler]:
    return [
        h for h in logging.getLogger().handlers if any(isinstance(f, PersonalDataFilter) for f in h.filters)
    ]


def test_id_numbers_never_reach_the_file_whichever_way_they_are_logged(tmp_path: Path) -> None:
    log_file = setup_logging(tmp_path / "logs")
    log = logging.getLogger("app.cases.accept")  # a child logger: its records propagate to root
    number = ID_18
    log.info("read card %s for 张三", number)
    log.info(f"f-string card {number}")
    log.info("in the format string " + ID_15)
    log.warning("phone %s, both %s", MOBILE, ID_15)
    try:
        raise ValueError(f"checksum failed for {number}")
    except ValueError:
        log.exception("validation crashed")
    text = read_log(log_file)
    assert ID_18 not in text
    assert ID_15 not in text
    assert MOBILE not in text
    assert text.count(mask_id_number(ID_18)) == 3  # args, f-string, exception message
    assert text.count(mask_id_number(ID_15)) == 2
    assert "138****5678" in text
    assert "read card 1101**********002X for 张三" in text
    assert "Traceback (most recent call last)" in text
    assert "ValueError: checksum failed for 1101**********002X" in text


def test_chained_exceptions_and_stack_info_are_scrubbed(tmp_path: Path) -> None:
    log_file = setup_logging(tmp_path)
    log = logging.getLogger("app.sync")
    try:
        try:
            raise KeyError(ID_18)
        except KeyError as inner:
            raise RuntimeError("upload refused") from inner
    except RuntimeError:
        log.error("send failed", exc_info=True)
    log.warning("where am I", stack_info=True)  # 11010519491231002X shows in the stack's source line
    text = read_log(log_file)
    assert "The above exception was the direct cause" in text
    assert "Stack (most recent call last)" in text
    assert ID_18 not in text
    assert text.count(mask_id_number(ID_18)) == 2


def test_handlers_after_ours_see_only_the_masked_text(tmp_path: Path) -> None:
    setup_logging(tmp_path)
    seen: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(self.format(record))

    collector = Collect()
    logging.getLogger().addHandler(collector)
    try:
        raise ValueError(ID_18)
    except ValueError:
        logging.getLogger("x").exception("card %s", ID_18)
    assert seen and all(ID_18 not in line for line in seen)
    assert "ValueError: 1101**********002X" in seen[0]


def test_bad_format_arguments_still_write_a_scrubbed_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    log_file = setup_logging(tmp_path)
    # pytest's own capture handler sits before ours and re-raises formatting errors; leave only ours.
    monkeypatch.setattr(logging.getLogger(), "handlers", owned_handlers())
    logging.getLogger("x").info("count %d", ID_18)
    text = read_log(log_file)
    assert "unformattable log arguments" in text
    assert ID_18 not in text
    assert "--- Logging error ---" not in capsys.readouterr().err


def test_calling_twice_does_not_duplicate_lines_and_moves_to_the_new_folder(tmp_path: Path) -> None:
    first = setup_logging(tmp_path / "a")
    second = setup_logging(tmp_path / "a")
    assert first == second == tmp_path / "a" / "yichuang.log"
    assert len(owned_handlers()) == 1
    logging.getLogger("x").warning("only once")
    assert read_log(first).count("only once") == 1

    moved = setup_logging(tmp_path / "b", console=True)
    assert len(owned_handlers()) == 2  # the file and the console
    logging.getLogger("x").warning("after the move")
    assert "after the move" in read_log(moved)
    assert "after the move" not in read_log(first)


def test_console_output_is_scrubbed_too(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging(tmp_path, console=True)
    logging.getLogger("x").warning("console %s", ID_18)
    err = capsys.readouterr().err
    assert "console 1101**********002X" in err
    assert ID_18 not in err


def test_level_filters_lines_and_unknown_levels_are_refused(tmp_path: Path) -> None:
    log_file = setup_logging(tmp_path, level="WARNING")
    logging.getLogger("x").info("quiet line")
    logging.getLogger("x").warning("loud line")
    text = read_log(log_file)
    assert "quiet line" not in text
    assert "loud line" in text
    with pytest.raises(ValueError):
        setup_logging(tmp_path, level="LOUD")


def test_files_rotate_at_max_bytes_and_keep_the_given_number_of_backups(tmp_path: Path) -> None:
    log_file = setup_logging(tmp_path, max_bytes=2_000, backups=2)
    for index in range(200):
        logging.getLogger("x").warning("line %03d with card %s", index, ID_18)
    read_log(log_file)
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["yichuang.log", "yichuang.log.1", "yichuang.log.2"]
    for path in tmp_path.iterdir():
        assert 0 < path.stat().st_size <= 2_000
        assert ID_18 not in path.read_text(encoding="utf-8")
    assert "line 199" in log_file.read_text(encoding="utf-8")


def test_each_mode_can_have_its_own_file(tmp_path: Path) -> None:
    log_file = setup_logging(tmp_path, file_name="display.log")
    logging.getLogger("ui.display").warning("display started")
    assert log_file == tmp_path / "display.log"
    assert "display started" in read_log(log_file)
