"""`yichuang`: the composition root. Parses the command line and starts one mode.

This is the only module allowed to import ui/, devices/ and sync/ (lazily, inside the command
that needs them), so `yichuang doctor` or `yichuang audit verify` start without loading Qt.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from app import __version__, paths
from app.config import Config, load_config, render_config
from app.errors import UserFacingError

if TYPE_CHECKING:
    from app.doctor import CheckResult
    from app.documents.layout import Raster
    from app.documents.text_receipt import TextReceipt
    from app.documents.ticket import TicketSlip
    from app.storage.db import Database
    from devices.idcard.base import IdCardData

log = logging.getLogger("yichuang")

EXIT_USER_ERROR = 2
EXIT_CHECK_FAILED = 1


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="yichuang",
        description="一窗 YiChuang：政务服务大厅与便民服务站综合窗口客户端",
        epilog="不带命令时打开综合窗口（counter）。",
    )
    p.add_argument("--version", action="version", version=f"yichuang {__version__}")
    p.add_argument("--config", type=Path, help="配置文件路径（默认在用户配置目录下的 config.toml）")
    p.add_argument(
        "--home", type=Path, help="把配置、数据和日志都放在这个目录下（等同环境变量 YICHUANG_HOME）"
    )
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="临时覆盖一个配置项，例如 --set ui.demo=true",
    )
    sub = p.add_subparsers(dest="command", metavar="命令")

    c = sub.add_parser("counter", help="打开综合窗口受理界面")
    c.add_argument("--smoke", action="store_true", help="打开主窗口、处理事件后立即退出（用于检查）")
    c.add_argument("--screenshot", type=Path, help="与 --smoke 一起使用：把主窗口截图保存为 PNG")

    k = sub.add_parser("kiosk", help="自助取号机（全屏触摸界面）")
    k.add_argument("--smoke", action="store_true", help="打开界面、处理事件后立即退出（用于检查）")
    k.add_argument("--screenshot", type=Path, help="与 --smoke 一起使用：截图保存为 PNG")

    ds = sub.add_parser("display", help="叫号显示屏（全屏，语音叫号）")
    ds.add_argument("--smoke", action="store_true", help="打开界面、处理事件后立即退出（用于检查）")
    ds.add_argument("--screenshot", type=Path, help="与 --smoke 一起使用：截图保存为 PNG")

    for mode, text in (
        ("evaluator", "好差评评价器（窗口第二屏）"),
        ("supervisor", "值班长：运行指标、差评整改跟踪"),
    ):
        mp = sub.add_parser(mode, help=text)
        mp.add_argument("--smoke", action="store_true", help="打开界面、处理事件后立即退出（用于检查）")
        mp.add_argument("--screenshot", type=Path, help="与 --smoke 一起使用：截图保存为 PNG")

    d = sub.add_parser("doctor", help="检查数据库、磁盘、字体和设备配置")
    d.add_argument("--json", action="store_true", help="以 JSON 输出检查结果")
    d.add_argument(
        "--print-test-page",
        action="store_true",
        help="在每台已配置的小票打印机上打印一张测试页（默认只查询状态，不出纸）",
    )

    pr = sub.add_parser("print", help="打印或预览任一模板的样张（检查打印机和模板）")
    pr.add_argument("--list", action="store_true", help="列出可打印的模板")
    pr.add_argument("--template", metavar="NAME", help="模板名（见 --list），如 receipt-shouli 或 受理回执")
    pr.add_argument(
        "--sample", action="store_true", help="使用固定的样张数据（命令行只打印样张，不打印真实办件）"
    )
    pr.add_argument(
        "--printer",
        metavar="URI",
        help="小票打印机地址：tcp://IP:9100、usb://VID:PID、serial:///dev/ttyUSB0?baud=9600、"
        "file:///dev/usb/lp0、cups://队列名",
    )
    pr.add_argument("--preview", type=Path, metavar="OUT.png", help="把预览图写入 PNG 文件")
    pr.add_argument(
        "--width",
        type=int,
        choices=[384, 576],
        help="纸宽点数：384 = 58 mm，576 = 80 mm（默认按 devices.printer_paper_mm）",
    )
    pr.add_argument(
        "--text-mode",
        choices=["raster", "gb18030"],
        help="小票打印方式：raster = 图像；gb18030 = 文字模式（慢速串口打印机用，生僻字行自动改用图像）"
        "（默认按 devices.printer_text_mode；预览图始终是图像）",
    )

    db = sub.add_parser("db", help="数据库维护")
    dbs = db.add_subparsers(dest="db_command", metavar="操作", required=True)
    dbs.add_parser("upgrade", help="把数据库结构升级到当前版本")

    demo = sub.add_parser("demo", help="演示数据")
    demos = demo.add_subparsers(dest="demo_command", metavar="操作", required=True)
    demos.add_parser("load", help="载入演示站点、演示账号和演示事项目录（可重复执行）")

    cfg = sub.add_parser("config", help="配置")
    cfgs = cfg.add_subparsers(dest="config_command", metavar="操作", required=True)
    cfgs.add_parser("show", help="显示每个配置项的当前值、来源和说明")
    cfgs.add_parser("init", help="在配置目录写一份带注释的默认配置文件（已存在则不覆盖）")

    ck = sub.add_parser("clerk", help="工作人员账号")
    cks = ck.add_subparsers(dest="clerk_command", metavar="操作", required=True)
    ca = cks.add_parser("add", help="新建账号（密码从终端输入，或 --password-stdin 从标准输入读一行）")
    ca.add_argument("username", help="登录名，如 wangxc")
    ca.add_argument("--name", required=True, help="姓名，显示在界面和回执上")
    ca.add_argument(
        "--role", required=True, choices=["clerk", "station_staff", "supervisor", "installer"],
        help="角色：clerk 窗口人员，station_staff 代办员，supervisor 值班长，installer 实施人员",
    )  # fmt: skip
    ca.add_argument("--password-stdin", action="store_true", help="从标准输入读取密码（用于脚本）")
    cks.add_parser("list", help="列出账号")

    au = sub.add_parser("audit", help="全程留痕")
    aus = au.add_subparsers(dest="audit_command", metavar="操作", required=True)
    aus.add_parser("verify", help="校验留痕记录链，发现被改动或删除的记录")
    _add_images_parser(sub)
    _add_platform_parser(sub)
    _add_sync_parser(sub)
    _add_setup_parser(sub)
    return p


def _overrides(items: Sequence[str]) -> dict[str, object]:
    out: dict[str, object] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise UserFacingError(f"--set 的格式应为 KEY=VALUE，现在是“{item}”。")
        out[key.strip()] = value.strip()
    return out


def _load(args: argparse.Namespace) -> Config:
    return load_config(args.config, overrides=_overrides(args.set))


def _setup_logs(config: Config) -> Path:
    from app.logs import setup_logging

    paths.ensure_dirs()
    return setup_logging(
        paths.log_dir(),
        level=config.get_str("logging.level"),
        max_bytes=config.get_int("logging.max_bytes"),
        backups=config.get_int("logging.backups"),
    )


def _ensure_demo_catalog(ctx: object) -> None:
    from sqlalchemy import func, select

    from app.context import AppContext
    from app.demo.loader import load_demo
    from app.model import ServiceItem

    assert isinstance(ctx, AppContext)
    with ctx.db.session() as s:
        if s.execute(select(func.count()).select_from(ServiceItem)).scalar_one() == 0:
            report = load_demo(
                s, station_code=ctx.station_code, station_name=ctx.config.get_str("station.name")
            )
            log.info("demo catalog loaded on first start: %d items", report.items_added)


def _check_display() -> None:
    """Qt aborts the whole process without a display; say what to do instead."""
    env = os.environ
    if (
        sys.platform.startswith("linux")
        and not env.get("QT_QPA_PLATFORM")
        and not (env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"))
    ):
        raise UserFacingError(
            "没有可用的图形显示（未设置 DISPLAY）。请在桌面环境中运行；"
            "无显示器的检查可设置 QT_QPA_PLATFORM=offscreen 后运行 yichuang counter --smoke。"
        )


def cmd_counter(args: argparse.Namespace, config: Config) -> int:
    from app.context import open_context

    _check_display()
    ctx = open_context(config)
    try:
        if config.get_bool("ui.demo"):
            _ensure_demo_catalog(ctx)
        from ui.counter import run_counter

        return run_counter(ctx, smoke=args.smoke, screenshot=args.screenshot)
    finally:
        ctx.close()


#: Full-screen hall modes: command -> (ui module, entry point), imported only when started.
HALL_MODES = {
    "kiosk": ("ui.kiosk", "run_kiosk"),
    "display": ("ui.display", "run_display"),
    "evaluator": ("ui.evaluator.launch", "run_evaluator"),
    "supervisor": ("ui.supervisor.launch", "run_supervisor"),
}


def _run_mode(args: argparse.Namespace, config: Config, mode: str) -> int:
    """Open the context and start one full-screen hall mode (kiosk, display, evaluator)."""
    from app.context import open_context

    _check_display()
    ctx = open_context(config)
    try:
        if config.get_bool("ui.demo"):
            _ensure_demo_catalog(ctx)
        import importlib

        module_name, function = HALL_MODES[mode]
        run = getattr(importlib.import_module(module_name), function)
        return int(run(ctx, smoke=args.smoke, screenshot=args.screenshot))
    finally:
        ctx.close()


def cmd_kiosk(args: argparse.Namespace, config: Config) -> int:
    return _run_mode(args, config, "kiosk")


def cmd_display(args: argparse.Namespace, config: Config) -> int:
    return _run_mode(args, config, "display")


def cmd_evaluator(args: argparse.Namespace, config: Config) -> int:
    return _run_mode(args, config, "evaluator")


def cmd_supervisor(args: argparse.Namespace, config: Config) -> int:
    return _run_mode(args, config, "supervisor")


def cmd_doctor(args: argparse.Namespace, config: Config) -> int:
    from app.context import database_url
    from app.doctor import run_checks
    from app.storage.db import Database
    from devices.probe import reader_checks
    from devices.registry import is_known_driver

    db = Database(database_url(config))
    try:
        results = run_checks(config, db, is_known_driver)
        results += reader_checks(config, paths.data_dir() / "devices", _doctor_read_audit(db))
    finally:
        db.dispose()
    results += printer_checks(config, print_test_page=args.print_test_page)
    if args.json:
        print(json.dumps([r.as_dict() for r in results], ensure_ascii=False, indent=1))
    else:
        marks = {"ok": "✔", "warn": "!", "fail": "✘"}
        for r in results:
            print(f"{marks[r.verdict]} {r.name}：{r.message}")
    return EXIT_CHECK_FAILED if any(r.verdict == "fail" for r in results) else 0


def _doctor_read_audit(db: Database) -> Callable[[IdCardData], None]:
    """Doctor's test read is a read like any other: audited (actor "doctor"), masked number only."""
    from app.services.card_reads import record_card_read

    def audit_read(card: IdCardData) -> None:
        with db.session() as session:
            record_card_read(
                session, "doctor", id_number=card.id_number, card_type=card.card_type, purpose="doctor"
            )

    return audit_read


