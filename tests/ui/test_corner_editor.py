"""Manual corner adjustment: handles dragged or moved by keys land where the clerk put them, in frame pixels."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from app.imaging.pipeline import default_corners, process_camera_frame, warp
from tests.imaging.synth import a4_document, camera_frame, desk_frame, perspective_corners
from ui.counter.corner_editor import CornerEditor

SIZE = (2592, 1944)


@pytest.fixture
def editor(qtbot: QtBot) -> CornerEditor:
    dialog = CornerEditor(desk_frame((1600, 1200), seed=1), None)
    qtbot.addWidget(dialog)
    dialog.resize(1000, 820)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def screen_point(editor: CornerEditor, x: float, y: float) -> QPoint:
    return editor.canvas.to_widget(x, y).toPoint()


def drag(editor: CornerEditor, start: QPoint, end: QPoint) -> None:
    canvas = editor.canvas
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    QTest.mouseMove(canvas, (start + end) / 2)
    QTest.mouseMove(canvas, end)
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)


def test_dragged_handles_give_the_page_corners_and_the_pipeline_cuts_along_them(qtbot: QtBot) -> None:
    doc = a4_document(4, width=900)
    truth = perspective_corners(SIZE, angle_deg=6.0, keystone=0.05)
    frame, corners = camera_frame(doc, corners_px=truth, size=SIZE, seed=2)
    dialog = CornerEditor(frame, None)  # start from the inset frame, as when nothing was found
    qtbot.addWidget(dialog)
    dialog.resize(1000, 820)
    dialog.show()
    qtbot.waitExposed(dialog)
    start = default_corners(*SIZE)
    for (sx, sy), (tx, ty) in zip(start, corners, strict=True):
        drag(dialog, screen_point(dialog, float(sx), float(sy)), screen_point(dialog, float(tx), float(ty)))
    scale = dialog.canvas._view()[0]
    error = np.abs(dialog.corners() - corners).max()
    assert error <= 1.5 / scale  # a screen pixel or so, in frame pixels

    QTest.keyClick(dialog, Qt.Key.Key_Return)
    assert dialog.result() == QDialog.DialogCode.Accepted
    page = process_camera_frame(frame, corners=dialog.corners())
    assert page.sure and abs(page.image.shape[0] / page.image.shape[1] - 297 / 210) < 0.02
    # The cut matches the one along the true corners: same page, same place.
    exact = warp(frame, corners, a4=True)
    ours = cv2.resize(warp(frame, dialog.corners(), a4=True), (exact.shape[1], exact.shape[0]))
    assert float(np.mean(np.abs(ours.astype(np.int16) - exact.astype(np.int16)))) < 12


def test_keys_pick_a_handle_and_move_it_by_screen_pixels(editor: CornerEditor) -> None:
    canvas = editor.canvas
    before = editor.canvas.corners()
    scale = canvas._view()[0]
    assert canvas.active_handle == 0
    QTest.keyClick(canvas, Qt.Key.Key_Tab)
    assert canvas.active_handle == 1
    QTest.keyClick(canvas, Qt.Key.Key_Right)
    QTest.keyClick(canvas, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    moved = canvas.corners()
    assert moved[1] == pytest.approx(before[1] + np.array([1 / scale, 10 / scale]), abs=1e-3)
    QTest.keyClick(canvas, Qt.Key.Key_4)
    QTest.keyClick(canvas, Qt.Key.Key_Up)
    assert canvas.active_handle == 3 and canvas.corners()[3][1] == pytest.approx(
        before[3][1] - 1 / scale, abs=1e-3
    )
    QTest.keyClick(canvas, Qt.Key.Key_Escape)
    assert editor.result() == QDialog.DialogCode.Rejected


def test_handles_stay_on_the_frame_and_crossed_handles_do_not_mirror_the_page(editor: CornerEditor) -> None:
    # Top-left dragged past the bottom-right corner and beyond the picture.
    beyond = QPoint(editor.canvas.width() + 40, editor.canvas.height() + 40)
    drag(editor, screen_point(editor, 80, 60), beyond)
    raw = editor.canvas.corners()
    assert raw[0] == pytest.approx([1599, 1199])
    ordered = editor.corners()
    assert sorted(map(tuple, ordered.tolist())) == sorted(map(tuple, raw.tolist()))
    x, y = ordered[:, 0], ordered[:, 1]
    turning = float(np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y))
    assert turning > 0  # clockwise on screen, as TL, TR, BR, BL: the cut page is not mirrored


def test_full_frame_and_reset_buttons(editor: CornerEditor) -> None:
    editor.full_button.click()
    assert editor.corners() == pytest.approx(
        np.array([[0, 0], [1599, 0], [1599, 1199], [0, 1199]], np.float32)
    )
    editor.reset_button.click()
    assert editor.corners() == pytest.approx(default_corners(1600, 1200))
    assert "没能确定纸张的边缘" in editor.hint.text() and "Enter" in editor.hint.text()
