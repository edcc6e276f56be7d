"""CSV imports: the product master and per-store stock counts."""

import csv
import io
from dataclasses import dataclass, field

from sqlalchemy import select

from catalog.links import shop_link_problem
from catalog.models import Product
from catalog.service import find_product, set_stock
from core.extensions import db

PRODUCT_COLUMNS = ("sku", "jan", "name", "category", "price", "warranty_months", "active",
                   "online_url")


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    errors: list[str] = field(default_factory=list)


def _rows(text: str):
    # Excel on Japanese Windows writes a BOM; data rows start on line 2.
    return enumerate(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))), start=2)


def import_products(*, text: str) -> ImportReport:
    """Create or update products by SKU; a bad row is reported and skipped. The caller commits."""
    report = ImportReport()
    for number, row in _rows(text):
        try:
            fields = _product_fields(row)
        except (KeyError, ValueError) as exc:
            report.errors.append(f"{number}行目: {exc}")
            continue
        product = db.session.scalar(select(Product).where(Product.sku == fields["sku"]))
        if product is None:
            db.session.add(Product(**fields))
            report.created += 1
        else:
            for name, value in fields.items():
                setattr(product, name, value)
            report.updated += 1
        db.session.flush()
    return report


def _product_fields(row: dict) -> dict:
    if not (row.get("sku") or "").strip() or not (row.get("name") or "").strip():
        raise ValueError("sku と name は必須です")
    fields = {"sku": row["sku"].strip(), "jan": (row.get("jan") or "").strip() or None,
              "name": row["name"].strip(), "category": (row.get("category") or "other").strip(),
              "price": int(row["price"]), "warranty_months": int(row.get("warranty_months") or 0),
              "active": (row.get("active") or "1").strip().lower() not in ("0", "false", "no")}
    if "online_url" in row:  # a file without the column leaves the links as they are
        fields["online_url"] = _shop_link(row["online_url"])
    return fields


def _shop_link(raw: str | None) -> str | None:
    url = (raw or "").strip() or None
    if (problem := shop_link_problem(url)) is not None:
        raise ValueError(problem)
    return url


def import_stock(*, text: str, store_id: int | None = None) -> ImportReport:
    """Set stock counts from rows of store_code, sku (or jan), quantity. The caller commits."""
    from catalog.models import Store

    codes = {s.code: s.id for s in db.session.scalars(select(Store))}
    report = ImportReport()
    for number, row in _rows(text):
        product = find_product(code=row.get("sku") or row.get("jan") or "")
        target = store_id or codes.get((row.get("store_code") or "").strip())
        if product is None or target is None or not _is_int(row.get("quantity")):
            report.errors.append(f"{number}行目: 店舗・商品・数量を確認してください")
            continue
        set_stock(store_id=target, product_id=product.id, quantity=int(row["quantity"]))
        report.updated += 1
    return report


def _is_int(value) -> bool:
    try:
        int(value)
        return True
    except (TypeError, ValueError):
        return False
