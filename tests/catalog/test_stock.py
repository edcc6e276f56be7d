"""Stock per store: every change is a "stock.changed" event, a restock also "stock.restocked"."""

import io

from sqlalchemy import select

from catalog import service
from catalog.models import Product, Stock
from core.events import DomainEvent
from tests.factories import csrf_token_from
from tests.pos.helpers import Api, keyed_register


def _events(session):
    session.expire_all()
    return [(e.kind, e.subject_id, e.payload) for e in
            session.scalars(select(DomainEvent).order_by(DomainEvent.id))]


def test_going_from_none_to_some_is_a_restock(session, make):
    store, product = make.store(), make.product()
    service.set_stock(store_id=store.id, product_id=product.id, quantity=0)
    service.set_stock(store_id=store.id, product_id=product.id, quantity=5)
    service.adjust_stock(store_id=store.id, product_id=product.id, delta=-2)
    session.commit()
    payload = {"store_id": store.id, "before": 0, "after": 5}
    assert _events(session) == [
        ("stock.changed", product.id, payload), ("stock.restocked", product.id, payload),
        ("stock.changed", product.id, {"store_id": store.id, "before": 5, "after": 3})]


def test_register_sets_its_own_stores_stock_through_the_api(client, make, session):
    store, product = make.store(), make.product(jan="4901234567894")
    _, key = keyed_register(make, session, store=store)
    answer = Api(client, key).call("PUT", "/api/v1/stock",
                                   json={"jan": "4901234567894", "quantity": 7})
    assert answer.get_json() == {"sku": product.sku, "before": 0, "after": 7}
    stock = session.scalar(select(Stock))
    assert (stock.store_id, stock.quantity) == (store.id, 7)
    assert [kind for kind, *_ in _events(session)] == ["stock.changed", "stock.restocked"]
    unknown = Api(client, key).call("PUT", "/api/v1/stock", json={"sku": "NOPE", "quantity": 1})
    assert unknown.status_code == 422


def test_console_stock_edit_goes_through_the_service(client, login, make, session):
    store, product = make.store(), make.product()
    session.add(Stock(store_id=store.id, product_id=product.id, quantity=0))
    session.commit()
    login(role="marketer")
    stock_id = session.scalar(select(Stock.id))
    url = f"/admin/stock/edit/?id={stock_id}"
    token = csrf_token_from(client.get(url).get_data(as_text=True))
    assert client.post(url, data={"csrf_token": token, "quantity": "4"}).status_code == 302
    assert [kind for kind, *_ in _events(session)] == ["stock.changed", "stock.restocked"]


PRODUCTS_CSV = """sku,jan,name,category,price,warranty_months,active
TS-001,4901234567894,Tシャツ,tops,2990,0,1
EP-001,,イヤホン,audio,12800,12,1
BAD-1,,,tops,x,0,1
"""


def test_product_csv_import_creates_then_updates(app, session, tmp_path):
    path = tmp_path / "products.csv"
    path.write_text(PRODUCTS_CSV, encoding="utf-8-sig")
    runner = app.test_cli_runner()
    assert "created 2, updated 0, errors 1" in runner.invoke(
        args=["catalog", "import-products", str(path)]).output
    path.write_text(PRODUCTS_CSV.replace("2990", "1990"), encoding="utf-8-sig")
    assert "created 0, updated 2" in runner.invoke(
        args=["catalog", "import-products", str(path)]).output
    assert session.scalar(select(Product.price).where(Product.sku == "TS-001")) == 1990


def test_stock_csv_upload_in_the_console_records_events(client, login, make, session):
    store, product = make.store(code="SHIBUYA"), make.product(sku="TS-001")
    login(role="admin")
    token = csrf_token_from(client.get("/admin/catalogimport/").get_data(as_text=True))
    csv = "store_code,sku,quantity\nSHIBUYA,TS-001,12\nNOWHERE,TS-001,1\n"
    page = client.post("/admin/catalogimport/", data={
        "csrf_token": token, "kind": "stock", "file": (io.BytesIO(csv.encode()), "s.csv")},
        content_type="multipart/form-data").get_data(as_text=True)
    assert "更新 1" in page and "エラー 1" in page
    assert service.stock_quantity(store_id=store.id, product_id=product.id) == 12
    assert ("stock.restocked", product.id,
            {"store_id": store.id, "before": 0, "after": 12}) in _events(session)