def printer_checks(config: Config, *, print_test_page: bool) -> list[CheckResult]:
    """The configured receipt printer's status and, when asked, a test page (打印测试页).

    Doctor does not print by default: it is run on a schedule and by phone support, and paper
    coming out of a kiosk printer unasked confuses applicants. ``--print-test-page`` prints one.
    The printer is opened the way the program opens it (registry factory, ``devices.printer_*``
    options), so a check that passes here means the counter can print too.
    """
    from app.doctor import CheckResult
    from devices.printer.base import ReceiptPrinter
    from devices.printer.render import render_test_page
    from devices.registry import NO_DRIVER, DriverContext, is_known_driver, resolve_factory

    driver = config.get_str("devices.printer")
    if driver == NO_DRIVER or not is_known_driver("printer", driver):
        return []  # "none" needs no check; an unknown driver is already reported by check_devices
    name = "小票打印机"
    options = config.device_options().get("printer", {})
    where = options.get("uri", "") if driver == "escpos" else f"驱动 {driver}"
    printer: object = None
    try:
        printer = resolve_factory("printer", driver)(
            DriverContext(kind="printer", work_dir=paths.data_dir(), options=options)
        )
        assert isinstance(printer, ReceiptPrinter)
        status = printer.status()
        problem = status.problem()
        if problem is not None:
            return [CheckResult(name, "fail", f"{problem}（{where}）")]
        message = f"{where} 联机，纸张正常，纸宽 {printer.paper_width_dots} 点。"
        if print_test_page:
            printer.print_raster(render_test_page(printer.paper_width_dots))
            printer.cut()
            message += "已打印测试页，请查看字迹是否清楚完整。"
        if status.paper_near_end:
            return [CheckResult(name, "warn", f"{where} 纸将用尽，请准备换纸。{message}")]
        return [CheckResult(name, "ok", message)]
    except UserFacingError as exc:
        return [CheckResult(name, "fail", f"{exc}（{where}）")]
    finally:
        close = getattr(printer, "close", None)
        if callable(close):
            close()


