"""Request validation against LINE's OpenAPI documents, with discriminator dispatch.

Plain JSON Schema ignores OpenAPI `discriminator` mappings, so a bare `Message` schema
would accept any object with a `type`. Each discriminated schema is split in two: the
dispatching schema (used wherever others refer to it) and its `__base` (used inside the
`allOf` of its own subtypes, which would otherwise recurse into the dispatcher).
"""

import copy
import os
import re
from functools import cache
from pathlib import Path

import yaml
from jsonschema import Draft7Validator, validators
from jsonschema.exceptions import ValidationError

# LINE's own specs (Apache-2.0): the shared copy beside the repository, else the one shipped here.
_SHARED_SPEC_DIR = Path(__file__).resolve().parents[2] / "shared" / "line-openapi"
_SHIPPED_SPEC_DIR = Path(__file__).resolve().parent / "openapi"
_DEFAULT_SPEC_DIR = _SHARED_SPEC_DIR if _SHARED_SPEC_DIR.is_dir() else _SHIPPED_SPEC_DIR
SPEC_DIR = os.environ.get("LINESIM_SPEC_DIR", str(_DEFAULT_SPEC_DIR))
_REF_PREFIX = "#/components/schemas/"
_DEFS_PREFIX = "#/$defs/"


def _dispatch_on_type(validator, mapping, instance, schema):
    """Validate `instance` against the schema its `type` names; an unknown type is an error."""
    if not isinstance(instance, dict) or "type" not in instance:
        return
    target = mapping.get(instance["type"])
    if target is None:
        yield ValidationError(
            f"must be one of {sorted(mapping)}", validator="x-dispatch", path=["type"]
        )
        return
    yield from validator.descend(instance, {"$ref": target})


LineValidator = validators.extend(Draft7Validator, {"x-dispatch": _dispatch_on_type})


def _subtype_names(schemas):
    """Map each subtype name to the discriminated base schemas it extends."""
    bases_of = {}
    for base, body in schemas.items():
        for target in body.get("discriminator", {}).get("mapping", {}).values():
            bases_of.setdefault(target.removeprefix(_REF_PREFIX), set()).add(base)
    return bases_of


def _rewrite(node, bases=frozenset()):
    """Turn OpenAPI 3.0 into draft-7: relocate refs, point subtypes at `__base`, nullable."""
    if isinstance(node, list):
        return [_rewrite(item, bases) for item in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key == "$ref":
            name = value.removeprefix(_REF_PREFIX)
            out[key] = _DEFS_PREFIX + (f"{name}__base" if name in bases else name)
        elif key == "allOf":
            out[key] = [_rewrite(item, bases) for item in value]
        elif key in ("discriminator", "example", "externalDocs", "description", "format"):
            continue
        else:
            out[key] = _rewrite(value)
    if out.pop("nullable", False) and "type" in out:
        out["type"] = [out["type"], "null"]
    return out


def _dispatcher(body):
    mapping = body["discriminator"]["mapping"]
    relocated = {k: _DEFS_PREFIX + v.removeprefix(_REF_PREFIX) for k, v in mapping.items()}
    return {"type": "object", "required": ["type"], "x-dispatch": relocated}


def build_defs(schemas):
    """Return draft-7 `$defs` for an OpenAPI `components.schemas` mapping."""
    bases_of = _subtype_names(schemas)
    defs = {}
    for name, body in schemas.items():
        rewritten = _rewrite(body, frozenset(bases_of.get(name, ())))
        if "discriminator" in body:
            defs[f"{name}__base"] = rewritten
            defs[name] = _dispatcher(body)
        else:
            defs[name] = rewritten
    return defs


@cache
def load_document(filename):
    with open(os.path.join(SPEC_DIR, filename), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


class SchemaSet:
    """Compiled validators for the named schemas of one OpenAPI document."""

    def __init__(self, filename):
        self.document = load_document(filename)
        self.defs = build_defs(copy.deepcopy(self.document["components"]["schemas"]))
        self._validators = {}

    def validator(self, schema_name):
        found = self._validators.get(schema_name)
        if found is None:
            root = {"$ref": _DEFS_PREFIX + schema_name, "$defs": self.defs}
            found = self._validators[schema_name] = LineValidator(root)
        return found

    def errors(self, schema_name, instance):
        """LINE-style details (`message`, `property`) for every violation, in path order."""
        found = self.validator(schema_name).iter_errors(instance)
        details = [describe(error) for error in found]
        return sorted(details, key=lambda detail: detail["property"])

    def operation_body_schema(self, path, method):
        """Name of the JSON request-body schema the spec declares for an operation, if any."""
        operation = self.document["paths"][path][method]
        content = operation.get("requestBody", {}).get("content", {})
        ref = content.get("application/json", {}).get("schema", {}).get("$ref", "")
        return ref.removeprefix(_REF_PREFIX) or None


def property_path(parts):
    """`['messages', 0, 'text']` -> `messages[0].text`, the form LINE reports."""
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


_REQUIRED = re.compile(r"'(.+)' is a required property")


def describe(error):
    parts = list(error.absolute_path)
    kind = error.validator
    if kind == "required":
        parts.append(_REQUIRED.match(error.message).group(1))
        message = "must be specified"
    elif kind in ("maxLength", "minLength"):
        message = f"Length must be {_bounds(error.schema, 'Length')}"
    elif kind in ("maxItems", "minItems"):
        message = f"Size must be {_bounds(error.schema, 'Items')}"
    elif kind in ("maximum", "minimum"):
        message = f"must be {_range(error.schema)}"
    elif kind == "enum":
        message = f"must be one of {error.validator_value}"
    elif kind == "type":
        message = f"must be of type {error.validator_value}"
    else:
        message = error.message
    return {"message": message, "property": property_path(parts)}


def _bounds(schema, suffix):
    low = schema.get(f"min{suffix}", 0)
    high = schema.get(f"max{suffix}")
    return f"between {low} and {high}" if high is not None else f"at least {low}"


def _range(schema):
    low, high = schema.get("minimum"), schema.get("maximum")
    if low is not None and high is not None:
        return f"between {low} and {high}"
    return f"at least {low}" if low is not None else f"at most {high}"


@cache
def messaging_schemas():
    return SchemaSet("messaging-api.yml")


@cache
def webhook_schemas():
    return SchemaSet("webhook.yml")
