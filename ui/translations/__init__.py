"""Compiled interface translations (yichuang_<lang>.qm) and their Qt Linguist sources (.ts)."""