# --- `yichuang print`: samples of every template -------------------------------------------

TICKET_TEMPLATE = "ticket"


@dataclass(frozen=True)
class PrintTemplate:
    """A template ``yichuang print`` and the golden files know: ASCII name, Chinese label, medium."""

    name: str
    label: str
    medium: str  # "thermal" | "a4"


def print_templates() -> list[PrintTemplate]:
    """Every printable template: the queue ticket, the thermal receipts, then the A4 notices."""
    from app.documents import A4_KINDS, THERMAL_KINDS
    from app.documents.samples import SLUGS

    out = [PrintTemplate(TICKET_TEMPLATE, "排队号票", "thermal")]
    out += [PrintTemplate(SLUGS.get(kind, kind), kind, "thermal") for kind in THERMAL_KINDS]
    out += [PrintTemplate(SLUGS.get(kind, kind), kind, "a4") for kind in A4_KINDS]
    return out


def find_template(name: str) -> PrintTemplate:
    """The template called ``name`` (ASCII name or Chinese label); UserFacingError if unknown."""
    for template in print_templates():
        if name in (template.name, template.label):
            return template
    raise UserFacingError(f"没有名为“{name}”的模板。可用的模板请运行 yichuang print --list 查看。")


def sample_slip() -> TicketSlip:
    from app.documents.samples import sample_ticket_slip

    return sample_ticket_slip()


