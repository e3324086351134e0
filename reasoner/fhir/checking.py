"""Check FHIR JSON against the R4 structure before anything reads it.

Why: a mapping rule over malformed data would silently match nothing. The
check uses fhir.resources' R4B models (R4B shares R4's resource structure
for the resources mapped here; the package's top-level models are R5) and
turns the first problems into one paragraph naming the entry (its fullUrl)
and the element path, e.g. ``Condition.code.coding[0].code``.
"""

from __future__ import annotations

from typing import Any

from ..errors import InputError

__all__ = ["check_bundle", "FhirStructureError"]

_MAX_REPORTED = 3


class FhirStructureError(InputError):
    """The JSON is not a structurally valid FHIR R4 resource (exit 2)."""


def _element_path(root: str, loc: tuple[Any, ...]) -> str:
    path = root
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}"
    return path


def check_bundle(bundle: dict[str, Any], *, source: str) -> None:
    """Raise FhirStructureError naming entry and element if the Bundle does not validate."""
    import pydantic
    from fhir.resources.R4B.bundle import Bundle

    try:
        Bundle.model_validate(bundle)
    except pydantic.ValidationError as exc:
        problems = []
        entries = bundle.get("entry") if isinstance(bundle.get("entry"), list) else []
        for err in exc.errors()[:_MAX_REPORTED]:
            loc = tuple(err.get("loc", ()))
            msg = str(err.get("msg", "invalid")).rstrip(".")
            if len(loc) >= 3 and loc[0] == "entry" and isinstance(loc[1], int) and loc[2] == "resource" and loc[1] < len(entries):
                entry = entries[loc[1]] if isinstance(entries[loc[1]], dict) else {}
                resource = entry.get("resource") if isinstance(entry.get("resource"), dict) else {}
                rtype = str(resource.get("resourceType", "Resource"))
                name = entry.get("fullUrl") or (f"{rtype}/{resource['id']}" if resource.get("id") else f"entry {loc[1]}")
                problems.append(f"entry {name}: {_element_path(rtype, loc[3:])}: {msg}")
            else:
                problems.append(f"{_element_path('Bundle', loc)}: {msg}")
        more = len(exc.errors()) - len(problems)
        tail = f" (and {more} more problem{'s' if more != 1 else ''})" if more > 0 else ""
        raise FhirStructureError(
            "not a valid FHIR R4 resource: " + "; ".join(problems) + tail + ".", source=source
        ) from None
    except (ValueError, TypeError, KeyError) as exc:  # the models raise these for some malformed shapes
        raise FhirStructureError(f"not a valid FHIR R4 resource: {' '.join(str(exc).split())[:300]}.", source=source) from None
