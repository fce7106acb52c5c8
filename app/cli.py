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
from collections.abc import Sequence
from pathlib import Path

from app import __version__, paths
from app.config import Config, load_config, render_config
from app.errors import UserFacingError

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
    from devices.registry import is_known_driver

    db = Database(database_url(config))
    try:
        results = run_checks(config, db, is_known_driver)
    finally:
        db.dispose()
    if args.json:
        print(json.dumps([r.as_dict() for r in results], ensure_ascii=False, indent=1))
    else:
        marks = {"ok": "✔", "warn": "!", "fail": "✘"}
        for r in results:
            print(f"{marks[r.verdict]} {r.name}：{r.message}")
    return EXIT_CHECK_FAILED if any(r.verdict == "fail" for r in results) else 0


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


COMMANDS = {
    "clerk": cmd_clerk,
    "counter": cmd_counter,
    "kiosk": cmd_kiosk,
    "display": cmd_display,
    "evaluator": cmd_evaluator,
    "supervisor": cmd_supervisor,
    "doctor": cmd_doctor,
    "db": cmd_db,
    "demo": cmd_demo,
    "config": cmd_config,
    "audit": cmd_audit,
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