def render_sample(template: PrintTemplate, *, width_dots: int) -> list[Raster]:
    """The sample of ``template`` (fixed data, fixed times): one strip for a thermal template
    ``width_dots`` wide, the A4 pages for a notice (``width_dots`` is not used)."""
    from app.documents import render_a4_pages, render_receipt, sample_data
    from app.documents.ticket import render_ticket

    if template.name == TICKET_TEMPLATE:
        return [render_ticket(sample_slip(), width_dots=width_dots)]
    if template.medium == "a4":
        return render_a4_pages(sample_data(template.label))
    return [render_receipt(sample_data(template.label), width_dots=width_dots)]


def sample_png(template: PrintTemplate, raster: Raster) -> bytes:
    """The preview PNG of one rendered sample page (1-bit, with the medium's resolution)."""
    from app.documents import raster_to_png
    from app.documents.notices import page_png

    return page_png(raster) if template.medium == "a4" else raster_to_png(raster)


def paper_width_dots(config: Config) -> int:
    """Dots across the configured receipt paper (58 mm: 384, 80 mm: 576)."""
    return 384 if config.get_int("devices.printer_paper_mm") == 58 else 576


def cmd_print(args: argparse.Namespace, config: Config) -> int:
    if args.list:
        for t in print_templates():
            media = "A4 通知书" if t.medium == "a4" else "小票（58/80 mm）"
            print(f"{t.name}\t{t.label}\t{media}")
        return 0
    if not args.template:
        raise UserFacingError("请用 --template 指定模板（yichuang print --list 列出全部模板）。")
    if not args.sample:
        raise UserFacingError("命令行只打印样张，请加上 --sample。真实办件请在窗口界面中打印。")
    if args.printer is None and args.preview is None:
        raise UserFacingError("请指定 --printer 打印机地址，或 --preview 预览图文件，或两者都给。")
    template = find_template(args.template)
    if args.printer is not None and template.medium == "a4":
        raise UserFacingError(
            f"“{template.label}”是 A4 通知书，不能打印到小票打印机。请用 --preview 查看，"
            "或在窗口界面中打印到 A4 打印机。"
        )
    width = args.width or paper_width_dots(config)
    pages = render_sample(template, width_dots=width)
    if args.preview is not None:
        for written in _write_preview(template, pages, args.preview):
            print(f"已写入预览图：{written}")
    if args.printer is not None:
        from devices.printer.escpos_printer import EscposPrinter

        text_mode = args.text_mode or config.get_str("devices.printer_text_mode")
        printer = EscposPrinter(args.printer, paper_width_dots=width, text_mode=text_mode)
        try:
            if text_mode == "gb18030":
                text = sample_text(template, width_dots=width)
                printer.print_job(text.rasters, text_lines=text.lines)
            else:
                printer.print_job(pages)
        finally:
            printer.close()
        how = "文字模式" if text_mode == "gb18030" else "图像"
        print(f"已发送到打印机 {args.printer}：{template.label}（样张，纸宽 {width} 点，{how}）。")
    return 0


def sample_text(template: PrintTemplate, *, width_dots: int) -> TextReceipt:
    """The sample of a thermal ``template`` in GB18030 text-mode form (lines, QR/logo rasters)."""
    from app.documents import sample_data
    from app.documents.text_receipt import receipt_text, ticket_text

    if template.name == TICKET_TEMPLATE:
        return ticket_text(sample_slip(), width_dots=width_dots)
    return receipt_text(sample_data(template.label), width_dots=width_dots)


def _write_preview(template: PrintTemplate, pages: Sequence[Raster], out: Path) -> list[Path]:
    """Page 1 to ``out``; further pages (long notices) next to it as ``<stem>-2.png`` …"""
    written = []
    for number, page in enumerate(pages, start=1):
        target = out if number == 1 else out.with_name(f"{out.stem}-{number}{out.suffix}")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(sample_png(template, page))
        except OSError as exc:
            raise UserFacingError(f"无法写入预览图 {target}：{exc.strerror}。请检查路径和权限。") from exc
        written.append(target)
    return written


def cmd_db(args: argparse.Namespace, config: Config) -> int:
    from app.context import database_url
    from app.storage.db import Database, upgrade

    db = Database(database_url(config))
    try:
        applied = upgrade(db)
    finally:
        db.dispose()
    print("数据库已升级：" + "、".join(applied) if applied else "数据库结构已是最新版本。")
    return 0


def cmd_demo(args: argparse.Namespace, config: Config) -> int:
    from app.context import open_context
    from app.demo.loader import load_demo

    ctx = open_context(config)
    try:
        with ctx.db.session() as s:
            r = load_demo(s, station_code=ctx.station_code, station_name=config.get_str("station.name"))
    finally:
        ctx.close()
    print(
        f"演示数据已载入：新增事项 {r.items_added} 个（已有 {r.items_skipped} 个未改动），"
        f"一件事 {r.bundles_added} 个，演示账号 {r.clerks_added} 个。"
    )
    return 0


def cmd_config(args: argparse.Namespace, config: Config) -> int:
    if args.config_command == "init":
        from app.config import write_default_config

        target = args.config or paths.config_file()
        if target.exists():
            print(f"配置文件已存在，未覆盖：{target}")
            return 0
        write_default_config(target)
        print(f"已写入默认配置文件：{target}")
        return 0
    print(render_config(config))
    return 0


