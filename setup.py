"""Build the Cython extensions in scanner/_fast; all other package metadata lives in pyproject.toml."""

from Cython.Build import cythonize
from setuptools import setup

setup(
    ext_modules=cythonize(
        ["scanner/_fast/*.pyx"],
        compiler_directives={"language_level": "3", "boundscheck": False, "wraparound": False},
    ),
)
