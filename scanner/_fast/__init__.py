"""Hot-path kernels, compiled with Cython, each with a pure-Python reference beside it.

The rule for everything in this package: pure functions only. Text (or arrays) in, verdicts (or
arrays) out; no I/O, no logging, no global state, and no imports from the rest of ``scanner``, so the
kernels can be compiled, released from the GIL and fuzzed in isolation.

The public names below come from the compiled extension when it has been built
(``python setup.py build_ext --inplace`` or ``pip install -e .``) and from the reference otherwise;
``COMPILED`` says which. ``IMPLEMENTATIONS`` (validators) and ``PREFILTER_IMPLEMENTATIONS`` (the shape
scanner) hold every available implementation so the tests can check that they agree.
"""

from types import ModuleType

from . import prefilter_ref, validators_ref

IMPLEMENTATIONS: dict[str, ModuleType] = {"reference": validators_ref}
PREFILTER_IMPLEMENTATIONS: dict[str, ModuleType] = {"reference": prefilter_ref}

try:
    from . import _prefilter, _validators
except ImportError:  # not built (e.g. a plain source checkout): fall back to the same semantics, slower
    COMPILED = False
    from .prefilter_ref import scan_shapes, widen
    from .validators_ref import (
        aba_routing_ok,
        dea_ok,
        github_token_ok,
        luhn_ok,
        mod97_ok,
        npi_ok,
        repeated_run,
        sequential_run,
        shannon_entropy,
        us_ssn_ok,
    )
else:
    COMPILED = True
    IMPLEMENTATIONS["compiled"] = _validators
    PREFILTER_IMPLEMENTATIONS["compiled"] = _prefilter
    from ._prefilter import scan_shapes, widen
    from ._validators import (
        aba_routing_ok,
        dea_ok,
        github_token_ok,
        luhn_ok,
        mod97_ok,
        npi_ok,
        repeated_run,
        sequential_run,
        shannon_entropy,
        us_ssn_ok,
    )

from .prefilter_ref import IBAN_REACH, KIND_EMAIL, KIND_IBAN, KIND_IPV6, KIND_RUN, RUN_PUNCT  # noqa: E402

__all__ = [
    "COMPILED", "IBAN_REACH", "IMPLEMENTATIONS", "KIND_EMAIL", "KIND_IBAN", "KIND_IPV6", "KIND_RUN",
    "PREFILTER_IMPLEMENTATIONS", "RUN_PUNCT", "aba_routing_ok", "dea_ok", "github_token_ok", "luhn_ok", "mod97_ok",
    "npi_ok", "repeated_run", "scan_shapes", "sequential_run", "shannon_entropy",
    "us_ssn_ok", "widen",
]
