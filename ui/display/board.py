"""叫号屏: the full-screen calling board a hall shows on a TV or a second monitor.

What it shows: the newest call in large type, the ticket each window holds, today's recent calls,
the people waiting per category and a scrolling notice. What it says: each new call and each 重呼
once, in order, through the "speech" device (a chime, then "请A001号到3号窗口办理"); the device
thread plays them one after another, so announcements never overlap.

Changes arrive from a :class:`~app.storage.notify.ChangeWatcher` (LISTEN/NOTIFY on PostgreSQL, a
stamp poll on SQLite); each one reloads the board through the op runner. When the database cannot
be reached a red banner says so, and the board recovers by itself when the watcher reconnects.
Sizes follow the window's height, so the board reads the same on a 720p monitor and a 4K TV.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future
from dataclasses import dataclass

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QColor, QFont, QResizeEvent
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget
from sqlalchemy.exc import DBAPIError

from app.clock import LOCAL_TZ, local_now
from app.context import AppContext
from app.errors import DeviceUnavailable, StorageError
from app.services import calls, queue
from app.services.calls import CallView
from app.services.queue import CategoryView
from devices.manager import DeviceManager
from ui.display.ticker import NoticeTicker
from ui.display.watch import ChangeBridge
from ui.ops import Op, OpRunner

log = logging.getLogger(__name__)

RECENT_ROWS = 8
CARD_COLUMNS = 4
MAX_CARDS = 12
CLOCK_MS = 1000
# Pixel sizes at 1080 lines; scaled with the window's height.
BASE_HEIGHT = 1080
BACKGROUND = "#0b2559"
PANEL = "#12337a"
NUMBER_COLOUR = "#ffd84d"
OFFLINE_COLOUR = "#c62828"

OFFLINE_TEXT = str(QT_TRANSLATE_NOOP("DisplayWindow", "数据库连接中断，正在重连…"))
DEFAULT_NOTICE = str(
    QT_TRANSLATE_NOOP(
        "DisplayWindow",
        "请保管好您的排队号，留意屏幕和语音叫号；过号请咨询导办人员。办理完毕，欢迎对我们的服务作出评价。",
    )
)
_STATE_TEXTS = {
    "called": str(QT_TRANSLATE_NOOP("DisplayWindow", "请前往")),
    "serving": str(QT_TRANSLATE_NOOP("DisplayWindow", "办理中")),
}


def _tr(text: str) -> str:
    return QCoreApplication.translate("DisplayWindow", text)


@dataclass(frozen=True)
class BoardSnapshot:
    """Everything the board shows, read in one transaction (plain data, safe across threads)."""

    station_name: str
    current: tuple[CallView, ...]
    recent: tuple[CallView, ...]
    waiting: tuple[CategoryView, ...]


def load_board(ctx: AppContext) -> Op[BoardSnapshot]:
    station_code = ctx.station_code

    def run() -> BoardSnapshot:
        with ctx.db.session() as session:
            return BoardSnapshot(
                station_name=calls.station_name(session, station_code),
                current=tuple(calls.current_calls(session, station_code)),
                recent=tuple(calls.recent_calls(session, station_code, RECENT_ROWS)),
                waiting=tuple(queue.waiting_by_category(session, station_code=station_code)),
            )

    return Op(run=run, name="load_board")


def is_connection_error(error: BaseException) -> bool:
    """True for errors that mean "the database is unreachable" rather than a bug."""
    return isinstance(error, DBAPIError | StorageError | OSError)


def call_line(call: CallView) -> str:
    """ "请A001号到3号窗口办理" in the interface language, with the recall mark for a 重呼."""
    text = QCoreApplication.translate("DisplayWindow", "请%1号到%2号窗口办理")
    text = text.replace("%1", call.number).replace("%2", str(call.window_number))
    return text + QCoreApplication.translate("DisplayWindow", "（重呼）") if call.is_recall else text


class WindowCard(QFrame):
    """One window's current ticket: "3号窗口", the number, and 请前往 / 办理中."""

    def __init__(self, call: CallView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("window_card")
        self.window_number = call.window_number
        self.window_label = QLabel(self.tr("%1号窗口").replace("%1", str(call.window_number)))
        self.window_label.setObjectName("card_window")
        self.number_label = QLabel(call.number)
        self.number_label.setObjectName("card_number")
        state = _STATE_TEXTS.get(call.state, "")
        self.state_label = QLabel(_tr(state) if state else "")
        self.state_label.setObjectName("card_state_called" if call.state == "called" else "card_state")
        layout = QVBoxLayout(self)
        for label in (self.window_label, self.number_label, self.state_label):
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            layout.addWidget(label)


class DisplayWindow(QWidget):
    """The calling board; see the module docstring. Call :meth:`start_watching` after ``devices.start()``."""

    board_did_load = Signal()  # after every successful reload

    def __init__(
        self,
        ctx: AppContext,
        runner: OpRunner,
        devices: DeviceManager,
        *,
        poll_interval_s: float,
        notice: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("display_window")
        self.setWindowTitle(self.tr("叫号屏"))
        self._ctx = ctx
        self._runner = runner
        self._devices = devices
        self._tracker = calls.AnnouncementTracker()
        self._bridge = ChangeBridge(ctx.db.url, poll_interval_s=poll_interval_s, parent=self)
        self._bridge.queue_did_change.connect(self.refresh)
        self._bridge.connection_did_change.connect(self._on_connection)
        self._watching = False
        self._closed = False
        self._loading = False
        self._reload_after = False
        self._watcher_online = True
        self._refresh_failed = False
        self.loaded = False
        # Every text handed to the speech device, in order (what the hall heard or will hear).
        self.announced: list[str] = []
        self._cards: dict[int, WindowCard] = {}
        self._snapshot: BoardSnapshot | None = None
        self._hero: CallView | None = None

        self.title_label = QLabel(self.tr("叫号信息"))
        self.title_label.setObjectName("title")
        self.clock_label = QLabel()
        self.clock_label.setObjectName("clock")
        self.clock_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        header = QHBoxLayout()
        header.addWidget(self.title_label, 1)
        header.addWidget(self.clock_label)

        self.offline_banner = QLabel(_tr(OFFLINE_TEXT))
        self.offline_banner.setObjectName("offline_banner")
        self.offline_banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.offline_banner.hide()

        self.hero_label = QLabel()
        self.hero_label.setObjectName("hero")
        self.hero_label.setAlignment(Qt.AlignmentFlag.AlignCenter)

        self.cards_title = QLabel(self.tr("窗口叫号"))
        self.cards_title.setObjectName("section")
        self.cards_grid = QGridLayout()
        self.idle_label = QLabel(self.tr("各窗口暂无叫号"))
        self.idle_label.setObjectName("idle")
        self.idle_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        cards_box = QFrame()
        cards_box.setObjectName("panel")
        cards_layout = QVBoxLayout(cards_box)
        cards_layout.addWidget(self.cards_title)
        cards_layout.addLayout(self.cards_grid)
        cards_layout.addWidget(self.idle_label)
        cards_layout.setStretch(1, 1)
        cards_layout.setStretch(2, 1)

        self.recent_title = QLabel(self.tr("最近叫号"))
        self.recent_title.setObjectName("section")
        self.recent_grid = QGridLayout()
        recent_box = QFrame()
        recent_box.setObjectName("panel")
        recent_layout = QVBoxLayout(recent_box)
        recent_layout.addWidget(self.recent_title)
        recent_layout.addLayout(self.recent_grid)
        recent_layout.addStretch(1)

        body = QHBoxLayout()
        body.addWidget(cards_box, 2)
        body.addWidget(recent_box, 1)

        self.waiting_title = QLabel(self.tr("等候人数"))
        self.waiting_title.setObjectName("section")
        self.waiting_row = QHBoxLayout()
        waiting_box = QFrame()
        waiting_box.setObjectName("panel")
        waiting_layout = QHBoxLayout(waiting_box)
        waiting_layout.addWidget(self.waiting_title)
        waiting_layout.addLayout(self.waiting_row, 1)

        self.ticker = NoticeTicker(notice if notice is not None else _tr(DEFAULT_NOTICE))
        self.ticker.set_colour(QColor(NUMBER_COLOUR))

        root = QVBoxLayout(self)
        root.addLayout(header)
        root.addWidget(self.offline_banner)
        root.addWidget(self.hero_label)
        root.addLayout(body, 1)
        root.addWidget(waiting_box)
        root.addWidget(self.ticker)

        self._clock_timer = QTimer(self)
        self._clock_timer.setInterval(CLOCK_MS)
        self._clock_timer.timeout.connect(self._tick)
        self._tick()
        self._show_hero(None)
        self._apply_scale()

    # --- lifecycle -------------------------------------------------------------------------------

    def start_watching(self) -> None:
        """Load the board now and follow changes from then on (clock and notice start too)."""
        if self._watching or self._closed:
            return
        self._watching = True
        self._clock_timer.start()
        self.ticker.start()
        self._bridge.start()
        self.refresh()

    def stop(self) -> None:
        """Stop the watcher thread and the timers (idempotent); done by closing the window too."""
        self._closed = True
        self._clock_timer.stop()
        self.ticker.stop()
        self._bridge.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.stop()
        super().closeEvent(event)

    # --- what tests and the smoke run read -------------------------------------------------------

    def current_numbers(self) -> dict[int, str]:
        """Window number → the number its card shows."""
        return {number: card.number_label.text() for number, card in self._cards.items()}

    def recent_numbers(self) -> list[str]:
        return [call.number for call in self._snapshot.recent] if self._snapshot else []

    def waiting_counts(self) -> dict[str, int]:
        return {cat.code: cat.waiting for cat in self._snapshot.waiting} if self._snapshot else {}

    def is_offline(self) -> bool:
        return not self.offline_banner.isHidden()

    # --- loading ---------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Reload the board; a change that arrives while loading triggers one more load after it."""
        if self._closed:
            return
        if self._loading:
            self._reload_after = True
            return
        self._loading = True
        self._runner.start(load_board(self._ctx).success(self._show).failure(self._load_failed))

    def _finish_load(self) -> None:
        self._loading = False
        if self._reload_after and not self._closed:
            self._reload_after = False
            self.refresh()

    def _show(self, snapshot: BoardSnapshot) -> None:
        if self._closed:
            return
        self._snapshot = snapshot
        self._refresh_failed = False
        self._sync_banner()
        self.title_label.setText(self.tr("%1 · 叫号信息").replace("%1", snapshot.station_name))
        self._show_cards(snapshot.current)
        self._show_recent(snapshot.recent)
        self._show_waiting(snapshot.waiting)
        fresh = self._tracker.new_calls(snapshot.current)
        for call in fresh:
            self._announce(call)
        self._show_hero(self._hero_call(snapshot.current, fresh))
        self._apply_scale()
        self.loaded = True
        self._finish_load()
        self.board_did_load.emit()

    def _load_failed(self, error: BaseException) -> None:
        if is_connection_error(error):
            log.warning("calling board could not be loaded: %s", type(error).__name__)
            self._refresh_failed = True
            self._sync_banner()
        else:
            log.error("calling board failed to load", exc_info=error)
        self._finish_load()

    def _on_connection(self, online: bool) -> None:
        self._watcher_online = online
        self._sync_banner()

    def _sync_banner(self) -> None:
        self.offline_banner.setVisible(not self._watcher_online or self._refresh_failed)

    # --- voice -----------------------------------------------------------------------------------

    def _announce(self, call: CallView) -> None:
        text = calls.announcement_text(call)
        self.announced.append(text)
        try:
            future: Future[None] = self._devices.submit("speech", lambda speech: speech.say(text))
        except DeviceUnavailable as error:
            log.warning("call %s not spoken: %s", call.number, error)
            return
        future.add_done_callback(_log_speech_failure)

    # --- drawing ---------------------------------------------------------------------------------

    def _tick(self) -> None:
        self.clock_label.setText(local_now().strftime("%Y-%m-%d  %H:%M:%S"))

    def _hero_call(self, current: tuple[CallView, ...], fresh: list[CallView]) -> CallView | None:
        """The call in large type: the one announced last while its applicant is still awaited,
        else the newest call still waiting (a recall keeps its ``called_at``, so "newest" alone
        would not bring it back to the top)."""
        waiting = [call for call in current if call.state == "called"]
        if fresh:
            self._hero = fresh[-1]
        if self._hero is not None:
            hero_key = (self._hero.number, self._hero.window_number, self._hero.called_at)
            same = [c for c in waiting if (c.number, c.window_number, c.called_at) == hero_key]
            if same:
                return same[0]
        self._hero = max(waiting, key=lambda call: call.called_at, default=None)
        return self._hero

    def _show_hero(self, call: CallView | None) -> None:
        self.hero_label.setText(call_line(call) if call is not None else self.tr("欢迎光临，请留意叫号"))

    def _show_cards(self, current: tuple[CallView, ...]) -> None:
        for card in self._cards.values():
            self.cards_grid.removeWidget(card)
            card.deleteLater()
        self._cards = {}
        shown = current[:MAX_CARDS]
        columns = min(len(shown), CARD_COLUMNS) or 1
        rows = -(-len(shown) // columns)
        for index, call in enumerate(shown):
            card = WindowCard(call)
            # Fewer windows, bigger numbers: one row of cards fills the panel's height.
            card.number_label.setObjectName(f"card_number_{min(rows, 3)}")
            self._cards[call.window_number] = card
            self.cards_grid.addWidget(card, index // columns, index % columns)
        for row in range(self.cards_grid.rowCount()):
            self.cards_grid.setRowStretch(row, 1 if row < rows else 0)
        self.idle_label.setVisible(not current)

    def _show_recent(self, recent: tuple[CallView, ...]) -> None:
        _clear(self.recent_grid)
        for row, call in enumerate(recent):
            number = QLabel(call.number)
            number.setObjectName("recent_number")
            window = QLabel(self.tr("%1号窗口").replace("%1", str(call.window_number)))
            window.setObjectName("recent_text")
            when = QLabel(call.called_at.astimezone(LOCAL_TZ).strftime("%H:%M"))
            when.setObjectName("recent_text")
            when.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            for column, label in enumerate((number, window, when)):
                self.recent_grid.addWidget(label, row, column)
        if not recent:
            self.recent_grid.addWidget(_named(QLabel(self.tr("今日暂无叫号")), "idle"), 0, 0)

    def _show_waiting(self, waiting: tuple[CategoryView, ...]) -> None:
        _clear(self.waiting_row)
        for cat in waiting:
            chip = QLabel(
                self.tr("%1 %2  %3人")
                .replace("%1", cat.code)
                .replace("%2", cat.name)
                .replace("%3", str(cat.waiting))
            )
            chip.setObjectName("waiting_chip")
            chip.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.waiting_row.addWidget(chip)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._apply_scale()

    def _apply_scale(self) -> None:
        scale = max(self.height(), 360) / BASE_HEIGHT

        def px(size: float) -> int:
            return max(8, round(size * scale))

        self.setStyleSheet(
            f"""
            #display_window {{ background: {BACKGROUND}; }}
            QLabel {{ color: #ffffff; font-size: {px(30)}px; }}
            #title {{ font-size: {px(44)}px; font-weight: bold; }}
            #clock {{ font-size: {px(36)}px; color: #cfe0ff; }}
            #offline_banner {{ background: {OFFLINE_COLOUR}; font-size: {px(40)}px; font-weight: bold;
                               padding: {px(10)}px; border-radius: {px(8)}px; }}
            #hero {{ color: {NUMBER_COLOUR}; font-size: {px(84)}px; font-weight: bold;
                     background: #081a40; padding: {px(18)}px; border-radius: {px(12)}px; }}
            #panel {{ background: {PANEL}; border-radius: {px(12)}px; }}
            #section {{ color: #9fc2ff; font-size: {px(34)}px; font-weight: bold; }}
            #window_card {{ background: #0b2559; border: {px(2)}px solid #2f5fb8; border-radius: {px(10)}px; }}
            #card_window {{ font-size: {px(40)}px; }}
            #card_number_1 {{ color: {NUMBER_COLOUR}; font-size: {px(150)}px; font-weight: bold; }}
            #card_number_2 {{ color: {NUMBER_COLOUR}; font-size: {px(110)}px; font-weight: bold; }}
            #card_number_3 {{ color: {NUMBER_COLOUR}; font-size: {px(80)}px; font-weight: bold; }}
            #card_state {{ color: #9fdfa4; font-size: {px(36)}px; }}
            #card_state_called {{ color: #ff9f7f; font-size: {px(36)}px; font-weight: bold; }}
            #recent_number {{ color: {NUMBER_COLOUR}; font-size: {px(40)}px; font-weight: bold; }}
            #recent_text {{ font-size: {px(34)}px; }}
            #idle {{ color: #9fb3d9; font-size: {px(34)}px; }}
            #waiting_chip {{ background: #0b2559; border-radius: {px(8)}px; padding: {px(8)}px;
                             font-size: {px(30)}px; }}
            """
        )
        font = QFont(self.font())
        font.setPixelSize(px(36))
        self.ticker.setFont(font)
        self.ticker.setFixedHeight(px(60))


def _named(label: QLabel, name: str) -> QLabel:
    label.setObjectName(name)
    return label


def _clear(layout: QGridLayout | QHBoxLayout) -> None:
    while layout.count():
        item = layout.takeAt(0)
        widget = item.widget() if item is not None else None
        if widget is not None:
            widget.deleteLater()


def _log_speech_failure(future: Future[None]) -> None:
    # Runs on the device thread: log only, never touch widgets here.
    if future.cancelled():
        return
    error = future.exception()
    if error is not None:
        log.warning("announcement could not be spoken: %s", error)
