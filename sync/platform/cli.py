"""`yichuang platform …`: run the reference platform, make enrollment codes, act as the back office.

    yichuang platform serve [--host H] [--port P] [--data-dir DIR | --db-url URL] [--admin-token T] [--faults F]
    yichuang platform codes --new N [--data-dir DIR | --db-url URL]
    yichuang platform admin [--url URL] [--admin-token T] list | approve UUID | correct UUID --material M …

The admin token comes from --admin-token, else $YICHUANG_PLATFORM_ADMIN_TOKEN, else the file
``admin-token`` in the data folder (``serve`` writes a random one there on first start).
"""

from __future__ import annotations

import argparse
import logging
import os
import secrets
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from app import paths
from app.errors import UserFacingError
from sync.platform.faults import FaultSettings, parse_faults, settings_from
from sync.protocol import (
    ADMIN_ACTIONS,
    HEADER_ADMIN_TOKEN,
    PATH_ADMIN,
    PATH_ADMIN_CASES,
    PATH_ADMIN_FAULTS,
    PATH_ADMIN_STATIONS,
    admin_case_path,
    admin_revoke_path,
    error_message,
)

log = logging.getLogger(__name__)

ADMIN_TOKEN_ENV = "YICHUANG_PLATFORM_ADMIN_TOKEN"
ADMIN_TOKEN_FILE = "admin-token"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8710
_STATE_LABELS = {
    "received": "已接收",
    "submitted": "已提交",
    "correction_requested": "待补正",
    "approved": "已准予",
    "rejected": "不予许可",
    "completed": "已办结",
}


def default_data_dir() -> Path:
    return paths.data_dir() / "platform"


def _add_storage(p: argparse.ArgumentParser) -> None:
    where = p.add_mutually_exclusive_group()
    where.add_argument(
        "--data-dir",
        type=Path,
        help="数据文件夹（SQLite 数据库 platform.db；默认在一窗数据目录下的 platform）",
    )
    where.add_argument("--db-url", help="PostgreSQL 数据库地址，如 postgresql+psycopg://user:pw@host/db")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="yichuang platform", description="一窗参考省级平台（协议 v1）")
    sub = p.add_subparsers(dest="platform_command", metavar="操作", required=True)

    serve = sub.add_parser("serve", help="运行参考平台（HTTP，协议 v1，OpenAPI 在 /openapi.json）")
    serve.add_argument("--host", default=DEFAULT_HOST, help=f"监听地址（默认 {DEFAULT_HOST}）")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"端口（默认 {DEFAULT_PORT}）")
    _add_storage(serve)
    serve.add_argument(
        "--admin-token", help=f"后台管理口令（默认取环境变量 {ADMIN_TOKEN_ENV} 或数据文件夹中的口令）"
    )
    serve.add_argument(
        "--faults",
        default="",
        help="启动时打开的故障开关，如 drop_reply_after_commit=2,error_rate=0.1,stall_s=5,clock_offset_s=600",
    )

    codes = sub.add_parser("codes", help="生成一次性站点登记码（直接写入平台数据库）")
    codes.add_argument("--new", type=int, required=True, metavar="N", help="生成的个数")
    _add_storage(codes)

    admin = sub.add_parser("admin", help="后台操作：查看办件、作出决定、停用站点凭证、故障开关")
    admin.add_argument("--url", default=f"http://{DEFAULT_HOST}:{DEFAULT_PORT}", help="参考平台地址")
    admin.add_argument("--admin-token", help="后台管理口令")
    admin.add_argument("--data-dir", type=Path, help="在此数据文件夹中读取管理口令")
    acts = admin.add_subparsers(dest="admin_command", metavar="操作", required=True)
    acts.add_parser("list", help="列出办件")
    labels = {"approve": "准予", "reject": "不予许可", "correct": "要求补正", "result": "出具办理结果"}
    for action in ADMIN_ACTIONS:
        a = acts.add_parser(action, help=labels[action])
        a.add_argument("case_uuid", metavar="UUID", help="办件 uuid（见 list）")
        a.add_argument("--note", default="", help="说明或理由，会显示给窗口人员")
        if action == "correct":
            a.add_argument("--material", action="append", default=[], help="需要补正的材料名称（可重复）")
        if action == "result":
            a.add_argument("--result-name", default="", help="结果名称，如 营业执照")
            a.add_argument("--licence-number", default="", help="证照编号")
    acts.add_parser("stations", help="列出已登记的站点")
    rv = acts.add_parser("revoke", help="停用一个站点的全部凭证")
    rv.add_argument("station_id", metavar="STATION_ID")
    fl = acts.add_parser("faults", help="查看或设置故障开关")
    fl.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="如 --set error_rate=0.2")
    return p


def _storage_url(args: argparse.Namespace) -> tuple[Path | None, str | None]:
    if args.db_url:
        return None, str(args.db_url)
    return (args.data_dir or default_data_dir()), None


def _token_from(args: argparse.Namespace, data_dir: Path | None) -> str | None:
    if args.admin_token:
        return str(args.admin_token)
    if os.environ.get(ADMIN_TOKEN_ENV):
        return os.environ[ADMIN_TOKEN_ENV]
    if data_dir is not None:
        try:
            return (data_dir / ADMIN_TOKEN_FILE).read_text(encoding="utf-8").strip() or None
        except OSError:
            return None
    return None


