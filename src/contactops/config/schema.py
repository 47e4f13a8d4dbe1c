"""JSON Schema of the config files, for editor autocompletion and linting."""

from __future__ import annotations

from typing import Any, Literal

from contactops.fields import ACTIVITY_FIELDS, CONTACT_FIELDS


def json_schema(which: Literal["pipeline", "settings"] = "pipeline") -> dict[str, Any]:
    from contactops.config.pipeline import Pipeline
    from contactops.config.project import ProjectSettings

    model = Pipeline if which == "pipeline" else ProjectSettings
    schema = model.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "contactops " + which
    if which == "pipeline":
        canonical = sorted(set(CONTACT_FIELDS) | set(ACTIVITY_FIELDS))
        schema["$defs"]["CanonicalField"] = {
            "enum": canonical,
            "description": "; ".join(f"{k}: {v}" for k, v in CONTACT_FIELDS.items()),
        }
        for name, definition in schema["$defs"].items():
            props = definition.get("properties", {})
            if name.endswith("Source") and "mapping" in props:
                props["mapping"]["additionalProperties"] = {"$ref": "#/$defs/CanonicalField"}
    return schema
