#!/usr/bin/env python3
"""Export handoo's terms to handoo.pot and merge them into the Spanish file.

Installs or upgrades handoo in a scratch database (``handoo_i18n``), exports the
template with Odoo's own exporter, then updates ``handoo/i18n/es_MX.po``: known
translations are kept, new terms are added untranslated, terms gone from the
code are dropped. It lists the terms still to translate and exits with 1 when
there are any.
"""

import argparse
import subprocess
import sys

import polib
from odoo_env import REPO, addons_path, check_odoo

I18N = REPO / "handoo" / "i18n"


def odoo(*args):
    process = subprocess.run(
        [sys.executable, "-m", "odoo", f"--addons-path={addons_path()}", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    if process.returncode:
        sys.exit(f"odoo {' '.join(args)} failed:\n{process.stderr[-3000:]}")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", default="handoo_i18n")
    parser.add_argument("--lang", default="es_MX")
    args = parser.parse_args()
    check_odoo()

    odoo("db", "init", args.db, "--force")
    odoo("module", "install", "-d", args.db, "handoo")
    template_path = I18N / "handoo.pot"
    odoo("i18n", "export", "-d", args.db, "-o", str(template_path), "handoo")
    odoo("db", "drop", args.db)

    template = polib.pofile(str(template_path))
    po_path = I18N / f"{args.lang}.po"
    old = polib.pofile(str(po_path)) if po_path.exists() else polib.POFile()
    known = {entry.msgid: entry.msgstr for entry in old if entry.msgstr}
    merged = polib.POFile(wrapwidth=78)
    merged.metadata = dict(template.metadata)
    merged.metadata["Language"] = args.lang
    merged.metadata["Plural-Forms"] = "nplurals=2; plural=(n != 1);"
    merged.header = template.header.replace(
        "Translation of", f"{args.lang} translation of"
    )
    for entry in template:
        entry.msgstr = known.get(entry.msgid, "")
        merged.append(entry)
    merged.save(str(po_path))

    missing = [entry.msgid for entry in merged if not entry.msgstr]
    print(f"{len(merged)} terms, {len(missing)} without a {args.lang} translation")
    for msgid in missing:
        print(f"  {msgid!r}")
    sys.exit(1 if missing else 0)


if __name__ == "__main__":
    main()
