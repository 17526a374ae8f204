"""Maps the top-level folders onto the `dockerlab.` import names.

The repository keeps `engine/`, `tutor/` and `cli/` at its top, but they are
imported as `dockerlab.engine`, `dockerlab.tutor` and `dockerlab.cli`;
pyproject.toml alone cannot express that mapping with discovery.
"""
from setuptools import find_packages, setup

ROOTS = {
    "dockerlab": "dockerlab",
    "dockerlab.engine": "engine",
    "dockerlab.tutor": "tutor",
    "dockerlab.cli": "cli",
    "dockerlab.locales": "locales",
    "dockerlab.labs": "labs",
}

packages = []
for name, folder in ROOTS.items():
    packages.append(name)
    packages += [f"{name}.{sub}" for sub in find_packages(folder)]

setup(packages=packages, package_dir=ROOTS)