def cmd_audit(args: argparse.Namespace, config: Config) -> int:
    from app import audit
    from app.context import database_url
    from app.storage.db import Database

    db = Database(database_url(config))
    try:
        with db.session() as s:
            report = audit.verify(s)
    finally:
        db.dispose()
    if report.ok:
        print(f"留痕记录完整：共 {report.checked} 条，哈希链校验通过。")
        return 0
    print(f"留痕记录校验失败：共检查 {report.checked} 条，发现 {len(report.problems)} 处问题：")
    for p in report.problems:
        print(f"  - {p.message}")
    return EXIT_CHECK_FAILED


MIN_PASSWORD = 6


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        import getpass

        password = getpass.getpass("密码：")
        if getpass.getpass("再输一次：") != password:
            raise UserFacingError("两次输入的密码不一致，账号未创建。")
    if len(password) < MIN_PASSWORD:
        raise UserFacingError(f"密码至少 {MIN_PASSWORD} 位，账号未创建。")
    return password


def cmd_clerk(args: argparse.Namespace, config: Config) -> int:
    from sqlalchemy import select

    from app.context import open_context
    from app.model import Clerk, Role, Station
    from app.services.actor import ROLE_LABELS
    from app.services.clerks import create_clerk

    ctx = open_context(config)
    try:
        with ctx.db.session() as s:
            if args.clerk_command == "list":
                for c in s.execute(select(Clerk).order_by(Clerk.username)).scalars():
                    state = "" if c.active else "（已停用）"
                    print(f"{c.username}\t{c.display_name}\t{ROLE_LABELS[Role(c.role)]}{state}")
                return 0
            password = _read_password(args.password_stdin)
            station = s.execute(select(Station).where(Station.code == ctx.station_code)).scalar_one_or_none()
            create_clerk(
                s,
                username=args.username,
                display_name=args.name,
                role=Role(args.role),
                password=password,
                station_id=station.id if station else None,
            )
        print(f"已创建账号 {args.username}（{args.name}，{ROLE_LABELS[Role(args.role)]}）。")
        return 0
    finally:
        ctx.close()


# --- `yichuang images`: fit page images to an output profile, pack a case ---------------------

_IMAGES_PACK_HELP = """\
CASE_DIR 的结构：每类材料一个子文件夹，文件夹名前的数字只用于排序（“1_施工”的类别名是“施工”）；
子文件夹里放该类材料的页面：JPEG、PNG、TIFF、BMP、WebP 图片或 PDF（PDF 的每一页算一页），
按文件名自然顺序排列（2.jpg 在 10.jpg 之前），即纸质材料的顺序。例如：

  当阳市某某小区1号楼工程/
    1_施工/      1.jpg  2.jpg  10.jpg
    2_安全/      检查表.pdf
    3_监督/      ...
    4_散墙资料/  ...

按 jpg-90k 生成的压缩包里是一个以项目命名的文件夹，每类材料一个压缩包，页面按顺序命名：
  当阳市某某小区1号楼工程/01_施工.zip（01_施工_001.jpg、01_施工_002.jpg……）
PDF/OFD 规格则每类材料一个文件（01_施工.pdf）。任何一页不合格都不会生成压缩包，并逐页说明原因。
"""


