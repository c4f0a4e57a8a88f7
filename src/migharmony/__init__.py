"""migharmony: make migration statistics from different countries comparable.

A source table plus a YAML *crosswalk* (the "Rosetta stone" from the source's codes
and definitions to the shared vocabulary) gives one tidy, comparable frame, with
caveats, disaggregation gaps and lineage back to every source cell.

``import migharmony`` is cheap: it reads no file and imports neither pandas nor
pandera until a function that needs them is called.

>>> import migharmony
>>> migharmony.vocab.codes("sex")
['F', 'M', '_T', '_U', '_O', '_N', '_Z']
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# Public name -> "module" (a submodule) or "module:attribute".
_LAZY: dict[str, str] = {
    "vocab": "vocab",
    "areas": "areas",
    "crosswalks": "crosswalks",
    "errors": "errors",
    "schema": "schema",
    "harmonize": "pipeline:harmonize",
    "harmonize_batches": "batches:harmonize_batches",
    "HarmonizedResult": "result:HarmonizedResult",
    "gaps": "disaggregation:gaps",
    "regroup_ages": "ages:regroup_ages",
    "aggregate_areas": "aggregate:aggregate_areas",
    "combine": "comparability:combine",
    "compare": "comparability:compare",
    "MigharmonyError": "errors:MigharmonyError",
}

__all__ = [
    "HarmonizedResult",
    "MigharmonyError",
    "__version__",
    "aggregate_areas",
    "areas",
    "combine",
    "compare",
    "crosswalks",
    "errors",
    "gaps",
    "harmonize",
    "harmonize_batches",
    "regroup_ages",
    "schema",
    "vocab",
]

if TYPE_CHECKING:  # pragma: no cover
    from . import areas as areas
    from . import crosswalks as crosswalks
    from . import errors as errors
    from . import schema as schema
    from . import vocab as vocab
    from .batches import harmonize_batches as harmonize_batches
    from .errors import MigharmonyError as MigharmonyError
    from .pipeline import harmonize as harmonize
    from .result import HarmonizedResult as HarmonizedResult


def __getattr__(name: str) -> Any:
    target = _LAZY.get(name)
    if target is None:
        raise AttributeError(f"module 'migharmony' has no attribute {name!r}")
    module_name, _, attribute = target.partition(":")
    module = importlib.import_module(f".{module_name}", __name__)
    value = getattr(module, attribute) if attribute else module
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
