from pathlib import Path

from odoo.tests import TransactionCase, tagged
from odoo.tools.translate import PoFileReader, TranslationModuleReader

I18N = Path(__file__).resolve().parent.parent / "i18n"


@tagged("post_install", "-at_install")
class TestSpanishTranslation(TransactionCase):
    def test_every_term_translated(self):
        terms = {
            source
            for _module, _type, _name, _res_id, source, _value, _comments in (
                TranslationModuleReader(self.env.cr, modules=["handoo"])
            )
        }
        self.assertGreater(len(terms), 100)
        with open(I18N / "es_MX.po", "rb") as po_file:
            translated = {
                entry["src"]: entry["value"] for entry in PoFileReader(po_file)
            }
        missing = sorted(term for term in terms if not translated.get(term))
        self.assertFalse(
            missing,
            f"{len(missing)} terms have no es_MX translation; run "
            f"scripts/update_translations.py and translate them: {missing[:10]}",
        )