def _add_images_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    source = argparse.ArgumentParser(add_help=False)
    source.add_argument(
        "--profiles-file", type=Path, metavar="FILE",
        help="从这个 JSON 文件读取输出规格（格式同内置的 app/imaging/profiles.json）",
    )  # fmt: skip
    choice = argparse.ArgumentParser(add_help=False, parents=[source])
    choice.add_argument(
        "--profile", metavar="NAME", help="输出规格名称（默认 jpg-90k；images profiles 列出全部）"
    )
    choice.add_argument(
        "--max-bytes",
        type=int,
        metavar="N",
        help="改用这个单页字节上限，如 92160（默认按规格：jpg-90k 为 90000）",
    )
    im = sub.add_parser("images", help="材料图像：按输出规格压缩页面、打包一件办件的材料")
    ims = im.add_subparsers(dest="images_command", metavar="操作", required=True)
    fit = ims.add_parser(
        "fit", parents=[choice], help="把每个输入文件压缩成符合规格的文件，并报告大小、像素和结论",
        description="每个输入文件输出一个文件（JPEG 规格下多页 PDF 每页一个文件）。"
        "某个文件不合格时说明原因并继续处理其余文件；有文件失败时退出码为 1。",
    )  # fmt: skip
    fit.add_argument(
        "inputs", nargs="+", type=Path, metavar="INPUT", help="图片（JPEG、PNG、TIFF、BMP、WebP）或 PDF"
    )
    fit.add_argument("--out", type=Path, required=True, metavar="DIR", help="输出文件夹（不存在时自动创建）")
    fit.add_argument(
        "--json", action="store_true", help="在标准输出打印 JSON 报告（字节数、像素、质量、结论）"
    )
    pack = ims.add_parser(
        "pack", parents=[choice], help="把一件办件的材料文件夹按规格压缩、命名，打包成一个 zip",
        description=_IMAGES_PACK_HELP, formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    pack.add_argument("case_dir", type=Path, metavar="CASE_DIR", help="材料文件夹（结构见上）")
    pack.add_argument("--out", type=Path, required=True, metavar="FILE.zip", help="生成的压缩包")
    pack.add_argument("--project", help="压缩包里项目文件夹的名称（默认用 CASE_DIR 的文件夹名）")
    ims.add_parser("profiles", parents=[source], help="列出可用的输出规格")


if TYPE_CHECKING:
    from app.imaging.output import FittedPage
    from app.imaging.profiles import OutputProfile, ProfileTable


def _images_table(args: argparse.Namespace) -> tuple[ProfileTable, str]:
    from app.imaging.profiles import DEFAULT_PROFILE_KEY, PROFILES, load_profiles

    if args.profiles_file is not None:
        return load_profiles(args.profiles_file)
    return PROFILES, DEFAULT_PROFILE_KEY


def _images_profile(args: argparse.Namespace) -> OutputProfile:
    import dataclasses

    table, default = _images_table(args)
    profile = table.require(args.profile or default)
    if args.max_bytes is not None:
        if args.max_bytes < 1000:
            raise UserFacingError(f"--max-bytes 至少为 1000 字节，现在是 {args.max_bytes}。")
        profile = dataclasses.replace(profile, max_bytes=args.max_bytes)
    return profile


@dataclass
class _FitResult:
    """One input of `images fit`: its output files and fitted pages, or why it failed."""

    input: Path
    outputs: list[Path]
    pages: list[FittedPage]
    error: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "input": str(self.input),
            "ok": self.error is None and all(p.verdict.ok for p in self.pages),
            "outputs": [str(o) for o in self.outputs],
            "pages": [p.as_dict() for p in self.pages],
            "error": self.error,
        }


def _images_fit_one(path: Path, profile: OutputProfile, out_dir: Path, taken: set[Path]) -> _FitResult:
    """Fit one input file and write its output file(s); raises UserFacingError for a bad input."""
    from app.imaging.io import read_pages, write_bytes
    from app.imaging.ofd import pages_to_ofd
    from app.imaging.output import fit_page, pages_to_pdf

    pages = read_pages(path)
    fitted = []
    for number, page in enumerate(pages, start=1):
        try:
            fitted.append(fit_page(page, profile))
        except UserFacingError as exc:
            raise UserFacingError(f"第 {number} 页：{exc}" if len(pages) > 1 else str(exc)) from exc
    if profile.format == "jpeg":
        stems = (
            [path.stem] if len(fitted) == 1 else [f"{path.stem}_{i:03d}" for i in range(1, len(fitted) + 1)]
        )
        files = [(stem, f.data) for stem, f in zip(stems, fitted, strict=True)]
    elif profile.format == "pdf":
        files = [(path.stem, pages_to_pdf([f.data for f in fitted], a4=profile.dpi is None, title=path.stem))]
    else:
        files = [(path.stem, pages_to_ofd([f.data for f in fitted], dpi=profile.dpi, title=path.stem))]
    outputs = []
    for stem, data in files:
        target = out_dir / f"{stem}.{profile.extension}"
        n = 1
        while target.resolve() in taken:  # never overwrite an input, or an output of this run
            n += 1
            target = out_dir / f"{stem}_{n}.{profile.extension}"
        taken.add(target.resolve())
        write_bytes(target, data)
        outputs.append(target)
    return _FitResult(path, outputs, fitted)


def _images_fit(args: argparse.Namespace, profile: OutputProfile) -> int:
    from app.imaging.profiles import size_label

    taken = {p.resolve() for p in args.inputs}
    results: list[_FitResult] = []
    for index, path in enumerate(args.inputs, start=1):
        try:
            results.append(_images_fit_one(path, profile, args.out, taken))
        except UserFacingError as exc:
            log.info("images fit: input %d of %d failed", index, len(args.inputs))
            results.append(_FitResult(path, [], [], str(exc)))
    reports = [r.as_dict() for r in results]
    failed = sum(1 for r in reports if not r["ok"])
    if args.json:
        report = {
            "profile": profile.key,
            "max_bytes": profile.max_bytes,
            "out": str(args.out),
            "files": reports,
            "succeeded": len(results) - failed,
            "failed": failed,
        }
        print(json.dumps(report, ensure_ascii=False, indent=1))
        return EXIT_CHECK_FAILED if failed else 0
    for r in results:
        if r.error is not None:
            print(f"✘ {r.input.name}：{r.error}")
            continue
        # A PDF/OFD holds all pages of the input in one file; JPEG has one file per page.
        targets = r.outputs if len(r.outputs) == len(r.pages) else r.outputs * len(r.pages)
        for number, (page, target) in enumerate(zip(r.pages, targets, strict=True), start=1):
            where = f"第 {number} 页 " if len(r.outputs) < len(r.pages) else ""
            print(
                f"{'✔' if page.verdict.ok else '✘'} {r.input.name} → {target.name}：{where}"
                f"{page.width}×{page.height}，{size_label(page.size)}（{page.size} 字节），"
                f"质量 {page.quality}，{page.verdict.message}"
            )
    print(f"共 {len(results)} 个文件：成功 {len(results) - failed} 个，失败 {failed} 个。输出在 {args.out}")
    return EXIT_CHECK_FAILED if failed else 0


