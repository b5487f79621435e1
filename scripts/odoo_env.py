"""Where Odoo and this repository's addons are, for the scripts of this folder."""

import importlib.util
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def check_odoo():
    """Exit with a clear message when Odoo 19 cannot be imported."""
    if importlib.util.find_spec("odoo") is None:
        sys.exit(
            "Odoo 19 cannot be imported by this Python "
            f"({sys.executable}). Install Odoo 19 first: see README.md, Requirements."
        )
    from odoo import release

    if release.version_info[0] != 19:
        sys.exit(f"handoo needs Odoo 19; this Python imports Odoo {release.version}.")


def addons_path():
    """Return Odoo's addons folders followed by this repository."""
    import odoo

    folders = []
    for package_dir in odoo.__path__:
        package = Path(package_dir)
        # A source checkout keeps most addons beside the package; an installed
        # Odoo keeps them all inside it.
        for candidate in (package.parent / "addons", package / "addons"):
            if candidate.is_dir() and str(candidate) not in folders:
                folders.append(str(candidate))
    folders.append(str(REPO))
    return ",".join(folders)


def odoo_command():
    """Return the command that starts Odoo's server.

    Odoo restarts itself (after a SIGHUP, or past its memory limit) by running
    its own command line again. With ``python3 -m odoo`` that line names a
    file inside the package that cannot run alone, so the restart fails. With
    ``odoo-bin`` from a source checkout, the restart works.
    """
    import odoo

    for package_dir in odoo.__path__:
        launcher = Path(package_dir).parent / "odoo-bin"
        if launcher.is_file():
            return [sys.executable, str(launcher)]
    return [sys.executable, "-m", "odoo"]
