"""Fill unfinished entries of ui/translations/yichuang_en.ts from a JSON map {source: translation}.

Usage: .venv/bin/python tools/fill_translations.py MAP.json  (then run tools/i18n.sh to compile).
Only entries still marked unfinished are touched, so translators' edits are never overwritten.
"""

from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

TS = Path(__file__).resolve().parent.parent / "ui" / "translations" / "yichuang_en.ts"


def main() -> int:
    mapping: dict[str, str] = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    tree = ET.parse(TS)
    filled = 0
    for message in tree.iter("message"):
        source = message.findtext("source")
        translation = message.find("translation")
        if source in mapping and translation is not None and translation.get("type") == "unfinished":
            translation.text = mapping[source]
            del translation.attrib["type"]
            filled += 1
    tree.write(TS, encoding="utf-8", xml_declaration=True)
    print(f"filled {filled} entries")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