def cmd_images(args: argparse.Namespace, config: Config) -> int:
    if args.images_command == "profiles":
        table, default = _images_table(args)
        for key, profile in table.items():
            mark = "（默认）" if key == default else ""
            aliases = f"（旧名：{'、'.join(profile.aliases)}）" if profile.aliases else ""
            print(f"{key}{mark}{aliases}\t{profile.name}\n    {profile.summary()}")
        return 0
    profile = _images_profile(args)
    if args.images_command == "fit":
        return _images_fit(args, profile)
    from app.imaging.io import write_bytes
    from app.imaging.pack import build_package
    from app.imaging.profiles import size_label

    package = build_package(args.case_dir, profile, project=args.project)
    write_bytes(args.out, package.data)
    pages = sum(len(c.pages) for c in package.categories)
    print(
        f"已打包“{package.project}”：{len(package.categories)} 类材料，共 {pages} 页，"
        f"{size_label(len(package.data))} → {args.out}"
    )
    for c in package.categories:
        largest = max(p.size for p in c.pages)
        print(f"  {c.entry}：{len(c.pages)} 页，最大一页 {size_label(largest)}")
    return 0


# --- `yichuang platform`: the reference provincial platform (sync/platform) ------------------


def _add_platform_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Everything after `platform` goes to sync.platform.cli, imported only when the command runs
    (FastAPI and uvicorn are heavy; the other commands must not pay for them)."""
    pl = sub.add_parser(
        "platform",
        help="参考省级平台：serve 运行平台，codes 生成登记码，admin 后台操作（yichuang platform --help）",
        add_help=False,
    )
    pl.add_argument("-h", "--help", nargs=0, action=_PlatformHelp, help="显示参考平台的命令说明")
    pl.add_argument("platform_args", nargs=argparse.REMAINDER, metavar="…")


class _PlatformHelp(argparse.Action):
    """`yichuang platform --help` shows the platform's own commands, not this pass-through stub."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[object] | None,
        option_string: str | None = None,
    ) -> None:
        from sync.platform.cli import parser as platform_parser

        platform_parser().print_help()
        parser.exit()


def cmd_platform(args: argparse.Namespace, config: Config) -> int:
    from sync.platform.cli import main as platform_main

    return platform_main(args.platform_args or ["--help"])


# --- `yichuang setup`: the setup wizard and station profiles (ui/setup, app/setup_profile) -----------


def _add_setup_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    st = sub.add_parser(
        "setup",
        help="设置向导（实施人员用）：站点信息、平台登记、设备检测、取号类别；或导入/导出站点配置包",
        description="不带选项时打开设置向导。--import 不打开向导，直接套用站点配置包（不含密钥和口令）；"
        "每台机器不同的项用全局选项 --set 指定，例如 yichuang --set station.window_number=3 setup --import 站点.toml",
    )
    st.add_argument(
        "--import", dest="import_file", type=Path, metavar="PROFILE.toml", help="套用站点配置包并显示摘要"
    )
    st.add_argument(
        "--export",
        type=Path,
        metavar="OUT.toml",
        help="把本机配置和取号类别导出为站点配置包（不含密钥和口令）",
    )
    st.add_argument(
        "--installer-pin-stdin",
        action="store_true",
        help="与 --import 一起使用：从标准输入读一行作为取号机实施人员口令（6–12 位数字）",
    )
    st.add_argument("--smoke", action="store_true", help="打开向导、处理事件后立即退出（用于检查）")
    st.add_argument("--screenshot", type=Path, help="与 --smoke 一起使用：截图保存为 PNG")


if TYPE_CHECKING:
    from app.setup_profile import CategorySpec


def _station_categories_or_none(config: Config) -> list[CategorySpec] | None:
    """The station's kiosk categories for an export; None when the database cannot tell."""
    from app.context import database_url
    from app.setup_profile import station_categories
    from app.storage.db import Database

    db = Database(database_url(config))
    try:
        with db.session() as session:
            found = station_categories(session, config.get_str("station.code") or "LOCAL")
    except Exception:  # no database yet, or an old schema: export the configuration alone
        log.info("setup export: categories not readable", exc_info=True)
        return None
    finally:
        db.dispose()
    return list(found) or None


