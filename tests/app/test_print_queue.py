"""The print queue: jobs are rows with their rasters in the blob store; reprint, cancel, recovery."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray
from sqlalchemy import select

from app.errors import DomainError, PermissionDenied, StorageError
from app.model import AuditEvent, PrintJob, Role, utcnow
from app.services import case_flow, print_queue
from app.services.actor import Actor
from app.storage import crypto
from app.storage.blobs import BlobStore
from app.storage.db import Database

CLERK = Actor("chuangkou", Role.CLERK, display_name="王小窗")
INSTALLER = Actor("shishi", Role.INSTALLER)
BUILDING_PERMIT = "11341122003052113M40110037000000"  # 建筑工程施工许可 in the demo catalog
PRINTER = print_queue.counter_printer("ST001", 3)


def receipt_like(rows: int = 120, width: int = 576, seed: int = 1) -> NDArray[np.uint8]:
    """A 1-bit raster with a pattern, so any changed pixel shows."""
    rng = np.random.default_rng(seed)
    return np.where(rng.random((rows, width)) < 0.2, 0, 255).astype(np.uint8)


@pytest.fixture
def blobs(tmp_path: Path, cipher: crypto.FieldCipher) -> BlobStore:
    return BlobStore(tmp_path / "blobs", cipher)


def queue_one(db: Database, blobs: BlobStore, *rasters: NDArray[np.uint8], printer: str = PRINTER) -> int:
    with db.session() as s:
        return print_queue.enqueue(
            s, blobs, document="受理回执", rasters=list(rasters) or [receipt_like()], printer=printer
        )


def state_of(db: Database, job_id: int) -> print_queue.PrintJobView:
    with db.session() as s:
        return print_queue.get_job(s, job_id)


def print_it(db: Database, job_id: int) -> None:
    with db.session() as s:
        assert print_queue.mark_printing(s, job_id)
    with db.session() as s:
        print_queue.mark_printed(s, job_id)


def audit_actions(db: Database) -> list[tuple[str, str, str]]:
    with db.session() as s:
        rows = s.execute(
            select(AuditEvent.action, AuditEvent.actor, AuditEvent.entity_id).order_by(AuditEvent.seq)
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


def test_a_queued_job_keeps_its_rasters_encrypted_and_gives_them_back_unchanged(
    db: Database, blobs: BlobStore
) -> None:
    first, second = receipt_like(120, seed=1), receipt_like(48, seed=2)
    job_id = queue_one(db, blobs, first, second)
    view = state_of(db, job_id)
    assert (view.state, view.state_label, view.pages, view.paper_width) == ("queued", "等待打印", 2, 576)
    assert view.document_label == "受理回执" and view.attempts == 0
    with db.session() as s:
        back = print_queue.load_rasters(s, blobs, job_id)
        refs = s.get(PrintJob, job_id).blob_refs  # type: ignore[union-attr]
    assert [r.shape for r in back] == [first.shape, second.shape]
    assert np.array_equal(back[0], first) and np.array_equal(back[1], second)
    assert refs is not None and len(refs) == 2
    for ref in refs:
        on_disk = next(p for p in blobs.root.rglob(ref))
        assert b"PNG" not in on_disk.read_bytes()[:16]  # the file is ciphertext, not a readable PNG


def test_rasters_of_different_widths_are_refused(db: Database, blobs: BlobStore) -> None:
    with pytest.raises(ValueError, match="one width"):
        queue_one(db, blobs, receipt_like(width=576), receipt_like(width=384))
    with db.session() as s:
        assert print_queue.list_jobs(s) == []


def test_pending_lists_only_this_printers_queued_jobs_oldest_first(db: Database, blobs: BlobStore) -> None:
    a = queue_one(db, blobs)
    other = queue_one(db, blobs, printer=print_queue.counter_printer("ST001", 5))
    b = queue_one(db, blobs)
    print_it(db, a)
    c = queue_one(db, blobs)
    with db.session() as s:
        assert [j.id for j in print_queue.pending(s, printer=PRINTER)] == [b, c]
        assert [j.id for j in print_queue.pending(s, printer=print_queue.counter_printer("ST001", 5))] == [
            other
        ]


def test_a_job_is_claimed_once_and_a_claimed_job_cannot_be_cancelled(db: Database, blobs: BlobStore) -> None:
    job_id = queue_one(db, blobs)
    with db.session() as s:
        assert print_queue.mark_printing(s, job_id)
    with db.session() as s:
        assert not print_queue.mark_printing(s, job_id)  # a second sender gets nothing
    view = state_of(db, job_id)
    assert view.state == "printing" and view.attempts == 1
    with pytest.raises(DomainError, match="正在打印"), db.session() as s:
        print_queue.cancel(s, CLERK, job_id)


def test_a_refused_job_goes_back_to_the_queue_with_the_reason(db: Database, blobs: BlobStore) -> None:
    job_id = queue_one(db, blobs)
    with db.session() as s:
        print_queue.mark_printing(s, job_id)
    with db.session() as s:
        print_queue.requeue(s, job_id, "小票打印机缺纸，请装入打印纸后重试。")
    view = state_of(db, job_id)
    assert view.state == "queued" and "缺纸" in view.error
    print_it(db, job_id)
    view = state_of(db, job_id)
    assert view.state == "printed" and view.error == "" and view.printed_at is not None
    assert view.attempts == 2


def test_waiting_reason_is_written_only_to_queued_jobs(db: Database, blobs: BlobStore) -> None:
    queued, printed = queue_one(db, blobs), queue_one(db, blobs)
    print_it(db, printed)
    with db.session() as s:
        assert print_queue.note_waiting(s, [queued, printed], "缺纸") == 1
    with db.session() as s:
        assert print_queue.note_waiting(s, [queued, printed], "缺纸") == 0  # already says so
    assert state_of(db, queued).error == "缺纸" and state_of(db, printed).error == ""


def test_a_job_left_printing_by_an_earlier_run_fails_and_is_not_queued_again(
    db: Database, blobs: BlobStore
) -> None:
    old, current, elsewhere = (
        queue_one(db, blobs),
        queue_one(db, blobs),
        queue_one(db, blobs, printer="other"),
    )
    for job_id in (old, elsewhere):
        with db.session() as s:
            print_queue.mark_printing(s, job_id)
    start = utcnow() + dt.timedelta(seconds=1)
    with db.session() as s:
        print_queue.mark_printing(s, current)
        s.execute(
            PrintJob.__table__.update()
            .where(PrintJob.id == current)
            .values(claimed_at=start + dt.timedelta(seconds=1))  # claimed by this run, after it started
        )
    with db.session() as s:
        assert print_queue.recover_interrupted(s, printer=PRINTER, claimed_before=start) == [old]
    view = state_of(db, old)
    assert view.state == "failed" and view.error == "打印中断，请核对纸张后选择补打或重新打印"
    assert state_of(db, current).state == "printing"
    assert state_of(db, elsewhere).state == "printing"  # another workstation's job is not ours to judge
    with db.session() as s:
        assert print_queue.pending(s, printer=PRINTER) == []


def test_cancel_only_queued_or_failed_jobs_and_audit_it(db: Database, blobs: BlobStore) -> None:
    queued, printed = queue_one(db, blobs), queue_one(db, blobs)
    print_it(db, printed)
    with pytest.raises(PermissionDenied), db.session() as s:
        print_queue.cancel(s, INSTALLER, queued)
    with db.session() as s:
        view = print_queue.cancel(s, CLERK, queued)
    assert view.state == "cancelled" and view.state_label == "已取消"
    with db.session() as s:
        assert print_queue.pending(s, printer=PRINTER) == []
        assert not print_queue.mark_printing(s, queued)
    with pytest.raises(DomainError, match="只有等待打印或打印失败"), db.session() as s:
        print_queue.cancel(s, CLERK, printed)
    assert ("print.cancel", "chuangkou", str(queued)) in audit_actions(db)


def test_retry_sends_a_failed_job_again_after_the_clerk_checked(db: Database, blobs: BlobStore) -> None:
    job_id = queue_one(db, blobs)
    with pytest.raises(DomainError, match="只有打印失败"), db.session() as s:
        print_queue.retry(s, CLERK, job_id)
    with db.session() as s:
        print_queue.mark_printing(s, job_id)
    with db.session() as s:
        print_queue.mark_failed(s, job_id, "打印中途缺纸，请装入打印纸后重新打印。")
    with db.session() as s:
        view = print_queue.retry(s, CLERK, job_id)
    assert view.state == "queued" and view.error == ""
    assert ("print.retry", "chuangkou", str(job_id)) in audit_actions(db)


def ink_rows(raster: NDArray[np.uint8]) -> int:
    return int(np.count_nonzero((raster < 128).any(axis=1)))


def test_a_reprint_is_a_new_job_with_a_banner_on_top_and_is_audited(db: Database, blobs: BlobStore) -> None:
    original = receipt_like(240)
    job_id = queue_one(db, blobs, original)
    with pytest.raises(DomainError, match="只有已打印或打印失败"), db.session() as s:
        print_queue.reprint(s, blobs, CLERK, job_id)  # not printed yet: nothing to reprint
    print_it(db, job_id)
    with db.session() as s:
        new_id = print_queue.reprint(s, blobs, CLERK, job_id)
    view = state_of(db, new_id)
    assert new_id != job_id and view.state == "queued" and view.reprint_of == job_id
    assert state_of(db, job_id).state == "printed"
    with db.session() as s:
        [paper] = print_queue.load_rasters(s, blobs, new_id)
    banner = paper.shape[0] - original.shape[0]
    assert banner > 0 and banner % 24 == 0  # whole fragments, see app/documents/receipts.py
    assert np.array_equal(paper[banner:], original)  # the receipt itself is untouched
    assert ink_rows(paper[:banner]) > 20  # the 补打 badge and its line are printed above it
    assert ("print.reprint", "chuangkou", str(new_id)) in audit_actions(db)


def test_reprinting_a_reprint_starts_from_the_original_so_one_banner(db: Database, blobs: BlobStore) -> None:
    original = receipt_like(96)
    job_id = queue_one(db, blobs, original)
    print_it(db, job_id)
    with db.session() as s:
        first = print_queue.reprint(s, blobs, CLERK, job_id)
    print_it(db, first)
    with db.session() as s:
        second = print_queue.reprint(s, blobs, CLERK, first)
        one, two = (print_queue.load_rasters(s, blobs, i)[0] for i in (first, second))
    assert state_of(db, second).reprint_of == job_id
    assert one.shape == two.shape
    assert np.array_equal(two[-original.shape[0] :], original)


def test_reprinting_a_failed_job_cancels_it(db: Database, blobs: BlobStore) -> None:
    job_id = queue_one(db, blobs)
    with db.session() as s:
        print_queue.mark_printing(s, job_id)
    with db.session() as s:
        print_queue.mark_failed(s, job_id, print_queue.INTERRUPTED_MESSAGE)
    with db.session() as s:
        new_id = print_queue.reprint(s, blobs, CLERK, job_id)
    old = state_of(db, job_id)
    assert old.state == "cancelled" and str(new_id) in old.error
    with pytest.raises(DomainError), db.session() as s:
        print_queue.retry(s, CLERK, job_id)  # the failed one can no longer be sent a second time


def test_a_job_without_stored_pictures_cannot_be_sent(db: Database, blobs: BlobStore) -> None:
    with db.session() as s:
        row = PrintJob(document="受理回执", printer=PRINTER, state="printed", created_at=utcnow())
        s.add(row)
        s.flush()
        job_id = row.id
    with pytest.raises(StorageError, match="没有保存打印内容"), db.session() as s:
        print_queue.load_rasters(s, blobs, job_id)


def test_list_jobs_newest_first_with_the_case_number(demo_db: Database, blobs: BlobStore) -> None:
    with demo_db.session() as s:
        case = case_flow.pre_register(s, CLERK, station_code="ST001", item_impl_code=BUILDING_PERMIT)
        assert print_queue.case_id_for_number(s, case.local_number) == case.id
        assert print_queue.case_id_for_number(s, "ST001-19990101-9999") is None
        first = print_queue.enqueue(s, blobs, document="收件凭证", rasters=[receipt_like()], case_id=case.id)
        second = print_queue.enqueue(s, blobs, document="ticket", rasters=[receipt_like()])
    print_it(demo_db, first)
    with demo_db.session() as s:
        jobs = print_queue.list_jobs(s)
        assert [j.id for j in jobs] == [second, first]
        assert jobs[1].case_number == case.local_number and jobs[0].document_label == "排队号票"
        assert [j.id for j in print_queue.list_jobs(s, states=["queued"])] == [second]
        assert print_queue.list_jobs(s, since=utcnow() + dt.timedelta(minutes=1)) == []
        assert [j.id for j in print_queue.list_jobs(s, printer="elsewhere")] == []
