"""Hot-path kernels, compiled with Cython, each with a pure-Python reference beside it.

The rule for everything in this package: pure functions only. Text (or arrays) in, verdicts (or
arrays) out; no I/O, no logging, no global state, and no imports from the rest of ``scanner``, so the
kernels can be compiled, released from the GIL and fuzzed in isolation.

The public names below come from the compiled extension when it has been built
(``python setup.py build_ext --inplace`` or ``pip install -e .``) and from the reference otherwise;
``COMPILED`` says which. ``IMPLEMENTATIONS`` holds every available implementation so the tests can
check that they agree.
"""

from types import ModuleType

from . import validators_ref

IMPLEMENTATIONS: dict[str, ModuleType] = {"reference": validators_ref}

try:
    from . import _validators
except ImportError:  # not built (e.g. a plain source checkout): fall back to the same semantics, slower
    COMPILED = False
    from .validators_ref import aba_routing_ok, luhn_ok, mod97_ok, us_ssn_ok
else:
    COMPILED = True
    IMPLEMENTATIONS["compiled"] = _validators
    from ._validators import aba_routing_ok, luhn_ok, mod97_ok, us_ssn_ok

__all__ = ["COMPILED", "IMPLEMENTATIONS", "aba_routing_ok", "luhn_ok", "mod97_ok", "us_ssn_ok"]