def cmd_setup(args: argparse.Namespace, config: Config) -> int:
    from app import setup_profile
    from app.context import open_context

    target = args.config or paths.config_file()
    if args.import_file is not None and args.export is not None:
        raise UserFacingError("--import 和 --export 不能同时使用。")
    if args.export is not None:
        categories = _station_categories_or_none(config)
        report = setup_profile.export_profile(config, categories, args.export)
        print(
            f"已导出站点配置包：{report.path}（配置项 {report.keys} 个，取号类别 {report.categories} 个）。"
        )
        if report.ca_embedded:
            print("平台 CA 证书已一并写入配置包。")
        for note in report.left_out:
            print(f"  未导出：{note}")
        return 0
    if args.import_file is not None:
        profile = setup_profile.read_profile(args.import_file)
        overrides: dict[str, object] = {name: config.get(name) for name in _overrides(args.set)}
        if args.installer_pin_stdin:
            overrides["kiosk.installer_pin"] = setup_profile.installer_pin_hash(sys.stdin.readline().strip())
        applied = setup_profile.apply_profile(profile, target, overrides=overrides)
        ctx = open_context(applied)
        try:
            with ctx.db.session() as session:
                setup_profile.save_station(session, applied)
                if profile.categories is not None:
                    setup_profile.save_categories(session, ctx.station_code, profile.categories)
                categories = setup_profile.station_categories(session, ctx.station_code)
        finally:
            ctx.close()
        origin = f"（来自 {profile.exported_from}）" if profile.exported_from else ""
        print(f"已导入站点配置包 {args.import_file}{origin}，配置已写入 {target}。")
        for line in setup_profile.summary_lines(applied, categories or None):
            print(f"  {line}")
        if not applied.get_str("kiosk.installer_pin"):
            print(
                "提示：取号机尚未设置实施人员口令，请运行 yichuang setup 设置（或导入时加 --installer-pin-stdin）。"
            )
        if applied.get_str("sync.platform_url"):
            print("提示：每台机器需单独向平台登记：运行 yichuang setup，在“平台连接”页输入登记码。")
        return 0
    _check_display()
    ctx = open_context(config)
    try:
        from ui.setup import run_setup

        return run_setup(ctx, target, smoke=args.smoke, screenshot=args.screenshot)
    finally:
        ctx.close()


def _add_sync_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("sync", help="与省级平台同步：发送待同步办件、取回状态和结果")
    actions = p.add_subparsers(dest="sync_action", required=True)
    run = actions.add_parser("run", help="运行同步进程（断网时自动重试；--once 只同步一轮）")
    run.add_argument("--once", action="store_true", help="只同步一轮后退出")
    enroll = actions.add_parser("enroll", help="用平台发放的一次性登记码登记本站，换取站点凭证")
    enroll.add_argument("code", help="一次性登记码")


def cmd_sync(args: argparse.Namespace, config: Config) -> int:
    """`yichuang sync run [--once]` / `yichuang sync enroll CODE` (sync/runner.py, sync/token_store.py)."""
    if args.sync_action == "run":
        from sync.runner import run

        return run(config, once=args.once)
    from app.context import open_context
    from sync.client import PlatformClient, settings_from_config
    from sync.token_store import enroll, open_token_store

    if not config.get_str("sync.platform_url"):
        print("错误：尚未设置省级平台地址（配置项 sync.platform_url）。", file=sys.stderr)
        return 2
    ctx = open_context(config)
    try:
        client = PlatformClient(settings_from_config(config))
        store = open_token_store(config, ctx.db, ctx.cipher)
        result = enroll(
            client,
            store,
            ctx.db,
            code=args.code,
            station_code=ctx.station_code,
            station_name=config.get_str("station.name"),
        )
    finally:
        ctx.close()
    print(f"本站已登记，平台站点编号 {result.station_id}。")
    return 0


COMMANDS = {
    "clerk": cmd_clerk,
    "counter": cmd_counter,
    "kiosk": cmd_kiosk,
    "display": cmd_display,
    "evaluator": cmd_evaluator,
    "supervisor": cmd_supervisor,
    "doctor": cmd_doctor,
    "print": cmd_print,
    "db": cmd_db,
    "demo": cmd_demo,
    "config": cmd_config,
    "audit": cmd_audit,
    "images": cmd_images,
    "platform": cmd_platform,
    "setup": cmd_setup,
    "sync": cmd_sync,
}


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.home:
        os.environ[paths.HOME_ENV] = str(args.home.absolute())
    command = args.command or "counter"
    if command == "counter" and not hasattr(args, "smoke"):
        args.smoke, args.screenshot = False, None
    try:
        config = _load(args)
        log_file = _setup_logs(config)
        log.info("yichuang %s: %s", __version__, command)
        return COMMANDS[command](args, config)
    except UserFacingError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        return 130
    except Exception:
        log.exception("unexpected error in command %s", command)
        where = locals().get("log_file", paths.log_dir())
        print(f"很抱歉，程序出现意外错误。详细信息已写入日志：{where}", file=sys.stderr)
        return 70


if __name__ == "__main__":
    sys.exit(main())
