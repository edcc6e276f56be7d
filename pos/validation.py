"""Request checking against the published OpenAPI document (pos/openapi.py), before any view.

The document is the one contract: what it allows reaches the services, anything else is a
400 in the documented error shape, so hostile input never gets as far as the database.
"""

from functools import cache

from flask import request
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from pos import openapi
from pos.errors import bad_request

DOCUMENT_URI = "urn:register-api"


@cache
def _validator(pointer: str) -> Draft202012Validator:
    """A validator for the schema at `pointer` in the document ($refs resolve within it)."""
    resource = Resource.from_contents(openapi.DOCUMENT, default_specification=DRAFT202012)
    registry = Registry().with_resource(DOCUMENT_URI, resource)
    return Draft202012Validator({"$ref": f"{DOCUMENT_URI}#{pointer}"}, registry=registry)


@cache
def _receipt_validator() -> Draft202012Validator:
    return Draft202012Validator(openapi.RECEIPT)


def check_receipt(instance) -> None:
    """Raise a PosError (400) naming the first problem if `instance` is no receipt."""
    _raise_first(_receipt_validator(), instance)


def check_request(path_template: str, method: str) -> None:
    """Check the current request's path parameters and JSON body against its operation."""
    operation = openapi.DOCUMENT["paths"][path_template].get(method.lower())
    if operation is None:  # HEAD, OPTIONS: Flask answers those itself
        return
    pointer = f"/paths/{path_template.replace('/', '~1')}/{method.lower()}"
    for index, parameter in enumerate(operation.get("parameters", [])):
        value = (request.view_args or {}).get(parameter["name"])
        if not _validator(f"{pointer}/parameters/{index}/schema").is_valid(value):
            raise bad_request("invalid_field", f"URLの {parameter['name']} が正しくありません。")
    if "requestBody" in operation:
        _raise_first(_validator(f"{pointer}/requestBody/content/application~1json/schema"),
                     request_json())


def request_json():
    """The parsed body, or a PosError if it is not JSON (too deeply nested counts as not)."""
    try:
        body = request.get_json(silent=True)
    except RecursionError:
        body = None
    if body is None:
        raise bad_request("malformed_json", "JSONオブジェクトを送ってください。")
    return body


def _raise_first(validator: Draft202012Validator, instance) -> None:
    error = best_match(validator.iter_errors(instance))
    if error is not None:
        raise bad_request("invalid_field", _message(error))


def _message(error: ValidationError) -> str:
    """Japanese, naming the field; never echoes the sent value (it may be anything)."""
    where = _field_name(error.absolute_path)
    if error.validator == "required":
        missing = [name for name in error.validator_value if name not in error.instance]
        return f"{where + '.' if where else ''}{missing[0]} がありません。"
    if error.validator == "anyOf":  # the only one: a product named by sku or jan
        return f"{where or '明細'} には sku か jan が必要です。"
    if error.validator == "additionalProperties":
        return f"{where + ' ' if where else '本文'}に使えない項目があります。"
    if not where:
        return "JSONオブジェクトを送ってください。"
    return f"{where} の値が正しくありません（型・長さ・範囲・文字を確認してください）。"


def _field_name(path) -> str:
    name = ""
    for part in path:
        name += f"[{part}]" if isinstance(part, int) else f".{part}" if name else str(part)
    return name