def _serve_token(args: argparse.Namespace, data_dir: Path | None) -> str:
    token = _token_from(args, data_dir)
    if token:
        return token
    token = secrets.token_urlsafe(18)
    if data_dir is not None:
        data_dir.mkdir(parents=True, exist_ok=True)
        target = data_dir / ADMIN_TOKEN_FILE
        target.write_text(token + "\n", encoding="utf-8")
        target.chmod(0o600)
    return token


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from sync.platform.app import create_app

    data_dir, db_url = _storage_url(args)
    faults: FaultSettings = parse_faults(args.faults)
    token = _serve_token(args, data_dir)
    app = create_app(data_dir, db_url=db_url, admin_token=token, faults=faults)
    base = f"http://{args.host}:{args.port}"
    print(f"一窗参考平台：{base}（协议 v1，接口说明 {base}/openapi.json）")
    print(f"后台页面：{base}{PATH_ADMIN}?token={token}")
    print(f"数据：{data_dir if data_dir is not None else '（PostgreSQL）'}")
    if faults != FaultSettings():
        print(f"已打开故障开关：{faults.as_dict()}")
    uvicorn.run(app, host=args.host, port=args.port, log_level="info")
    return 0


def cmd_codes(args: argparse.Namespace) -> int:
    from sync.platform.core import Platform, database_url_for

    if args.new < 1 or args.new > 1000:
        raise UserFacingError(f"--new 应在 1 到 1000 之间，现在是 {args.new}。")
    data_dir, db_url = _storage_url(args)
    if data_dir is not None:
        data_dir.mkdir(parents=True, exist_ok=True)
        db_url = database_url_for(data_dir)
    assert db_url is not None
    # Codes are written straight into the database: the platform need not be running.
    platform = Platform(db_url, admin_token=secrets.token_urlsafe(8))
    try:
        for code in platform.new_codes(args.new):
            print(code)
    finally:
        platform.close()
    return 0


def _admin_call(args: argparse.Namespace, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    import httpx

    token = _token_from(args, args.data_dir or default_data_dir())
    if not token:
        raise UserFacingError(
            f"需要后台管理口令：用 --admin-token 指定，或设置环境变量 {ADMIN_TOKEN_ENV}，或用 --data-dir 指向平台数据文件夹。"
        )
    try:
        r = httpx.request(
            method, args.url.rstrip("/") + path, json=body, headers={HEADER_ADMIN_TOKEN: token}, timeout=30
        )
    except httpx.TransportError as exc:
        raise UserFacingError(
            f"连不上参考平台 {args.url}：{exc}。请确认已运行 yichuang platform serve，地址和端口正确。"
        ) from exc
    try:
        data = r.json()
    except ValueError as exc:
        raise UserFacingError(
            f"{args.url} 返回的不是参考平台的应答（HTTP {r.status_code}），请核对地址。"
        ) from exc
    if r.status_code >= 400:
        code = data.get("error", "") if isinstance(data, dict) else ""
        message = data.get("message") if isinstance(data, dict) else None
        raise UserFacingError(str(message or error_message(str(code))))
    return data


def cmd_admin(args: argparse.Namespace) -> int:
    command = args.admin_command
    if command == "list":
        cases = _admin_call(args, "GET", PATH_ADMIN_CASES)["cases"]
        for c in cases:
            print(
                f"{c['platform_number'] or '（未提交）'}\t{_STATE_LABELS.get(c['state'], c['state'])}\t"
                f"{c['station_code']}\t{c['local_number']}\t{c['title']}\t{c['uuid']}"
            )
        print(f"共 {len(cases)} 件。")
        return 0
    if command in ADMIN_ACTIONS:
        body: dict[str, Any] = {"note": args.note}
        if command == "correct":
            body["materials"] = args.material
        if command == "result":
            body["result_name"], body["licence_number"] = args.result_name, args.licence_number
        case = _admin_call(args, "POST", admin_case_path(args.case_uuid, command), body)
        print(
            f"已办理：{case['platform_number'] or case['uuid']} 现为“{_STATE_LABELS.get(case['state'], case['state'])}”。"
        )
        return 0
    if command == "stations":
        stations = _admin_call(args, "GET", PATH_ADMIN_STATIONS)["stations"]
        for st in stations:
            print(
                f"{st['code']}\t{st['name']}\t版本 {st['client_version']}\t有效凭证 {st['active_tokens']}\t"
                f"已停用 {st['revoked_tokens']}\t{st['station_id']}"
            )
        print(f"共 {len(stations)} 个站点。")
        return 0
    if command == "revoke":
        result = _admin_call(args, "POST", admin_revoke_path(args.station_id))
        print(f"已停用 {result['revoked']} 个凭证。该站点需用新的登记码重新登记。")
        return 0
    changes: dict[str, Any] = {}
    for item in args.set:
        key, sep, value = item.partition("=")
        if not sep:
            raise UserFacingError(f"--set 的格式应为 KEY=VALUE，现在是“{item}”。")
        changes[key.strip()] = value.strip()
    # Validated here first so a typo gets a Chinese message naming the switch.
    checked = {k: v for k, v in settings_from(FaultSettings(), changes).as_dict().items() if k in changes}
    state = _admin_call(args, "POST" if checked else "GET", PATH_ADMIN_FAULTS, checked or None)
    for key, value in state.items():
        print(f"{key} = {value}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.platform_command == "serve":
        return cmd_serve(args)
    if args.platform_command == "codes":
        return cmd_codes(args)
    return cmd_admin(args)
