"""The build step pyproject.toml cannot declare: the member catalogs compiled into the package.

``locales/<lang>/LC_MESSAGES/messages.po`` (the source the translators edit, kept at the top
of the repo) becomes ``flows/locales/<lang>/LC_MESSAGES/messages.mo`` inside the built
package, so an installed ``madoguchi`` answers English members without a checkout beside it.
A checkout keeps using ``make catalogs`` (``.mo`` next to the ``.po``); ``flows.i18n``
looks in the package first and in the checkout second. Everything else is in pyproject.toml.
"""

from __future__ import annotations

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

SOURCE = Path(__file__).resolve().parent / "locales"
PACKAGED = Path("flows") / "locales"  # beside flows/i18n.py, which loads them
DOMAIN = "messages"


class BuildPyWithCatalogs(build_py):
    """``build_py`` plus one ``.mo`` per ``locales/*/LC_MESSAGES/messages.po``."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return  # an editable install reads the checkout's locales/ (make catalogs)
        for po in self._sources():
            self._compile(po, Path(self.build_lib) / self._target(po))

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        outputs = super().get_outputs(include_bytecode)
        if self.editable_mode:
            return outputs
        return [*outputs, *(str(Path(self.build_lib) / self._target(po)) for po in self._sources())]

    @staticmethod
    def _sources() -> list[Path]:
        return sorted(SOURCE.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))

    @staticmethod
    def _target(po: Path) -> Path:
        return PACKAGED / po.relative_to(SOURCE).with_suffix(".mo")

    def _compile(self, po: Path, mo: Path) -> None:
        # Babel is a build requirement (pyproject.toml), imported only when a build runs.
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        with po.open("rb") as source:
            catalog = read_po(source, locale=po.parent.parent.name, domain=DOMAIN)
        mo.parent.mkdir(parents=True, exist_ok=True)
        with mo.open("wb") as target:
            write_mo(target, catalog, use_fuzzy=True)  # as `make catalogs` (pybabel --use-fuzzy)
        self.announce(f"compiled {po.relative_to(SOURCE.parent)} -> {mo}", level=2)


setup(cmdclass={"build_py": BuildPyWithCatalogs})
